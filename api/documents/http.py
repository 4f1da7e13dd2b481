"""What every signed-link PDF route shares (quotes, invoices, order documents).

Each route checks its own link (api/<domain>/links.py) and reads its own document;
the refusals, the person behind a link and the download response are one piece here,
so the routes answer alike: a JSON body with the code, message and camelCase params
(as GraphQL userErrors give them), never cached.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.responses import JSONResponse, Response

from api.accounts.models import User, UserStatus
from api.actor import Actor
from api.errors import DomainError, Problem
from api.graphql.errors import problem_params
from api.i18n import message


def refuse(status: int, code: str, language: str, problem: Problem | None = None) -> Response:
    params = problem_params(problem) if problem else None
    text = message(code, language, **(problem.params if problem else {}))
    return JSONResponse(
        {"code": code, "message": text, "params": params},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


def refuse_link(why: str, language: str) -> Response:
    """A link whose signature is wrong (403) or whose time is over (410)."""
    if why == "invalid":
        return refuse(403, "TOKEN_INVALID", language)
    return refuse(410, "TOKEN_EXPIRED", language)


def refuse_error(
    error: DomainError, statuses: Mapping[str, int], language: str, default: int = 403
) -> Response:
    """The service's first problem, with the route's HTTP status for it."""
    problem = error.problems[0]
    return refuse(statuses.get(problem.code, default), problem.code, language, problem)


async def link_actor(user_id: int, language: str) -> Actor | None:
    """The person a link was made for, if still an active user (None: not found)."""
    user = await User.get_or_none(id=user_id)
    if user is None or user.status != UserStatus.ACTIVE:
        return None
    return await Actor.of_user(user, language=language)


def pdf_response(filename: str, pdf: bytes) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
