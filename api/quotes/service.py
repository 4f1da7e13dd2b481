"""Quotes (見積書): created from the member's cart, valid until a Tokyo date, ordered as quoted.

- `create_quote_from_cart`: the cart priced now (api.carts.service.priced_cart) with its
  delivery address, coupon and points, plus the payment method and a comment, becomes a
  numbered snapshot (api.numbering, series "quote"). Members only (000 §3: no quotes for
  guests), permission `request_quotes`; an `idempotency_key` makes a double click one quote.
- `cancel_quote`: the customer (request_quotes) or staff (process_orders) withdraw it.
- `quote_pdf`: the 見積書 as PDF, only while the quote is valid (000 §3).
- `expire_quotes`: the cron job; every valid quote whose last day is before today
  becomes EXPIRED, catching up missed days, idempotently.
- `order_terms_from_quote` / `mark_quote_ordered`: what api.orders copies into an order,
  exactly as quoted (000 §3: nothing can be changed), and the transition that makes a
  quote ORDERED once, in the order's transaction.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError

from api import clock, money
from api.actor import Actor
from api.audit.models import IdempotencyRecord
from api.carts.pricing import PricedCart
from api.carts.service import priced_cart
from api.companies.models import Company
from api.companies.permissions import MemberPermission, StaffPermission
from api.db import unit_of_work
from api.documents.pdf import (
    DocumentLine,
    IssuedDocument,
    Party,
    TaxSummaryRow,
    TotalRow,
    issuer_party,
    render_pdf,
)
from api.errors import DomainError, Problem, Problems
from api.money import Breakdown
from api.numbering import next_number
from api.quotes import queries
from api.quotes.models import Quote, QuoteLine
from api.quotes.pricing import breakdown_from_json, breakdown_to_json, rerate
from api.quotes.states import QUOTE_STATUS, QuoteStatus
from api.runtime import Runtime
from api.stores.policy import Policy, TaxDisplay
from api.text import is_clean

COMMENT_MAX = 1000
REASON_MAX = 500
IDEMPOTENCY_KEY_MAX = 128
MAX_LINES = 100  # a cart holds at most 100 lines too
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")


# ---- input -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteRequest:
    payment_method: str | None = None  # a code of the store's payment methods; optional (004)
    comment: str = ""  # printed in the remarks; copied into the order
    idempotency_key: str | None = None


def _clean_text(value: str, field: str, limit: int, problems: Problems) -> str:
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not is_clean(text, multiline=True):  # the one definition (api/text.py)
        problems.add("INVALID_CHARACTERS", field)
    elif len(text) > limit:
        problems.add("TOO_LONG", field, max=limit)
    return text


def _check_request(policy: Policy, request: QuoteRequest) -> QuoteRequest:
    problems = Problems()
    comment = _clean_text(request.comment, "comment", COMMENT_MAX, problems)
    method = (request.payment_method or "").strip()
    codes = [m.code for m in policy.payment_methods]
    if method and method not in codes:
        problems.add("UNKNOWN_PAYMENT_METHOD", "paymentMethod", method=method[:32], allowed=codes)
    key = request.idempotency_key
    if key is not None and not _IDEMPOTENCY_KEY.match(key):
        if len(key) > IDEMPOTENCY_KEY_MAX:
            problems.add("TOO_LONG", "idempotencyKey", max=IDEMPOTENCY_KEY_MAX)
        else:
            problems.add("INVALID_TEXT", "idempotencyKey")
    problems.raise_if_any()
    return QuoteRequest(method or None, comment, key)


# ---- snapshots ---------------------------------------------------------------------------


def _customer(user: Any, company: Company | None) -> dict[str, Any]:
    """The customer as printed and as later documents must not re-read (seed 000 §2)."""
    data: dict[str, Any] = {
        "user_id": user.id,
        "name": f"{user.family_name} {user.given_name}".strip(),
        "name_kana": f"{user.family_name_kana} {user.given_name_kana}".strip(),
        "email": user.email,
        "phone": user.phone,
        "department": user.department,
        "customer_code": user.customer_code,
        "postal_code": user.postal_code,
        "prefecture": user.prefecture,
        "address_line1": user.address_line1,
        "address_line2": user.address_line2,
        "company_id": None,
        "company_name": "",
        "company_name_kana": "",
    }
    if company is not None:
        data.update(
            company_id=company.id,
            company_name=company.name,
            company_name_kana=company.name_kana,
            # A company's quote is addressed to the company (its address, not the user's).
            postal_code=company.postal_code or user.postal_code,
            prefecture=company.prefecture or user.prefecture,
            address_line1=company.address_line1 or user.address_line1,
            address_line2=company.address_line2 or user.address_line2,
            phone=company.phone or user.phone,
        )
    return data


def _options_json(line: Any) -> list[dict[str, Any]]:
    return [
        {
            "id": o.id,
            "code": o.code,
            "name": o.name,
            "name_en": o.name_en,
            "group_name": o.group_name,
            "group_name_en": o.group_name_en,
            "price": o.price,
            "price_incl": o.price_incl,
        }
        for o in line.options
    ]


def _check_cart(priced: PricedCart) -> None:
    if not priced.lines:
        raise DomainError.of("CART_EMPTY")
    if len(priced.lines) > MAX_LINES:
        raise DomainError.of("QUOTE_TOO_LARGE", max=MAX_LINES)
    if not priced.purchasable:
        flagged = [
            {"line": i, "codes": [p.code for p in line.problems] or ["PRODUCT_UNAVAILABLE"]}
            for i, line in enumerate(priced.lines, 1)
            if not line.available or line.problems
        ]
        raise DomainError.of("CART_NOT_PURCHASABLE", lines=flagged)
    problems: list[Problem] = list(priced.problems)
    if priced.needs_shipping and priced.address is None:
        problems.append(Problem("DELIVERY_ADDRESS_REQUIRED", ("deliveryAddressId",)))
    if priced.coupon is not None and not priced.coupon.applied and priced.coupon.problem:
        problems.append(priced.coupon.problem)
    if priced.points is not None and priced.points.problem is not None:
        problems.append(priced.points.problem)
    if problems:
        raise DomainError(*problems)


# ---- creating ----------------------------------------------------------------------------


def _idempotency_scope(user_id: int) -> str:
    return f"quote:{user_id}"


async def _replayed(user_id: int, key: str) -> Quote | None:
    done = await IdempotencyRecord.get_or_none(scope=_idempotency_scope(user_id), key=key)
    if done is None:
        return None
    return await Quote.get_or_none(id=int(done.result_ref), user_id=user_id)


async def create_quote_from_cart(rt: Runtime, actor: Actor, request: QuoteRequest) -> Quote:
    """The member's cart as a numbered quote, valid for the store's `validity_days`."""
    if actor.is_staff:
        raise DomainError.of("FORBIDDEN")
    actor.require(MemberPermission.REQUEST_QUOTES)
    user = actor.require_user()
    policy = rt.policy
    if not policy.quotes.enabled:
        raise DomainError.of("QUOTES_DISABLED")
    request = _check_request(policy, request)
    if request.idempotency_key:
        done = await _replayed(user.id, request.idempotency_key)
        if done is not None:
            return done
    priced = await priced_cart(actor, rt)
    _check_cart(priced)
    company_id = user.company_id  # type: ignore[attr-defined]
    company = await Company.get_or_none(id=company_id) if company_id else None
    today = priced.priced_on
    method = next((m for m in policy.payment_methods if m.code == request.payment_method), None)
    # The breakdown's lines are keyed by cart line id: a quote keys them by position.
    position = {str(line.id): str(i) for i, line in enumerate(priced.lines, 1)}
    b = priced.breakdown
    b = replace(b, lines=tuple(replace(x, key=position.get(x.key, x.key)) for x in b.lines))
    en = user.language == "en"
    first = priced.lines[0]
    title = (first.name_en if en and first.name_en else first.name)[:200]
    try:
        async with unit_of_work():
            number = await next_number(policy, "quote", today)
            quote = await Quote.create(
                number=number,
                user_id=user.id,
                company_id=company_id,
                issue_date=today,
                valid_until=today + timedelta(days=policy.quotes.validity_days),
                customer=_customer(user, company),
                address=asdict(priced.address) if priced.address else None,
                payment_method=method.code if method else "",
                payment_method_name=method.name if method else "",
                coupon_code=priced.coupon.code if priced.coupon and priced.coupon.applied else "",
                coupon_id=priced.coupon.coupon_id
                if priced.coupon and priced.coupon.applied
                else None,
                points=b.points,
                comment=request.comment,
                tax_display=priced.tax_display,
                tax_rounding=b.rounding,
                breakdown=breakdown_to_json(b),
                pricing_inputs={"priced_on": today.isoformat(), "tax_display": priced.tax_display},
                subtotal=b.subtotal,
                tax_total=b.tax_total,
                total=b.total,
                amount_due=b.amount_due,
                line_count=len(priced.lines),
                title=title,
                language=user.language,
            )
            await QuoteLine.bulk_create(
                [
                    QuoteLine(
                        quote_id=quote.id,
                        position=i,
                        product_id=line.product_id,
                        product_code=line.product_code,
                        name=line.name,
                        name_en=line.name_en,
                        kind=line.kind,
                        plan=line.plan,
                        options=_options_json(line),
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        unit_total=line.unit_total,
                        amount=line.amount,
                        amount_incl=line.amount_incl,
                        tax_category=line.tax_category,
                        tax_rate_percent=line.tax_rate_percent,
                        reduced=line.reduced,
                        desired_date=line.desired_date,
                        time_slot=line.time_slot,
                        shipping_class=line.shipping_class,
                        maker_name=line.maker_name,
                    )
                    for i, line in enumerate(priced.lines, 1)
                ]
            )
            if request.idempotency_key:
                await IdempotencyRecord.create(
                    scope=_idempotency_scope(user.id),
                    key=request.idempotency_key,
                    result_ref=str(quote.id),
                )
    except IntegrityError:
        # The same key raced in from a double click: the winner's quote is the answer.
        if not request.idempotency_key:
            raise
        done = await _replayed(user.id, request.idempotency_key)
        if done is None:
            raise
        return done
    return quote


# ---- reading -----------------------------------------------------------------------------


def effective_status(quote: Quote, today: date | None = None) -> QuoteStatus:
    """The status as of today: a valid quote past its last day reads as EXPIRED even
    before the expiry job has run."""
    today = today or clock.business_today()
    if quote.status == QuoteStatus.VALID and quote.valid_until < today:
        return QuoteStatus.EXPIRED
    return quote.status


async def get_quote(actor: Actor, quote_id: int, field: str = "quoteId") -> Quote:
    quote = await queries.quote(actor, quote_id)
    if quote is None:
        raise DomainError.of("NOT_FOUND", field)
    return quote


def _require_valid(quote: Quote, field: str = "quoteId") -> None:
    status = effective_status(quote)
    if status == QuoteStatus.EXPIRED:
        raise DomainError.of("QUOTE_EXPIRED", field, valid_until=quote.valid_until)
    if status != QuoteStatus.VALID:
        raise DomainError.of("INVALID_STATUS", field, status=status.value.upper())


def quote_breakdown(quote: Quote) -> Breakdown:
    return breakdown_from_json(quote.breakdown)


# ---- cancelling --------------------------------------------------------------------------


async def cancel_quote(actor: Actor, quote_id: int, reason: str = "") -> Quote:
    """Withdraw a valid quote: its requester's company (request_quotes) or staff."""
    if actor.is_staff:
        actor.require(StaffPermission.PROCESS_ORDERS)
    else:
        actor.require(MemberPermission.REQUEST_QUOTES)
    problems = Problems()
    reason = _clean_text(reason, "reason", REASON_MAX, problems)
    problems.raise_if_any()
    quote = await get_quote(actor, quote_id)
    _require_valid(quote)
    async with unit_of_work():
        await QUOTE_STATUS.transition(
            quote,
            QuoteStatus.CANCELLED,
            actor_id=actor.user_id,
            reason=reason,
            cancelled_at=clock.now(),
            cancel_reason=reason,
        )
    return quote


# ---- expiry (cron) -----------------------------------------------------------------------


async def expire_quotes(today: date | None = None, *, batch: int = 500) -> int:
    """Every valid quote whose last valid day is before `today` becomes EXPIRED.

    Catches up any number of missed days (it selects by date, not "yesterday"), and
    running it twice changes nothing: the transition is a conditional update, so a
    quote ordered or cancelled meanwhile is left alone."""
    today = today or clock.business_today()
    expired = 0
    while True:
        due = (
            await Quote.filter(status=QuoteStatus.VALID, valid_until__lt=today)
            .order_by("id")
            .limit(batch)
        )
        if not due:
            return expired
        for quote in due:
            try:
                async with unit_of_work():
                    await QUOTE_STATUS.transition(
                        quote,
                        QuoteStatus.EXPIRED,
                        actor_id=None,
                        reason=f"valid until {quote.valid_until.isoformat()}",
                        expired_at=clock.now(),
                    )
                expired += 1
            except DomainError:
                continue  # ordered or cancelled by a racing request: nothing to expire
        if len(due) < batch:
            return expired


# ---- the PDF -----------------------------------------------------------------------------

LABELS = {
    "ja": {
        "title": "御見積書",
        "headline": "御見積金額",
        "intro": "下記の通りお見積申し上げます。",
        "valid_until": "有効期限",
        "payment": "お支払方法",
        "delivery": "お届け先",
        "subtotal": "小計",
        "coupon": "クーポン値引",
        "shipping": "送料",
        "tax": "消費税",
        "tax_inside": "(うち消費税)",
        "total": "合計",
        "points": "ポイント利用",
        "due": "お支払金額",
        "company": "御中",
        "person": "様",
        "desired": "希望日",
        "slot": "時間帯",
        "customer_comment": "ご要望",
    },
    "en": {
        "title": "QUOTATION",
        "headline": "Quoted amount",
        "intro": "We are pleased to quote as follows.",
        "valid_until": "Valid until",
        "payment": "Payment",
        "delivery": "Deliver to",
        "subtotal": "Subtotal",
        "coupon": "Coupon",
        "shipping": "Shipping",
        "tax": "Consumption tax",
        "tax_inside": "(incl. consumption tax)",
        "total": "Total",
        "points": "Points",
        "due": "Amount due",
        "company": "",
        "person": "",
        "desired": "Desired date",
        "slot": "Time slot",
        "customer_comment": "Your request",
    },
}


def _pick(data: Mapping[str, Any], key: str, en: bool) -> str:
    return str((data.get(f"{key}_en") if en else None) or data.get(key, ""))


def _date_text(value: date, language: str) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if language == "ja" else value.isoformat()


def quote_document(
    policy: Policy, quote: Quote, lines: list[QuoteLine], language: str
) -> IssuedDocument:
    """The quote as the shared renderer prints it (api.documents.pdf)."""
    t = LABELS["en" if language == "en" else "ja"]
    en = language == "en"
    b = quote_breakdown(quote)
    included = quote.tax_display == TaxDisplay.INCLUDED.value
    c = quote.customer
    if c.get("company_name"):
        recipient_name, honorific = c["company_name"], t["company"]
        person = " ".join(x for x in (c.get("department", ""), c.get("name", "")) if x)
        extra = [f"{person} {t['person']}".strip()] if person else []
    else:
        recipient_name, honorific, extra = c.get("name", ""), t["person"], []
    address = " ".join(
        x
        for x in (c.get("prefecture", ""), c.get("address_line1", ""), c.get("address_line2", ""))
        if x
    )
    recipient_lines = [
        x for x in (f"〒{c['postal_code']} {address}" if c.get("postal_code") else address,) if x
    ]
    recipient_lines += extra
    rounding = money.TaxRounding(quote.tax_rounding)
    doc_lines = []
    for line in lines:
        details = [f"{_pick(o, 'group_name', en)}: {_pick(o, 'name', en)}" for o in line.options]
        if line.desired_date:
            details.append(f"{t['desired']}: {_date_text(line.desired_date, language)}")
        if line.time_slot:
            slot = next((s for s in policy.delivery_time_slots if s.code == line.time_slot), None)
            name = (slot.name_en if en and slot.name_en else slot.name) if slot else line.time_slot
            details.append(f"{t['slot']}: {name}")
        # Tax-included line figures are display aids rounded per line (docs/money.md).
        unit_incl = money.including_tax(line.unit_total, line.tax_rate_percent, rounding)
        doc_lines.append(
            DocumentLine(
                description=line.name_en if en and line.name_en else line.name,
                quantity=line.quantity,
                unit_price=unit_incl if included else line.unit_total,
                amount=line.amount_incl if included else line.amount,
                tax_rate_percent=line.tax_rate_percent,
                reduced=line.reduced,
                details=tuple(details),
            )
        )
    totals = [TotalRow(t["subtotal"], b.subtotal_incl if included else b.subtotal)]
    if b.coupon is not None and b.coupon.amount:
        totals.append(
            TotalRow(t["coupon"], -(b.coupon.amount_incl if included else b.coupon.amount))
        )
    if b.shipping:
        totals.append(
            TotalRow(t["shipping"], b.shipping_total_incl if included else b.shipping_total)
        )
    if included:  # the lines already include it: shown after the total, as part of it
        totals.append(TotalRow(t["total"], b.total, emphasis=not b.points))
        totals.append(TotalRow(t["tax_inside"], b.tax_total))
    else:
        totals.append(TotalRow(t["tax"], b.tax_total))
        totals.append(TotalRow(t["total"], b.total, emphasis=not b.points))
    if b.points:
        totals.append(TotalRow(t["points"], -b.points))
        totals.append(TotalRow(t["due"], b.amount_due, emphasis=True))
    meta = [(t["valid_until"], _date_text(quote.valid_until, language))]
    if quote.payment_method_name:
        method = next((m for m in policy.payment_methods if m.code == quote.payment_method), None)
        name = method.name_en if en and method and method.name_en else quote.payment_method_name
        meta.append((t["payment"], name))
    if quote.address:
        a = quote.address
        meta.append(
            (
                t["delivery"],
                " ".join(
                    x
                    for x in (
                        a.get("prefecture", ""),
                        a.get("address_line1", ""),
                        a.get("recipient_name", ""),
                    )
                    if x
                ),
            )
        )
    remarks = list(policy.quotes.remarks) if not en else []
    if quote.comment:
        remarks.append(f"{t['customer_comment']}: {quote.comment}")
    return IssuedDocument(
        title=t["title"],
        number=quote.number,
        issue_date=quote.issue_date,
        issuer=issuer_party(policy, language),
        recipient=Party(recipient_name, tuple(recipient_lines), honorific),
        lines=doc_lines,
        tax_summary=[TaxSummaryRow(r.rate_percent, r.base, r.tax, r.reduced) for r in b.per_rate],
        totals=totals,
        headline_label=t["headline"],
        headline_amount=b.amount_due,
        prices_include_tax=included,
        meta=meta,
        intro=t["intro"],
        remarks=remarks,
        language="en" if en else "ja",
    )


async def quote_pdf(rt: Runtime, actor: Actor, quote_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of a quote the actor may read, while it is valid."""
    quote = await get_quote(actor, quote_id)
    _require_valid(quote)
    lines = (await queries.lines_of([quote.id]))[quote.id]
    document = quote_document(rt.policy, quote, lines, actor.language)
    # ~20 ms of CPU: off the event loop so other requests keep flowing.
    pdf = await asyncio.to_thread(render_pdf, document)
    return f"{quote.number}.pdf", pdf


# ---- ordering from a quote (api.orders) --------------------------------------------------


@dataclass(frozen=True)
class QuotedOption:
    id: int
    code: str
    name: str
    name_en: str
    group_name: str
    group_name_en: str
    price: int  # per unit, tax excluded


@dataclass(frozen=True)
class QuotedLine:
    position: int
    product_id: int
    product_code: str
    name: str
    name_en: str
    kind: str
    plan: str | None
    options: tuple[QuotedOption, ...]
    quantity: int
    unit_price: int  # tax excluded
    unit_total: int  # product + options, tax excluded
    amount: int  # tax excluded
    tax_category: str
    tax_rate_percent: int  # on the order date
    reduced: bool
    desired_date: date | None
    time_slot: str | None
    shipping_class: str
    maker_name: str | None


@dataclass(frozen=True)
class OrderTerms:
    """Everything an order placed from a quote copies; none of it may be changed (000 §3)."""

    quote_id: int
    quote_number: str
    user_id: int
    company_id: int | None
    order_date: date
    valid_until: date
    customer: Mapping[str, Any]  # the customer snapshot as quoted
    address: Mapping[str, Any] | None  # the delivery address as quoted
    lines: tuple[QuotedLine, ...]
    coupon_code: str
    coupon_id: int | None
    points: int
    payment_method: str  # "" when the quote left it open (004: chosen when ordering)
    payment_method_name: str
    comment: str
    tax_display: str
    breakdown: Breakdown  # the quoted amounts taxed at the order date's rates
    quoted_breakdown: Breakdown  # as issued


async def order_terms_from_quote(
    actor: Actor,
    quote_id: int,
    *,
    on: date | None = None,
    coupon_valid: Callable[[int | None, str, date], Awaitable[bool]] | None = None,
    points_balance: int | None = None,
) -> OrderTerms:
    """The order data of a valid quote the actor may read and order, exactly as quoted.

    Refuses an expired quote (QUOTE_EXPIRED, params validUntil) and one already ordered
    or cancelled (INVALID_STATUS, params status). The tax rate is the one in force on
    `on` (the order date, default today). api.orders passes `coupon_valid` (the coupon
    rules' answer for the quoted coupon on the order date) and `points_balance` (the
    member's balance now): when the coupon no longer applies or the points are no longer
    there, the quoted price does not apply (000 §3) and the answer is QUOTE_PRICE_CHANGED
    with params quotedTotal, newTotal and newAmountDue.
    """
    if actor.is_staff and not actor.system:
        raise DomainError.of("FORBIDDEN")
    if not actor.system:
        actor.require(MemberPermission.PLACE_ORDERS)
    quote = await get_quote(actor, quote_id)
    _require_valid(quote)
    order_date = on or clock.business_today()
    quoted = quote_breakdown(quote)
    drop_coupon = False
    if quote.coupon_code and coupon_valid is not None:
        drop_coupon = not await coupon_valid(quote.coupon_id, quote.coupon_code, order_date)
    points = None
    if points_balance is not None and quote.points > points_balance:
        points = max(points_balance, 0)
    breakdown = rerate(quoted, order_date, drop_coupon=drop_coupon, points=points)
    if drop_coupon or points is not None:
        raise DomainError.of(
            "QUOTE_PRICE_CHANGED",
            "quoteId",
            reason="coupon" if drop_coupon else "points",
            quoted_total=quoted.total,
            new_total=breakdown.total,
            new_amount_due=breakdown.amount_due,
        )
    rate_of = {line.key: line.rate_percent for line in breakdown.lines}
    lines = (await queries.lines_of([quote.id]))[quote.id]
    return OrderTerms(
        quote_id=quote.id,
        quote_number=quote.number,
        user_id=quote.user_id,  # type: ignore[attr-defined]
        company_id=quote.company_id,  # type: ignore[attr-defined]
        order_date=order_date,
        valid_until=quote.valid_until,
        customer=dict(quote.customer),
        address=dict(quote.address) if quote.address else None,
        lines=tuple(
            QuotedLine(
                position=line.position,
                product_id=line.product_id,
                product_code=line.product_code,
                name=line.name,
                name_en=line.name_en,
                kind=line.kind,
                plan=line.plan,
                options=tuple(
                    QuotedOption(
                        id=o["id"],
                        code=o["code"],
                        name=o["name"],
                        name_en=o.get("name_en", ""),
                        group_name=o.get("group_name", ""),
                        group_name_en=o.get("group_name_en", ""),
                        price=o["price"],
                    )
                    for o in line.options
                ),
                quantity=line.quantity,
                unit_price=line.unit_price,
                unit_total=line.unit_total,
                amount=line.amount,
                tax_category=line.tax_category,
                tax_rate_percent=rate_of.get(str(line.position), line.tax_rate_percent),
                reduced=line.reduced,
                desired_date=line.desired_date,
                time_slot=line.time_slot,
                shipping_class=line.shipping_class,
                maker_name=line.maker_name,
            )
            for line in lines
        ),
        coupon_code=quote.coupon_code,
        coupon_id=quote.coupon_id,
        points=quote.points,
        payment_method=quote.payment_method,
        payment_method_name=quote.payment_method_name,
        comment=quote.comment,
        tax_display=quote.tax_display,
        breakdown=breakdown,
        quoted_breakdown=quoted,
    )


async def mark_quote_ordered(actor: Actor, quote_id: int, order_number: str) -> Quote:
    """VALID → ORDERED, once: call it inside the order's unit_of_work, so the order and
    the quote's new status commit together and a second order from the same quote
    (a double click, two tabs) fails with INVALID_STATUS and rolls its order back."""
    quote = await get_quote(actor, quote_id)
    _require_valid(quote)
    await QUOTE_STATUS.transition(
        quote,
        QuoteStatus.ORDERED,
        actor_id=actor.user_id,
        reason=f"order {order_number}",
        ordered_at=clock.now(),
        order_ref=order_number[:64],
    )
    return quote
