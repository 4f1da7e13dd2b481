"""The PDF download route: GET /documents/quotes/{id}.pdf?u=&l=&e=&s= (api/quotes/links.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.accounts.models import User, UserStatus
from api.actor import Actor
from api.db import row_key
from api.errors import DomainError, Problem
from api.i18n import message
from api.quotes import links, service

_STATUS = {"NOT_FOUND": 404, "QUOTE_EXPIRED": 409, "INVALID_STATUS": 409}


def _camel(params: dict) -> dict:
    """The problem's values as the GraphQL userErrors give them: camelCase keys, ISO dates."""
    out = {}
    for key, value in params.items():
        head, *rest = key.split("_")
        out[head + "".join(p.title() for p in rest)] = (
            value.isoformat() if hasattr(value, "isoformat") else value
        )
    return out


def _refuse(status: int, code: str, language: str, problem: Problem | None = None) -> Response:
    params = _camel(problem.params) if problem and problem.params else None
    text = message(code, language, **(problem.params if problem else {}))
    return JSONResponse(
        {"code": code, "message": text, "params": params},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


async def quote_pdf(request: Request) -> Response:
    q = request.query_params
    language = "en" if q.get("l") == "en" else "ja"
    quote_id = row_key(request.path_params["quote_id"])
    user_id = row_key(q.get("u", ""))
    expires = q.get("e", "")
    sig = q.get("s", "")
    if (
        quote_id is None
        or user_id is None
        or not (expires.isascii() and expires.isdigit() and len(expires) <= 12)
        or len(sig) != 64
    ):
        return _refuse(403, "TOKEN_INVALID", language)
    rt = request.app.state.rt
    why = links.check_link(
        rt.settings.secret_key, quote_id, user_id, q.get("l", ""), int(expires), sig
    )
    if why is not None:
        return _refuse(
            403 if why == "invalid" else 410,
            "TOKEN_INVALID" if why == "invalid" else "TOKEN_EXPIRED",
            language,
        )
    user = await User.get_or_none(id=user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        return _refuse(404, "NOT_FOUND", language)
    actor = await Actor.of_user(user, language=language)
    try:
        filename, pdf = await service.quote_pdf(rt, actor, quote_id)
    except DomainError as error:
        problem = error.problems[0]
        return _refuse(_STATUS.get(problem.code, 403), problem.code, language, problem)
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes() -> list[Route]:
    return [Route("/documents/quotes/{quote_id}.pdf", quote_pdf, methods=["GET"])]
