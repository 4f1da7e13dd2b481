"""The accounting export: invoices, or their lines, as rows for a CSV (api/billing/http.py).

Staff with manage_billing only. Read in pages of `PAGE` invoices by id (keyset), so an
export of a year's invoices holds neither a long transaction nor the whole set in memory.
Amounts are integer yen, tax excluded unless the column says otherwise; a voided invoice
is listed with its status, and its correction names it in `replaces`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

from api.actor import Actor
from api.billing import queries
from api.billing.states import InvoiceStatus
from api.billing.terms import term_label
from api.companies.permissions import StaffPermission

PAGE = 500

INVOICE_HEADER = [
    "invoice_number",
    "status",
    "company_id",
    "recipient_name",
    "term",
    "period_start",
    "closing_date",
    "invoice_date",
    "due_date",
    "subtotal",
    "tax_10",
    "base_10",
    "tax_8_reduced",
    "base_8_reduced",
    "tax_total",
    "total",
    "paid_amount",
    "paid_at",
    "replaces",
    "registration_number",
]
LINE_HEADER = [
    "invoice_number",
    "status",
    "line_no",
    "base_date",
    "source",
    "code",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "tax_rate_percent",
    "reduced_rate",
]


def _rate(invoice: dict[str, Any], rate: int, reduced: bool) -> tuple[int, int]:
    for row in invoice["per_rate"]:
        if row["rate_percent"] == rate and bool(row["reduced"]) == reduced:
            return row["base"], row["tax"]
    return 0, 0


async def invoice_rows(
    actor: Actor,
    *,
    kind: str = "invoices",
    status: InvoiceStatus | None = None,
    company_id: int | None = None,
    closing_from: date | None = None,
    closing_to: date | None = None,
) -> tuple[list[str], AsyncIterator[list[Any]]]:
    actor.require(StaffPermission.MANAGE_BILLING)
    qs = queries.invoices(
        actor,
        status=status,
        company_id=company_id,
        closing_from=closing_from,
        closing_to=closing_to,
    )

    async def pages() -> AsyncIterator[list[dict[str, Any]]]:
        last = 0
        while True:
            page = (
                await qs.filter(id__gt=last)
                .order_by("id")
                .limit(PAGE)
                .values(
                    "id", "number", "status", "company_id", "recipient", "term",
                    "period_start", "closing_date", "invoice_date", "due_date", "subtotal",
                    "per_rate", "tax_total", "total", "paid_amount", "paid_at",
                    "replaces_id", "issuer", "lines",
                )
            )  # fmt: skip
            if not page:
                return
            yield page
            last = page[-1]["id"]

    async def invoice_lines() -> AsyncIterator[list[Any]]:
        async for page in pages():
            replaced = await queries.numbers_of(
                [i["replaces_id"] for i in page if i["replaces_id"]]
            )
            for i in page:
                base_10, tax_10 = _rate(i, 10, False)
                base_8, tax_8 = _rate(i, 8, True)
                yield [
                    i["number"],
                    InvoiceStatus(i["status"]).name,
                    i["company_id"] or "",
                    i["recipient"].get("name", ""),
                    term_label(i["term"]),
                    i["period_start"].isoformat(),
                    i["closing_date"].isoformat(),
                    i["invoice_date"].isoformat(),
                    i["due_date"].isoformat(),
                    i["subtotal"],
                    tax_10,
                    base_10,
                    tax_8,
                    base_8,
                    i["tax_total"],
                    i["total"],
                    i["paid_amount"],
                    i["paid_at"].isoformat() if i["paid_at"] else "",
                    replaced.get(i["replaces_id"], "") if i["replaces_id"] else "",
                    i["issuer"].get("registration_number", ""),
                ]

    async def line_rows() -> AsyncIterator[list[Any]]:
        async for page in pages():
            for i in page:
                for n, line in enumerate(i["lines"], 1):
                    yield [
                        i["number"],
                        InvoiceStatus(i["status"]).name,
                        n,
                        line.get("base_date", ""),
                        line.get("source", ""),
                        line.get("code", ""),
                        line.get("description", ""),
                        line["quantity"],
                        line["unit_price"],
                        line["amount"],
                        line["rate_percent"],
                        "1" if line["reduced"] else "0",
                    ]

    if kind == "lines":
        return LINE_HEADER, line_rows()
    return INVOICE_HEADER, invoice_lines()


__all__ = ["INVOICE_HEADER", "LINE_HEADER", "invoice_rows"]
