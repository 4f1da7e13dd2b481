"""Billing's HTTP routes beside GraphQL.

- GET /documents/invoices/{id}.pdf?u=&l=&e=&s= : the invoice PDF by signed link
  (api/billing/links.py), for members with view_invoices and billing staff.
- GET /billing/invoices.csv?kind=invoices|lines&from=&to=&status=&company= : staff with
  manage_billing export invoices (one row each) or their lines for accounting, with
  the session (cookie or bearer) like /graphql. UTF-8 with a BOM so spreadsheet
  software reads the Japanese; formula-looking cells are quoted against CSV injection.
"""

from __future__ import annotations

import csv
import io
from datetime import date

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from api.actor import Actor
from api.billing import exports, invoices, links
from api.billing.states import InvoiceStatus
from api.db import row_key
from api.documents.http import link_actor, pdf_response, refuse, refuse_error, refuse_link
from api.errors import DomainError
from api.i18n import pick_language

_STATUS = {"NOT_FOUND": 404, "UNAUTHENTICATED": 401, "FORBIDDEN": 403, "OUT_OF_RANGE": 400}


async def invoice_pdf(request: Request) -> Response:
    q = request.query_params
    language = "en" if q.get("l") == "en" else "ja"
    invoice_id = row_key(request.path_params["invoice_id"])
    user_id = row_key(q.get("u", ""))
    expires = q.get("e", "")
    sig = q.get("s", "")
    if (
        invoice_id is None
        or user_id is None
        or not (expires.isascii() and expires.isdigit() and len(expires) <= 12)
        or len(sig) != 64
    ):
        return refuse(403, "TOKEN_INVALID", language)
    rt = request.app.state.rt
    why = links.check_link(
        rt.settings.secret_key, invoice_id, user_id, q.get("l", ""), int(expires), sig
    )
    if why is not None:
        return refuse_link(why, language)
    actor = await link_actor(user_id, language)
    if actor is None:
        return refuse(404, "NOT_FOUND", language)
    try:
        filename, pdf = await invoices.invoice_pdf(actor, invoice_id)
    except DomainError as error:
        return refuse_error(error, _STATUS, language)
    return pdf_response(filename, pdf)


async def _caller(request: Request, language: str) -> Actor:
    """The session behind a bearer token or the session cookie, as /graphql reads it."""
    from api.accounts.sessions import authenticate

    rt = request.app.state.rt
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else ""
    token = token or request.cookies.get(rt.settings.session_cookie_name, "")
    caller = await authenticate(rt, token[:512])
    if caller.user is None:
        raise DomainError.of("UNAUTHENTICATED")
    return await Actor.of_user(caller.user, language=language)


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        parsed = date.fromisoformat(value) if len(value) == 10 else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise DomainError.of("OUT_OF_RANGE", field, min="2000-01-01", max="2999-12-31")
    return parsed


def _safe(value: object) -> object:
    """A text cell a spreadsheet would run as a formula is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


async def invoices_csv(request: Request) -> Response:
    language = pick_language(request.headers.get("accept-language"))
    try:
        actor = await _caller(request, language)
        q = request.query_params
        kind = q.get("kind", "invoices")
        if kind not in ("invoices", "lines"):
            raise DomainError.of("OUT_OF_RANGE", "kind")
        status = q.get("status") or None
        if status is not None:
            try:
                status = InvoiceStatus(status.lower())
            except ValueError:
                raise DomainError.of("OUT_OF_RANGE", "status") from None
        company = q.get("company") or None
        company_id = row_key(company) if company else None
        if company and company_id is None:
            raise DomainError.of("NOT_FOUND", "company")
        header, rows = await exports.invoice_rows(
            actor,
            kind=kind,
            status=status,
            company_id=company_id,
            closing_from=_date(q.get("from"), "from"),
            closing_to=_date(q.get("to"), "to"),
        )
    except DomainError as error:
        return refuse_error(error, _STATUS, language, default=400)

    async def body():  # noqa: ANN202
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        out.write("\ufeff")
        writer.writerow(header)
        async for row in rows:
            writer.writerow([_safe(v) for v in row])
            if out.tell() > 64_000:
                yield out.getvalue().encode()
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{kind}.csv"',
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def routes() -> list[Route]:
    return [
        Route("/documents/invoices/{invoice_id}.pdf", invoice_pdf, methods=["GET"]),
        Route("/billing/invoices.csv", invoices_csv, methods=["GET"]),
    ]
