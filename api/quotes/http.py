"""The PDF download route: GET /documents/quotes/{id}.pdf?u=&l=&e=&s= (api/quotes/links.py)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.db import row_key
from api.documents.http import link_actor, pdf_response, refuse, refuse_error, refuse_link
from api.errors import DomainError
from api.quotes import links, service

_STATUS = {"NOT_FOUND": 404, "QUOTE_EXPIRED": 409, "INVALID_STATUS": 409}


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
        return refuse(403, "TOKEN_INVALID", language)
    rt = request.app.state.rt
    why = links.check_link(
        rt.settings.secret_key, quote_id, user_id, q.get("l", ""), int(expires), sig
    )
    if why is not None:
        return refuse_link(why, language)
    actor = await link_actor(user_id, language)
    if actor is None:
        return refuse(404, "NOT_FOUND", language)
    try:
        filename, pdf = await service.quote_pdf(rt, actor, quote_id)
    except DomainError as error:
        return refuse_error(error, _STATUS, language)
    return pdf_response(filename, pdf)


def routes() -> list[Route]:
    return [Route("/documents/quotes/{quote_id}.pdf", quote_pdf, methods=["GET"])]
