"""Strawberry types of quotes: the snapshot as issued, its lines, its PDF link, the inputs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import strawberry
from strawberry import relay
from strawberry.dataloader import DataLoader

from api.carts.types import PriceBreakdown
from api.graphql.errors import UserError
from api.graphql.ids import to_global_id
from api.graphql.money import Money
from api.graphql.text import multiline
from api.quotes import links, queries, service, states

strawberry.enum(
    states.QuoteStatus,
    name="QuoteStatus",
    description="VALID (有効: PDF and ordering allowed), EXPIRED (期限切れ), ORDERED (注文済), "
    "CANCELLED (取消).",
)
QuoteStatus = states.QuoteStatus


def _lines_loader() -> DataLoader[int, list[Any]]:
    async def load(ids: list[int]) -> list[list[Any]]:
        found = await queries.lines_of(ids)
        return [found[i] for i in ids]

    return DataLoader(load_fn=load)


def _pick(data: dict[str, Any], key: str, en: bool) -> str:
    return str((data.get(f"{key}_en") if en else None) or data.get(key, ""))


@strawberry.type(description="The customer as they were when the quote was issued.")
class QuoteCustomer:
    name: str
    name_kana: str
    email: str
    phone: str
    company_name: str
    department: str
    customer_code: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str


@strawberry.type(description="The delivery address as chosen for the quote.")
class QuoteAddress:
    recipient_name: str
    recipient_name_kana: str
    company_name: str
    department: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str
    phone: str


@strawberry.type(description="A chosen option as quoted, its surcharge per unit.")
class QuoteLineOption:
    code: str
    name: str
    group_name: str
    price: Money = strawberry.field(description="Per unit, tax excluded.")
    price_including_tax: Money


@strawberry.type(name="QuoteLine", description="A quoted line, copied from the cart.")
class QuoteLineType:
    id: strawberry.ID
    position: int
    product_id: strawberry.ID = strawberry.field(
        description="The catalog product it was made from (it may have changed since)."
    )
    product_code: str
    name: str
    options: list[QuoteLineOption]
    quantity: int
    unit_price: Money = strawberry.field(description="The product alone, tax excluded.")
    unit_total: Money = strawberry.field(description="Product and options, tax excluded.")
    amount: Money = strawberry.field(description="Tax excluded.")
    amount_including_tax: Money = strawberry.field(
        description="Display aid rounded per line; the totals round tax once per rate."
    )
    tax_category: str
    tax_rate_percent: int
    reduced_rate: bool = strawberry.field(description="The reduced-rate mark (※).")
    desired_date: date | None
    time_slot: str | None

    @classmethod
    def of(cls, line: Any, en: bool) -> QuoteLineType:
        return cls(
            id=to_global_id("QuoteLine", f"{line.quote_id}:{line.position}"),  # type: ignore[attr-defined]
            position=line.position,
            product_id=to_global_id("Product", line.product_id),
            product_code=line.product_code,
            name=line.name_en if en and line.name_en else line.name,
            options=[
                QuoteLineOption(
                    code=o["code"],
                    name=_pick(o, "name", en),
                    group_name=_pick(o, "group_name", en),
                    price=Money(amount=o["price"]),
                    price_including_tax=Money(amount=o.get("price_incl", o["price"])),
                )
                for o in line.options
            ],
            quantity=line.quantity,
            unit_price=Money(amount=line.unit_price),
            unit_total=Money(amount=line.unit_total),
            amount=Money(amount=line.amount),
            amount_including_tax=Money(amount=line.amount_incl),
            tax_category=line.tax_category.upper(),
            tax_rate_percent=line.tax_rate_percent,
            reduced_rate=line.reduced,
            desired_date=line.desired_date,
            time_slot=line.time_slot,
        )


@strawberry.type(description="A payment method as recorded on the quote.")
class QuotePaymentMethod:
    code: str
    name: str


@strawberry.type(description="A short-lived signed link to the quote's PDF (見積書).")
class QuotePdfLink:
    url: str = strawberry.field(
        description="GET it without credentials (e.g. window.open or a download link); "
        "answers application/pdf."
    )
    expires_at: datetime


@strawberry.type(name="Quote", description="A numbered quote (見積書): a snapshot of a cart.")
class QuoteType(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="The quote number (見積番号), e.g. EC20261203Q0001.")
    status: QuoteStatus = strawberry.field(  # type: ignore[valid-type]
        description="As of today: a valid quote past its last day reads EXPIRED."
    )
    issue_date: date
    valid_until: date = strawberry.field(description="The last valid day (Tokyo).")
    title: str = strawberry.field(description="The first line's name, for lists.")
    line_count: int
    customer: QuoteCustomer
    delivery_address: QuoteAddress | None
    payment_method: QuotePaymentMethod | None = strawberry.field(
        description="Null when the quote leaves it to the order (004)."
    )
    coupon_code: str | None
    points: int = strawberry.field(description="Points used as payment (1 point = ¥1).")
    comment: str
    total: Money = strawberry.field(description="Tax included.")
    amount_due: Money = strawberry.field(description="Total less points.")
    order_number: str | None = strawberry.field(description="The order placed from it, if any.")
    cancel_reason: str | None
    created_at: datetime
    row: strawberry.Private[Any]

    @strawberry.field(description="The quoted lines, in order.")
    async def lines(self, info: strawberry.Info) -> list[QuoteLineType]:
        rows = await info.context.loader("quotes.lines", _lines_loader).load(self.row.id)
        en = info.context.language == "en"
        return [QuoteLineType.of(line, en) for line in rows]

    @strawberry.field(description="The amounts as issued, in both tax displays.")
    def breakdown(self) -> PriceBreakdown:
        b = service.quote_breakdown(self.row)
        priced = PriceBreakdown.of(b, self.row.tax_display == "included")
        for line, key in zip(priced.lines, (x.key for x in b.lines), strict=True):
            line.line_id = strawberry.ID(to_global_id("QuoteLine", f"{self.row.id}:{key}"))
        return priced

    @strawberry.field(
        description="A signed link to the PDF, good for a few minutes; null unless the quote "
        "is VALID (000: a quote is issued only within its validity)."
    )
    async def pdf(self, info: strawberry.Info) -> QuotePdfLink | None:
        if service.effective_status(self.row) != QuoteStatus.VALID:
            return None
        actor = await info.context.actor()
        request = info.context.request
        base = str(request.base_url).rstrip("/") if request is not None else ""
        url, expires_at = links.pdf_link(info.context.rt, actor, self.row, base)
        return QuotePdfLink(url=url, expires_at=expires_at)

    @classmethod
    def of(cls, row: Any, language: str = "ja") -> QuoteType:
        c = row.customer
        a = row.address
        method = None
        if row.payment_method:
            method = QuotePaymentMethod(code=row.payment_method, name=row.payment_method_name)
        return cls(
            id=row.id,
            number=row.number,
            status=service.effective_status(row),
            issue_date=row.issue_date,
            valid_until=row.valid_until,
            title=row.title,
            line_count=row.line_count,
            customer=QuoteCustomer(
                **{k: str(c.get(k) or "") for k in QuoteCustomer.__annotations__}
            ),
            delivery_address=(
                QuoteAddress(**{k: str(a.get(k) or "") for k in QuoteAddress.__annotations__})
                if a
                else None
            ),
            payment_method=method,
            coupon_code=row.coupon_code or None,
            points=row.points,
            comment=row.comment,
            total=Money(amount=row.total),
            amount_due=Money(amount=row.amount_due),
            order_number=row.order_ref or None,
            cancel_reason=row.cancel_reason or None,
            created_at=row.created_at,
            row=row,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[QuoteType | None]:
        rows = await queries.quotes_by_keys(await info.context.actor(), list(node_ids))
        return [cls.of(r) if r else None for r in rows]


# ---- inputs and payloads ---------------------------------------------------------------


@strawberry.input(
    description="Turn the caller's cart (lines, delivery address, coupon, points) into a quote."
)
class CreateQuoteFromCartInput:
    payment_method: str | None = strawberry.field(
        default=None,
        description="A code from `quoteOptions.paymentMethods`; optional where the order "
        "chooses it.",
    )
    comment: str = multiline(
        default="", description="Remarks printed on the quote and copied into the order."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeat a request safely (double click): same key, one quote."
    )


@strawberry.input
class CancelQuoteInput:
    quote_id: strawberry.ID
    reason: str = ""


@strawberry.input
class QuoteFilter:
    status: QuoteStatus | None = None  # type: ignore[valid-type]
    number: str | None = None


@strawberry.type
class QuotePayload:
    quote: QuoteType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
