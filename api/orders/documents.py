"""The customer's order documents (000 §6): 納品書, 請求書（簡易版）, 領収書.

Rules (seed 000 §6 『納品書』/『請求書(簡易版)』/『領収書』に関する注意点):

- Only after shipment: the order is in `SHIPPED_STATUSES` (shipped, delivered,
  receipt confirmed); before that every document is ORDER_NOT_SHIPPED.
- Only for who may see the order (api.orders.queries: the company's members with
  `view_orders`, an individual member their own): others get NOT_FOUND.
- 納品書 (delivery note) only for orders with a product flagged as having one
  (`OrderLine.has_delivery_note`, copied from the catalog's `Product.has_delivery_note`);
  it lists every line of the order, so its per-rate tax is the order's.
- 請求書（簡易版） (simplified invoice) for every shipped order. For NP 掛け払い it
  carries no bank account: NP issues the formal invoice after the closing day.
- 領収書 (receipt) for card payments only, with the addressee (宛名) and the item
  description (但し書き) the customer enters; issued again it keeps its number and
  is marked 再発行; it notes that an electronic receipt bears no stamp duty.

Each document carries the store's qualified-invoice registration number and the tax
per rate as the order computed it (api/money.py computed it once at placement; this
module never re-computes money). Each is a numbered snapshot (`OrderDocument`): the
delivery note and the simplified invoice are issued at their first download (from then
on the same number and the same content), a receipt at `issueReceipt`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError

from api import clock, money
from api.actor import Actor
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
from api.errors import DomainError, Problems
from api.numbering import next_number
from api.orders import labels, queries
from api.orders.document_models import DocumentKind, OrderDocument
from api.orders.models import Order, OrderLine
from api.orders.states import SHIPPED_STATUSES, PaymentMethod

__all__ = [
    "DocumentKind",
    "MAX_ADDRESSEE",
    "MAX_DESCRIPTION",
    "OrderDocuments",
    "document_pdf",
    "issue_document",
    "issue_receipt",
    "order_documents",
]

MAX_ADDRESSEE = 60
MAX_DESCRIPTION = 60
DEFAULT_DESCRIPTION = {"ja": "お品代", "en": "Goods"}
# Control, format and bidi characters: a receipt's addressee is one printed line.
_FORBIDDEN = re.compile(
    r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060\u2066-\u2069\ufeff"
    r"\ufffe\uffff\ud800-\udfff]"
)

SERIES = {
    DocumentKind.DELIVERY_NOTE: "delivery_note",
    DocumentKind.SIMPLIFIED_INVOICE: "simplified_invoice",
    DocumentKind.RECEIPT: "receipt",
}

LABELS = {
    "ja": {
        DocumentKind.DELIVERY_NOTE: "納品書",
        DocumentKind.SIMPLIFIED_INVOICE: "請求書（簡易版）",
        DocumentKind.RECEIPT: "領収書",
        "reissued": "再発行",
        "reissued_title": "領収書（再発行）",
        "delivery_intro": "下記の通り納品いたします。",
        "invoice_intro": "下記の通りご請求申し上げます。",
        "receipt_intro": "但し {description} として、上記正に領収いたしました。",
        "delivery_headline": "合計金額",
        "invoice_headline": "ご請求金額",
        "receipt_headline": "領収金額",
        "order_number": "注文番号",
        "order_date": "注文日",
        "shipped_date": "発送日",
        "paid_date": "領収日",
        "payment": "お支払方法",
        "kind": "区分",
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
        "carrier": "配送業者",
        "tracking": "お問い合わせ番号",
        "stamp": "電子領収書のため収入印紙は不要です。",
        "electronic": "当領収書は電子的に保持している情報を画面表示したものです。"
        "原則として、印紙税は紙で印刷された文書にかかり、電子領収書については印紙の課税対象にはなりません。",
        "np": "NP掛け払いをご利用のため、本書には振込先銀行口座を記載しておりません。"
        "振込先銀行口座が記載された正式な請求書は、締め日の翌営業日に決済代行会社"
        "（株式会社ネットプロテクションズ）より発行され、数日後に郵便で届きます。",
        "bank": "お振込先: {account}",
        "paid_by": "{method}にてお支払いいただいております。",
        "simplified": "本書は簡易版の請求書です。",
    },
    "en": {
        DocumentKind.DELIVERY_NOTE: "DELIVERY NOTE",
        DocumentKind.SIMPLIFIED_INVOICE: "INVOICE (SIMPLIFIED)",
        DocumentKind.RECEIPT: "RECEIPT",
        "reissued": "Reissued",
        "reissued_title": "RECEIPT (REISSUED)",
        "delivery_intro": "We have delivered the following.",
        "invoice_intro": "Please find our invoice below.",
        "receipt_intro": "Received with thanks, for {description}.",
        "delivery_headline": "Total",
        "invoice_headline": "Amount billed",
        "receipt_headline": "Amount received",
        "order_number": "Order",
        "order_date": "Ordered",
        "shipped_date": "Shipped",
        "paid_date": "Received",
        "payment": "Payment",
        "kind": "Kind",
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
        "carrier": "Carrier",
        "tracking": "Tracking number",
        "stamp": "An electronic receipt bears no stamp duty (電子領収書のため収入印紙は不要です).",
        "electronic": "This receipt shows information held electronically.",
        "np": "Paid by NP deferred payment: this document names no bank account. NP (Net "
        "Protections, Inc.) sends the formal invoice with its bank account by post after "
        "the closing day.",
        "bank": "Bank account: {account}",
        "paid_by": "Paid by {method}.",
        "simplified": "This is a simplified invoice.",
    },
}


def _labels(language: str) -> dict[Any, str]:
    return LABELS["en" if language == "en" else "ja"]


def _date_text(value: date, language: str) -> str:
    return value.isoformat() if language == "en" else f"{value.year}年{value.month}月{value.day}日"


# ---- what is available -------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentEntry:
    kind: DocumentKind
    unavailable: str | None  # the code of why not (ORDER_NOT_SHIPPED, …), None: available
    issued: tuple[OrderDocument, ...]  # oldest first; receipts: every issue


@dataclass(frozen=True)
class OrderDocuments:
    order: Order
    entries: tuple[DocumentEntry, ...]


def unavailable_reason(order: Order, lines: list[OrderLine], kind: DocumentKind) -> str | None:
    if order.status not in SHIPPED_STATUSES:
        return "ORDER_NOT_SHIPPED"
    if kind == DocumentKind.DELIVERY_NOTE and not any(x.has_delivery_note for x in lines):
        return "DELIVERY_NOTE_NOT_AVAILABLE"
    if kind == DocumentKind.RECEIPT and order.payment_method != PaymentMethod.CARD:
        return "RECEIPT_CARD_ONLY"
    return None


def _require_available(order: Order, lines: list[OrderLine], kind: DocumentKind) -> None:
    reason = unavailable_reason(order, lines, kind)
    if reason is not None:
        params: dict[str, Any] = {}
        if reason == "ORDER_NOT_SHIPPED":
            params["status"] = order.status.value
        raise DomainError.of(reason, "orderId", **params)


async def _order_for_documents(actor: Actor, order_id: int) -> tuple[Order, list[OrderLine]]:
    if actor.is_staff:
        raise DomainError.of("FORBIDDEN")  # staff read orders in the staff schema
    order = await queries.get_order(actor, order_id)
    lines = (await queries.lines_of([order.id]))[order.id]
    return order, lines


async def order_documents(rt: Any, actor: Actor, order_id: int) -> OrderDocuments:
    """The three documents of an order: available or why not, and what was issued."""
    order, lines = await _order_for_documents(actor, order_id)
    issued = await OrderDocument.filter(order_id=order.id).order_by("kind", "version")
    entries = tuple(
        DocumentEntry(
            kind=kind,
            unavailable=unavailable_reason(order, lines, kind),
            issued=tuple(d for d in issued if d.kind == kind),
        )
        for kind in DocumentKind
    )
    return OrderDocuments(order, entries)


# ---- building a document from the order ---------------------------------------------------


def _recipient(order: Order, t: dict[Any, str]) -> Party:
    c = order.customer or {}
    company = c.get("company_name") or order.company_name
    name = c.get("name") or order.customer_name
    if company:
        person = " ".join(x for x in (c.get("department", ""), name) if x)
        extra = (f"{person} {t['person']}".strip(),) if person else ()
        return Party(company, extra, t["company"])
    return Party(name, (), t["person"])


def _lines(order: Order, lines: list[OrderLine], language: str) -> list[DocumentLine]:
    en = language == "en"
    included = order.tax_display == "included"
    rounding = money.TaxRounding(order.tax_rounding)
    out = []
    for line in lines:
        details = []
        for o in line.options or []:
            group = (o.get("groupEn") or o.get("group_name_en")) if en else None
            group = group or o.get("group") or o.get("group_name") or ""
            name = ((o.get("nameEn") or o.get("name_en")) if en else None) or o.get("name", "")
            details.append(f"{group}: {name}" if group else str(name))
        for f in line.extra_fields or []:
            details.append(f"{f.get('label', '')}: {f.get('value', '')}")
        # Tax-included line figures are display aids rounded per line (docs/money.md).
        unit_incl = money.including_tax(line.unit_total, line.tax_rate_percent, rounding)
        out.append(
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
    return out


def _totals(order: Order, t: dict[Any, str]) -> list[TotalRow]:
    included = order.tax_display == "included"
    totals = [TotalRow(t["subtotal"], order.subtotal_incl if included else order.subtotal)]
    if order.coupon_amount or order.discount_total:
        coupon = (
            order.coupon_amount_incl if included else order.coupon_amount or order.discount_total
        )
        totals.append(TotalRow(t["coupon"], -coupon))
    if order.shipping_total:
        totals.append(
            TotalRow(t["shipping"], order.shipping_total_incl if included else order.shipping_total)
        )
    if included:
        totals.append(TotalRow(t["total"], order.total, emphasis=not order.points_used))
        totals.append(TotalRow(t["tax_inside"], order.tax_total))
    else:
        totals.append(TotalRow(t["tax"], order.tax_total))
        totals.append(TotalRow(t["total"], order.total, emphasis=not order.points_used))
    if order.points_used:
        totals.append(TotalRow(t["points"], -order.points_used))
        totals.append(TotalRow(t["due"], order.amount_due, emphasis=True))
    return totals


def _bank_account(policy: Any) -> str:
    """The store's account for bank transfer, where the profile names one."""
    account = getattr(getattr(policy, "payments", None), "bank_account", None)
    if account is None:
        return ""
    return " ".join(
        str(x)
        for x in (
            account.bank_name,
            account.branch_name,
            account.account_type,
            account.account_number,
            account.account_holder,
        )
        if x
    )


def build_document(
    policy: Any,
    order: Order,
    lines: list[OrderLine],
    shipped_on: date | None,
    *,
    kind: DocumentKind,
    number: str,
    issued_on: date,
    language: str,
    version: int = 1,
    addressee: str = "",
    description: str = "",
) -> IssuedDocument:
    """The document as the shared renderer prints it, from the order's snapshot only."""
    t = _labels(language)
    method = labels.payment_method_name(order.payment_method, language)
    meta: list[tuple[str, str]] = [
        (t["order_number"], order.number),
        (t["order_date"], _date_text(order.placed_on, language)),
    ]
    if shipped_on is not None:
        meta.append((t["shipped_date"], _date_text(shipped_on, language)))
    meta.append((t["payment"], method))
    remarks: list[str] = []
    recipient = _recipient(order, t)
    title = t[kind]
    if kind == DocumentKind.DELIVERY_NOTE:
        intro, headline, amount = t["delivery_intro"], t["delivery_headline"], order.total
    elif kind == DocumentKind.SIMPLIFIED_INVOICE:
        intro, headline, amount = t["invoice_intro"], t["invoice_headline"], order.amount_due
        remarks.append(t["simplified"])
        if order.payment_method == PaymentMethod.NP_DEFERRED:
            remarks.append(t["np"])  # NP issues the formal invoice: no bank account here
        elif order.payment_method == PaymentMethod.BANK_TRANSFER:
            account = _bank_account(policy)
            if account:
                remarks.append(t["bank"].format(account=account))
        else:
            remarks.append(t["paid_by"].format(method=method))
    else:
        intro = t["receipt_intro"].format(description=description)
        headline, amount = t["receipt_headline"], order.amount_due
        recipient = Party(addressee, (), t["person"])
        paid = order.paid_at.astimezone(clock.TOKYO).date() if order.paid_at else shipped_on
        meta.append((t["paid_date"], _date_text(paid or order.placed_on, language)))
        if version > 1:
            title = t["reissued_title"]
            meta.append((t["kind"], t["reissued"]))
        remarks += [t["stamp"], t["electronic"]]
    return IssuedDocument(
        title=title,
        number=number,
        issue_date=issued_on,
        issuer=issuer_party(policy, language),
        recipient=recipient,
        lines=_lines(order, lines, language),
        tax_summary=[
            TaxSummaryRow(
                int(r.get("rate", 0)),
                int(r.get("base", 0)),
                int(r.get("tax", 0)),
                bool(r.get("reduced", False)),
            )
            for r in order.per_rate or []
        ],
        totals=_totals(order, t),
        headline_label=headline,
        headline_amount=amount,
        prices_include_tax=order.tax_display == "included",
        meta=tuple(meta),
        intro=intro,
        remarks=tuple(remarks),
        language="en" if language == "en" else "ja",
    )


def to_snapshot(doc: IssuedDocument) -> dict[str, Any]:
    data = dataclasses.asdict(doc)
    data["issue_date"] = doc.issue_date.isoformat()
    return data


def from_snapshot(data: dict[str, Any]) -> IssuedDocument:
    return IssuedDocument(
        title=data["title"],
        number=data["number"],
        issue_date=date.fromisoformat(data["issue_date"]),
        issuer=Party(**{**data["issuer"], "lines": tuple(data["issuer"]["lines"])}),
        recipient=Party(**{**data["recipient"], "lines": tuple(data["recipient"]["lines"])}),
        lines=[
            DocumentLine(**{**x, "details": tuple(x.get("details", ()))}) for x in data["lines"]
        ],
        tax_summary=[TaxSummaryRow(**x) for x in data["tax_summary"]],
        totals=[TotalRow(**x) for x in data["totals"]],
        headline_label=data["headline_label"],
        headline_amount=data["headline_amount"],
        prices_include_tax=data["prices_include_tax"],
        meta=tuple(tuple(m) for m in data["meta"]),  # type: ignore[misc]
        intro=data["intro"],
        remarks=tuple(data["remarks"]),
        language=data["language"],
        labels=data.get("labels") or {},
    )


async def _shipped_on(order: Order) -> date | None:
    parcels = (await queries.shipments_of([order.id]))[order.id]
    if parcels:
        return parcels[-1].shipped_on
    return order.shipped_at.astimezone(clock.TOKYO).date() if order.shipped_at else None


# ---- issuing -------------------------------------------------------------------------------


async def issue_document(rt: Any, actor: Actor, order_id: int, kind: DocumentKind) -> OrderDocument:
    """The delivery note or simplified invoice of a shipped order: issued (numbered, snapshot)
    the first time, the same document every later time."""
    if kind == DocumentKind.RECEIPT:
        raise DomainError.of("INVALID_DOCUMENT_KIND", "kind")
    order, lines = await _order_for_documents(actor, order_id)
    _require_available(order, lines, kind)
    found = await OrderDocument.filter(order_id=order.id, kind=kind, version=1).first()
    if found is not None:
        return found
    shipped_on = await _shipped_on(order)
    language = "en" if actor.language == "en" else "ja"
    try:
        async with unit_of_work():
            today = clock.business_today()
            number = await next_number(rt.policy, SERIES[kind], today)
            doc = build_document(
                rt.policy, order, lines, shipped_on,
                kind=kind, number=number, issued_on=today, language=language,
            )  # fmt: skip
            return await OrderDocument.create(
                order_id=order.id,
                kind=kind,
                number=number,
                version=1,
                language=language,
                snapshot=to_snapshot(doc),
                issued_on=today,
                actor_id=actor.user_id,
            )
    except IntegrityError:
        # Two first downloads raced: the other one issued it (and its number stands).
        return await OrderDocument.get(order_id=order.id, kind=kind, version=1)


def _receipt_text(p: Problems, value: str, field: str, max_length: int, *, required: bool) -> str:
    text = unicodedata.normalize("NFC", value or "").strip()
    if _FORBIDDEN.search(text):
        p.add("INVALID_TEXT", field)
        return ""
    if required and not text:
        p.add("REQUIRED", field)
    elif len(text) > max_length:
        p.add("TOO_LONG", field, max=max_length)
    return text


async def issue_receipt(
    rt: Any, actor: Actor, order_id: int, addressee: str, description: str = ""
) -> OrderDocument:
    """A receipt of a shipped card order, to the addressee the customer enters. The first
    takes a number of the `receipt` series; every later one keeps it and is 再発行."""
    p = Problems()
    addressee = _receipt_text(p, addressee, "addressee", MAX_ADDRESSEE, required=True)
    description = _receipt_text(p, description, "description", MAX_DESCRIPTION, required=False)
    p.raise_if_any()
    order, lines = await _order_for_documents(actor, order_id)
    _require_available(order, lines, DocumentKind.RECEIPT)
    language = "en" if actor.language == "en" else "ja"
    description = description or DEFAULT_DESCRIPTION[language]
    shipped_on = await _shipped_on(order)
    for _attempt in range(3):
        try:
            async with unit_of_work():
                today = clock.business_today()
                last = (
                    await OrderDocument.filter(order_id=order.id, kind=DocumentKind.RECEIPT)
                    .order_by("-version")
                    .first()
                )
                if last is None:
                    version, number = 1, await next_number(rt.policy, "receipt", today)
                else:
                    version, number = last.version + 1, last.number
                doc = build_document(
                    rt.policy, order, lines, shipped_on,
                    kind=DocumentKind.RECEIPT, number=number, issued_on=today,
                    language=language, version=version, addressee=addressee,
                    description=description,
                )  # fmt: skip
                return await OrderDocument.create(
                    order_id=order.id,
                    kind=DocumentKind.RECEIPT,
                    number=number,
                    version=version,
                    language=language,
                    addressee=addressee,
                    description=description,
                    snapshot=to_snapshot(doc),
                    issued_on=today,
                    actor_id=actor.user_id,
                )
        except IntegrityError:
            continue  # a concurrent issue took this version: take the next one
    raise DomainError.of("CONFLICT", "orderId")


# ---- downloading ---------------------------------------------------------------------------


async def document_pdf(
    rt: Any, actor: Actor, order_id: int, kind: DocumentKind, document_id: int | None
) -> tuple[str, bytes]:
    """(file name, PDF bytes) of a document of an order the actor may read, once shipped.

    A delivery note or simplified invoice is issued by its first download; a receipt is
    named by its document id (each issue is its own snapshot)."""
    if kind == DocumentKind.RECEIPT:
        order, lines = await _order_for_documents(actor, order_id)
        _require_available(order, lines, kind)
        found = (
            await OrderDocument.filter(id=document_id, order_id=order.id, kind=kind).first()
            if document_id
            else None
        )
        if found is None:
            raise DomainError.of("NOT_FOUND", "documentId")
    else:
        found = await issue_document(rt, actor, order_id, kind)
    pdf = await asyncio.to_thread(render_pdf, from_snapshot(found.snapshot))
    suffix = f"-{found.version}" if found.version > 1 else ""
    return f"{found.number}{suffix}.pdf", pdf
