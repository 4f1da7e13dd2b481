"""Issued invoices after the closing run: the PDF, payments, overdue, voids and corrections.

An issued invoice never changes: only its status moves, through `INVOICE_STATUS`
(issued → paid | overdue | void, overdue → paid | void), each change recorded with who
and why. A correction is a new invoice (`replaces_id` names the voided one): the same
period and charges, the recipient as it is now, plus any adjustment staff add (recorded
on the ledger as charges of their own, so every charge stays on exactly one live
invoice).

Payments: staff record a bank transfer (`record_bank_payment`), the NP notification
calls `mark_invoice_paid`; both go through `_apply_payment`, keyed by the payment's
reference, so a replayed notice or a double click records one payment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tortoise.exceptions import IntegrityError

from api import clock
from api.actor import Actor
from api.billing.models import Charge, Invoice, InvoicePayment, InvoiceReminder
from api.billing.states import INVOICE_STATUS, ChargeKind, InvoiceStatus
from api.billing.terms import term_label
from api.companies.permissions import StaffPermission
from api.db import MAX_ROW_ID, unit_of_work
from api.documents.pdf import (
    DocumentLine,
    IssuedDocument,
    Party,
    TaxSummaryRow,
    TotalRow,
    render_pdf,
)
from api.errors import DomainError
from api.money import MAX_AMOUNT
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
from api.validation import nfkc

UNPAID = (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)
REASON_MAX = 500
REFERENCE_MAX = 128


def _text(value: str, limit: int) -> str:
    text = " ".join(nfkc(value or "").split())
    return "".join(ch for ch in text if ch.isprintable())[: limit + 1]


async def _invoice(invoice_id: int, *, lock: bool = False) -> Invoice:
    if not isinstance(invoice_id, int) or not 0 < invoice_id <= MAX_ROW_ID:
        raise DomainError.of("NOT_FOUND", "invoiceId")
    qs = Invoice.filter(id=invoice_id)
    if lock:
        qs = qs.select_for_update()
    invoice = await qs.first()
    if invoice is None:
        raise DomainError.of("NOT_FOUND", "invoiceId")
    return invoice


# ---- the PDF ------------------------------------------------------------------------------

LABELS = {
    "ja": {
        "title": "請求書",
        "title_void": "請求書（取消済）",
        "headline": "ご請求金額",
        "period": "対象期間",
        "closing": "締め日",
        "due": "お支払期限",
        "term": "支払条件",
        "company": "御中",
        "person": "様",
        "subtotal": "小計(税抜)",
        "tax": "消費税",
        "total": "合計(税込)",
        "intro": "下記の通りご請求申し上げます。",
        "date": "取引日",
        "replaces": "本書は請求書 {number} を訂正し差し替えるものです。",
        "void": "この請求書は取り消されました（{reason}）。",
        "reference": "注文",
    },
    "en": {
        "title": "INVOICE",
        "title_void": "INVOICE (VOID)",
        "headline": "Amount due",
        "period": "Period",
        "closing": "Closing date",
        "due": "Due date",
        "term": "Payment term",
        "company": "",
        "person": "",
        "subtotal": "Subtotal (excl. tax)",
        "tax": "Consumption tax",
        "total": "Total (incl. tax)",
        "intro": "Please find our invoice below.",
        "date": "Date",
        "replaces": "This invoice corrects and replaces invoice {number}.",
        "void": "This invoice has been voided ({reason}).",
        "reference": "Order",
    },
}


def _day(value: date, language: str) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if language == "ja" else value.isoformat()


def invoice_document(
    invoice: Invoice, language: str = "ja", replaces_number: str | None = None
) -> IssuedDocument:
    """The invoice as printed, from its own snapshot only (issuer, recipient, lines,
    totals per rate as stored at closing): a qualified invoice (適格請求書)."""
    t = LABELS["en" if language == "en" else "ja"]
    r = invoice.recipient
    is_company = invoice.company_id is not None
    address = " ".join(
        x for x in (r.get("prefecture"), r.get("address_line1"), r.get("address_line2")) if x
    )
    recipient_lines = [
        x
        for x in (
            f"〒{r['postal_code']} {address}" if r.get("postal_code") else address,
            r.get("department") or "",
            f"TEL {r['phone']}" if r.get("phone") else "",
        )
        if x
    ]
    issuer = invoice.issuer
    lines = [
        DocumentLine(
            description=line["description"] or line.get("source", ""),
            quantity=line["quantity"],
            unit_price=line["unit_price"],
            amount=line["amount"],
            tax_rate_percent=line["rate_percent"],
            reduced=bool(line["reduced"]),
            details=(f"{t['date']}: {_day(date.fromisoformat(line['base_date']), language)}",)
            if line.get("base_date")
            else (),
        )
        for line in invoice.lines
    ]
    remarks = []
    if replaces_number:
        remarks.append(t["replaces"].format(number=replaces_number))
    if invoice.status == InvoiceStatus.VOID:
        remarks.append(t["void"].format(reason=invoice.void_reason))
    return IssuedDocument(
        title=t["title_void"] if invoice.status == InvoiceStatus.VOID else t["title"],
        number=invoice.number,
        issue_date=invoice.invoice_date,
        issuer=Party(
            name=issuer.get("name", ""),
            lines=tuple(issuer.get("lines", ())),
            registration_number=issuer.get("registration_number", ""),
        ),
        recipient=Party(
            name=r.get("name", ""),
            lines=tuple(recipient_lines),
            honorific=t["company"] if is_company else t["person"],
        ),
        lines=lines,
        tax_summary=[
            TaxSummaryRow(
                rate_percent=row["rate_percent"],
                base=row["base"],
                tax=row["tax"],
                reduced=bool(row["reduced"]),
            )
            for row in invoice.per_rate
        ],
        totals=[
            TotalRow(t["subtotal"], invoice.subtotal),
            TotalRow(t["tax"], invoice.tax_total),
            TotalRow(t["total"], invoice.total, emphasis=True),
        ],
        headline_label=t["headline"],
        headline_amount=invoice.total,
        meta=(
            (
                t["period"],
                f"{_day(invoice.period_start, language)} ～ {_day(invoice.closing_date, language)}",
            ),
            (t["due"], _day(invoice.due_date, language)),
            (t["term"], term_label(invoice.term, language)),
        ),
        intro=t["intro"],
        remarks=remarks,
        language="en" if language == "en" else "ja",
    )


async def invoice_pdf(actor: Actor, invoice_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of an invoice the actor may read (a voided one says so)."""
    from api.billing import queries

    invoice = await queries.invoice(actor, invoice_id)
    if invoice is None:
        raise DomainError.of("NOT_FOUND", "invoiceId")
    replaces = None
    if invoice.replaces_id:
        replaces = (await queries.numbers_of([invoice.replaces_id])).get(invoice.replaces_id)
    document = invoice_document(invoice, actor.language, replaces)
    pdf = await asyncio.to_thread(render_pdf, document)
    return f"{invoice.number}.pdf", pdf


# ---- payments -----------------------------------------------------------------------------


async def _apply_payment(
    rt: Runtime,
    invoice_id: int,
    *,
    amount: int,
    paid_on: date,
    reference: str,
    method: str,
    note: str = "",
    actor_id: int | None,
) -> tuple[Invoice, InvoicePayment]:
    reference = _text(reference, REFERENCE_MAX)
    note = _text(note, REASON_MAX)
    if not reference:
        raise DomainError.of("REQUIRED", "reference")
    if len(reference) > REFERENCE_MAX:
        raise DomainError.of("TOO_LONG", "reference", max=REFERENCE_MAX)
    if len(note) > REASON_MAX:
        raise DomainError.of("TOO_LONG", "note", max=REASON_MAX)
    if not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT:
        raise DomainError.of("OUT_OF_RANGE", "amount", min=1, max=MAX_AMOUNT)
    if not date(2000, 1, 1) <= paid_on <= clock.business_today():
        raise DomainError.of(
            "OUT_OF_RANGE", "paidOn", min="2000-01-01", max=clock.business_today().isoformat()
        )
    key = f"{method}:{reference}"
    existing = await InvoicePayment.get_or_none(reference=key)
    if existing is not None:
        if existing.invoice_id == invoice_id and existing.amount == amount:  # type: ignore[attr-defined]
            return await _invoice(invoice_id), existing  # a replay: nothing more
        raise DomainError.of("PAYMENT_ALREADY_RECORDED", "reference")
    try:
        async with unit_of_work():
            invoice = await _invoice(invoice_id, lock=True)
            if invoice.status == InvoiceStatus.VOID:
                raise DomainError.of("INVOICE_VOID", "invoiceId")
            if invoice.status == InvoiceStatus.PAID:
                raise DomainError.of("INVOICE_PAID", "invoiceId")
            outstanding = invoice.total - invoice.paid_amount
            if amount != outstanding:
                # Part payments and overpayments are settled by staff outside (docs/billing.md).
                raise DomainError.of(
                    "PAYMENT_AMOUNT_MISMATCH", "amount", amount=amount, outstanding=outstanding
                )
            payment = await InvoicePayment.create(
                invoice_id=invoice.id,
                method=method,
                amount=amount,
                paid_on=paid_on,
                reference=key,
                note=note,
                recorded_by_id=actor_id,
            )
            await INVOICE_STATUS.transition(
                invoice,
                InvoiceStatus.PAID,
                actor_id=actor_id,
                reason=f"{method} {reference}"[:200],
                paid_at=clock.now(),
                paid_amount=invoice.paid_amount + amount,
            )
    except IntegrityError:
        raise DomainError.of("PAYMENT_ALREADY_RECORDED", "reference") from None
    return invoice, payment


async def record_bank_payment(
    rt: Runtime,
    actor: Actor,
    invoice_id: int,
    *,
    amount: int,
    paid_on: date,
    reference: str,
    note: str = "",
) -> tuple[Invoice, InvoicePayment]:
    """Staff: a bank transfer received for the invoice (the statement line's reference)."""
    actor.require(StaffPermission.MANAGE_BILLING)
    return await _apply_payment(
        rt,
        invoice_id,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        method="bank_transfer",
        note=note,
        actor_id=actor.user_id,
    )


async def mark_invoice_paid(
    rt: Runtime,
    *,
    invoice_number: str,
    amount: int,
    paid_on: date,
    reference: str,
    method: str = "np",
) -> Invoice:
    """A payment provider's notice that the invoice was paid (NP 掛け払い's payment
    notification through api.payments' verified webhook). Replays change nothing."""
    invoice = await Invoice.get_or_none(number=_text(invoice_number, 64))
    if invoice is None:
        raise DomainError.of("NOT_FOUND", "invoiceNumber")
    paid, _ = await _apply_payment(
        rt,
        invoice.id,
        amount=amount,
        paid_on=paid_on,
        reference=reference,
        method=method[:16],
        actor_id=None,
    )
    return paid


# ---- overdue and reminders ------------------------------------------------------------------


async def mark_overdue_and_remind(rt: Runtime, today: date | None = None) -> dict[str, int]:
    """Every unpaid invoice past its due date is OVERDUE, and its reminder mails go out
    on the days the store names (`[billing] overdue_reminder_days` after the due date).

    Catches up: a day missed is done the next time; of several reminders due at once
    only the latest is sent (the others are recorded as passed). Twice in a row the
    second run changes nothing: each (invoice, day) is recorded once, uniquely.
    """
    from api.billing.service import _recipient_people

    today = today or clock.business_today()
    days = sorted(set(rt.policy.billing.overdue_reminder_days))
    overdue = 0
    for invoice in await Invoice.filter(status=InvoiceStatus.ISSUED, due_date__lt=today):
        try:
            await INVOICE_STATUS.transition(
                invoice, InvoiceStatus.OVERDUE, actor_id=None, reason="due date passed"
            )
            overdue += 1
        except DomainError:
            continue  # paid or voided meanwhile
    sent = 0
    if not days:
        return {"overdue": overdue, "reminders": 0}
    first_due = today.toordinal() - days[0]
    candidates = await Invoice.filter(
        status=InvoiceStatus.OVERDUE, due_date__lte=date.fromordinal(first_due)
    )
    if not candidates:
        return {"overdue": overdue, "reminders": 0}
    done: dict[int, set[int]] = {}
    for invoice_id, day in await InvoiceReminder.filter(
        invoice_id__in=[i.id for i in candidates]
    ).values_list("invoice_id", "days_after_due"):
        done.setdefault(invoice_id, set()).add(day)
    for invoice in candidates:
        late = (today - invoice.due_date).days
        owed = [d for d in days if d <= late and d not in done.get(invoice.id, set())]
        if not owed:
            continue
        try:
            async with unit_of_work():
                for day in owed:
                    await InvoiceReminder.create(invoice_id=invoice.id, days_after_due=day)
                people = await _recipient_people(invoice.company_id, invoice.user_id)
                context = {
                    "name": invoice.recipient.get("name", ""),
                    "invoice_number": invoice.number,
                    "period_start": invoice.period_start.isoformat(),
                    "closing_date": invoice.closing_date.isoformat(),
                    "due_date": invoice.due_date.isoformat(),
                    "days_overdue": late,
                    "outstanding": f"{invoice.total - invoice.paid_amount:,}",
                }
                for email, language in people:
                    await queue_mail(rt, "invoice_overdue", email, context, language)
            sent += 1
        except IntegrityError:
            continue  # another worker sent it
    return {"overdue": overdue, "reminders": sent}


# ---- void and correct -------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    """A line staff add to a correction: a debit, or a credit (e.g. a wrong price)."""

    description: str
    quantity: int
    unit_price: int
    tax_category: str = "standard"
    credit: bool = False


MAX_ADJUSTMENTS = 50


async def void_invoice(
    rt: Runtime,
    actor: Actor,
    invoice_id: int,
    *,
    reason: str,
    reissue: bool = True,
    adjustments: Sequence[Adjustment] = (),
) -> tuple[Invoice, Invoice | None]:
    """Void an unpaid invoice and (by default) issue its correction in one transaction.

    The correction is a new invoice with a new number naming the voided one
    (`replaces`): the same term, period and due date, the voided invoice's charges and
    any adjustments (recorded on the ledger as charges), tax again once per rate, the
    recipient as the company's data is now (the reason a correction is usually made),
    dated today. Without `reissue` the charges are left uninvoiced for the next run.
    """
    from api.billing.service import (
        ChargeLine,
        _issuer,
        _mail_context,
        _recipient_people,
        _recipient_snapshot,
        invoice_amounts,
        record_charge,
    )
    from api.numbering import next_number

    actor.require(StaffPermission.MANAGE_BILLING)
    reason = _text(reason, REASON_MAX)
    if not reason:
        raise DomainError.of("REQUIRED", "reason")
    if len(reason) > REASON_MAX:
        raise DomainError.of("TOO_LONG", "reason", max=REASON_MAX)
    if len(adjustments) > MAX_ADJUSTMENTS:
        raise DomainError.of("TOO_MANY", "adjustments", max=MAX_ADJUSTMENTS)
    if adjustments and not reissue:
        raise DomainError.of("REQUIRED", "reissue")
    for adj in adjustments:
        text = _text(adj.description, 255)
        if not text:
            raise DomainError.of("REQUIRED", "adjustments.description")
        if len(text) > 255:
            raise DomainError.of("TOO_LONG", "adjustments.description", max=255)
    async with unit_of_work():
        invoice = await _invoice(invoice_id, lock=True)
        if invoice.status == InvoiceStatus.PAID:
            raise DomainError.of("INVOICE_PAID", "invoiceId")
        await INVOICE_STATUS.transition(
            invoice,
            InvoiceStatus.VOID,
            actor_id=actor.user_id,
            reason=reason,
            voided_at=clock.now(),
            void_reason=reason,
        )
        charges = list(await Charge.filter(invoice_id=invoice.id).order_by("base_date", "id"))
        if not reissue:
            await Charge.filter(invoice_id=invoice.id).update(invoice_id=None)
            return invoice, None
        today = clock.business_today()
        for n, adj in enumerate(adjustments, 1):
            charges.append(
                await record_charge(
                    company_id=invoice.company_id,
                    user_id=invoice.user_id,
                    term=invoice.term,
                    base_date=today,
                    source_type="invoice_correction",
                    source_id=f"{invoice.number}:{n}",
                    lines=[
                        ChargeLine(
                            description=adj.description,
                            quantity=adj.quantity,
                            unit_price=adj.unit_price,
                            tax_category=adj.tax_category,
                        )
                    ],
                    kind=ChargeKind.CREDIT if adj.credit else ChargeKind.DEBIT,
                    description=f"請求書 {invoice.number} 訂正",
                )
            )
        if adjustments:  # they belong to the corrected period, not the next open one
            added = [c.id for c in charges[-len(adjustments) :]]
            await Charge.filter(id__in=added).update(closing_date=invoice.closing_date)
        lines = [
            {**line, "base_date": c.base_date.isoformat(), "source": c.business_key}
            for c in charges
            for line in c.lines
        ]
        per_rate, subtotal, tax_total = invoice_amounts(lines, invoice.tax_rounding)
        recipient = await _recipient_snapshot(invoice.company_id, invoice.user_id)
        correction = await Invoice.create(
            number=await next_number(rt.policy, "invoice", today),
            account_key=invoice.account_key,
            company_id=invoice.company_id,
            user_id=invoice.user_id,
            term=invoice.term,
            period_start=invoice.period_start,
            closing_date=invoice.closing_date,
            invoice_date=today,
            due_date=max(invoice.due_date, today),
            replaces_id=invoice.id,
            issuer=_issuer(rt),
            recipient=recipient,
            lines=lines,
            per_rate=per_rate,
            tax_rounding=invoice.tax_rounding,
            subtotal=subtotal,
            tax_total=tax_total,
            total=subtotal + tax_total,
            run_id=None,
        )
        await Charge.filter(id__in=[c.id for c in charges]).update(invoice_id=correction.id)
        for email, language in await _recipient_people(invoice.company_id, invoice.user_id):
            await queue_mail(rt, "invoice_issued", email, _mail_context(correction), language)
    return invoice, correction


async def unpaid_invoices(company_id: int) -> int:
    """How many of a company's invoices wait for payment (withdrawal check, api.support)."""
    return await Invoice.filter(company_id=company_id, status__in=list(UNPAID)).count()


def invoice_context(invoice: Invoice) -> dict[str, Any]:
    return {"number": invoice.number, "total": invoice.total}
