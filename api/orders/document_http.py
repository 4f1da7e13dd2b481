"""The order documents' download route (signed links, api/orders/document_links.py):

    GET /documents/orders/{order_id}/{kind}.pdf?[d=]&u=&l=&e=&s=

`kind` is `delivery-note`, `simplified-invoice` or `receipt` (a receipt names its issue
with `d`).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from api.db import row_key
from api.documents.http import link_actor, pdf_response, refuse, refuse_error, refuse_link
from api.errors import DomainError
from api.orders import document_links, documents
from api.orders.document_models import DocumentKind

_STATUS = {
    "NOT_FOUND": 404,
    "FORBIDDEN": 403,
    "ORDER_NOT_SHIPPED": 409,
    "DELIVERY_NOTE_NOT_AVAILABLE": 409,
    "RECEIPT_CARD_ONLY": 409,
}
_KINDS = {k.value.replace("_", "-"): k for k in DocumentKind}


def _small_int(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else None


async def order_document_pdf(request: Request) -> Response:
    q = request.query_params
    language = "en" if q.get("l") == "en" else "ja"
    order_id = row_key(request.path_params["order_id"])
    kind = _KINDS.get(request.path_params["kind"])
    user_id = row_key(q.get("u", ""))
    expires = _small_int(q.get("e", ""))
    document_id = row_key(q["d"]) if "d" in q else 0
    sig = q.get("s", "")
    if None in (order_id, kind, user_id, expires, document_id) or len(sig) != 64:
        return refuse(403, "TOKEN_INVALID", language)
    rt = request.app.state.rt
    why = document_links.check_link(
        rt.settings.secret_key,
        order_id,  # type: ignore[arg-type]
        kind.value,  # type: ignore[union-attr]
        document_id,  # type: ignore[arg-type]
        user_id,  # type: ignore[arg-type]
        q.get("l", ""),
        expires,  # type: ignore[arg-type]
        sig,
    )
    if why is not None:
        return refuse_link(why, language)
    actor = await link_actor(user_id, language)  # type: ignore[arg-type]
    if actor is None:
        return refuse(404, "NOT_FOUND", language)
    try:
        filename, pdf = await documents.document_pdf(
            rt,
            actor,
            order_id,  # type: ignore[arg-type]
            kind,  # type: ignore[arg-type]
            document_id or None,
        )
    except DomainError as error:
        return refuse_error(error, _STATUS, language)
    return pdf_response(filename, pdf)


def routes() -> list[Route]:
    return [Route("/documents/orders/{order_id}/{kind}.pdf", order_document_pdf, methods=["GET"])]
