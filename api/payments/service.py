"""Payments (issue 12): the seam orders call, staff 入金確認, stored cards, deadlines.

Orders call these inside their own unit of work (`placeOrder`, shipment,
cancellation); each function joins that transaction (api/db.py), so a refused
payment rolls the order back and an accepted one commits with it:

- `start_payment`: card → authorized now (declined: PAYMENT_DECLINED; the
  processor failing: PAYMENT_PROVIDER_UNAVAILABLE); bank transfer → pending
  with the store's account and a deadline of N business days; konbini → a slip
  (number, deadline); NP 掛け払い → registered, screening. Payment instructions
  are mailed for bank transfer and konbini.
- `capture_payment`: card at shipment; NP bills once the sale is confirmed.
- `cancel_payment`: void, refund, cancel the slip or the NP transaction; idempotent.
- `record_bank_payment`: staff record the transfer received (入金確認).

Outcomes that arrive later (slip paid or expired, NP result) come as processor
webhooks (api/payments/webhooks.py) and are told to orders by the events of
api/payments/events.py. Every status change goes through `PAYMENT_STATUS`
with who and why.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from api import clock
from api.audit.models import StatusTransition
from api.calendar.service import load_calendar
from api.companies.permissions import StaffPermission
from api.db import unit_of_work
from api.errors import DomainError, Problems
from api.events import publish
from api.notifications.outbox import queue_mail
from api.orders.states import PaymentMethod
from api.payments.events import PaymentExpired, PaymentSecured
from api.payments.models import Payment
from api.payments.provider import (
    CardDeclined,
    PaymentProvider,
    ProviderError,
    StoredCard,
    provider_for,
)
from api.payments.states import FINAL_STATUSES, PAYMENT_STATUS, SECURED_STATUSES, PaymentStatus

MAX_AMOUNT = 10_000_000_000  # ¥10 billion: beyond any order this store takes
MAX_TOKEN = 128
MAX_NAME = 255
MAX_EMAIL = 254
MAX_REASON = 500
DEADLINE_BATCH = 500

S = PaymentStatus


@dataclass(frozen=True)
class PaymentStart:
    payment_id: int
    status: PaymentStatus
    secured: bool  # True: the order may go to PLACED now (card authorized)
    instructions: dict[str, Any] | None  # bank account + deadline, konbini slip + deadline


# ---- helpers ---------------------------------------------------------------------------


def _clean(text: str, limit: int) -> str:
    text = unicodedata.normalize("NFKC", text or "")
    text = " ".join("".join(c for c in text if c.isprintable()).split())
    return text[:limit]


def _check_amount(amount: Any, field: str = "amount") -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_AMOUNT:
        raise DomainError.of("OUT_OF_RANGE", field, min=1, max=MAX_AMOUNT)


def _check_token(value: str | None, field: str) -> None:
    if value is None:
        return
    if not value or len(value) > MAX_TOKEN or not value.isascii() or not value.isprintable():
        raise DomainError.of("INVALID_CARD_TOKEN", field, max=MAX_TOKEN)


def customer_ref(user_id: int) -> str:
    """The customer's id at the processor (stored cards are kept under it)."""
    return f"torihiki-user-{user_id}"


def _provider(rt: Any, method: PaymentMethod) -> PaymentProvider:
    provider = provider_for(rt)
    if provider is None:
        raise DomainError.of("PAYMENT_METHOD_UNAVAILABLE", "paymentMethod", method=method.value)
    return provider


def _held_by(rt: Any, payment: Payment) -> PaymentProvider:
    """The processor that holds a payment (the configured one must be it)."""
    provider = provider_for(rt)
    if provider is None or provider.name != payment.provider:
        raise DomainError.of("PAYMENT_PROVIDER_UNAVAILABLE", provider=payment.provider)
    return provider


async def _created(payment: Payment, actor_id: int | None, reason: str) -> None:
    await StatusTransition.create(
        entity=PAYMENT_STATUS.entity,
        entity_id=str(payment.pk),
        from_status="",
        to_status=payment.status.value,
        actor_id=actor_id,
        reason=reason,
    )


def _money(amount: int) -> str:
    return f"{amount:,}"


def mail_context(rt: Any, payment: Payment) -> dict[str, Any]:
    return {
        "name": payment.customer_name,
        "order_number": payment.order_number,
        "method": payment.method.value,
        "amount": _money(payment.amount),
        "instructions": payment.instructions or {},
        "deadline": payment.deadline.isoformat() if payment.deadline else "",
        "orders_url": rt.settings.public_base_url.rstrip("/") + "/orders",
        "store": {"name": rt.policy.name, "support_email": rt.policy.support_email},
    }


async def _mail(rt: Any, template: str, payment: Payment, **extra: Any) -> None:
    await queue_mail(
        rt,
        template,
        payment.customer_email,
        {**mail_context(rt, payment), **extra},
        payment.language,
    )


async def mail_payment_received(rt: Any, payment: Payment, received_on: date | None) -> None:
    """入金確認: the money arrived (a transfer staff recorded, a konbini slip paid)."""
    on = received_on or clock.business_today()
    await _mail(rt, "payment_received", payment, received_on=on.isoformat())


def _start(payment: Payment) -> PaymentStart:
    return PaymentStart(
        payment_id=payment.id,
        status=payment.status,
        secured=payment.status in SECURED_STATUSES and payment.method == PaymentMethod.CARD,
        instructions=payment.instructions,
    )


# ---- the seam orders call ----------------------------------------------------------------


async def start_payment(
    rt: Any,
    actor: Any,
    *,
    order_id: int,
    order_number: str,
    method: PaymentMethod,
    amount: int,
    company_id: int | None,
    customer_name: str,
    customer_email: str,
    card_token: str | None = None,
    stored_card_id: str | None = None,
    save_card: bool = False,
    company_name: str = "",
) -> PaymentStart:
    """Start collecting an order's amount due, inside the order's unit of work.

    Idempotent per order: a second call returns the payment already started.
    `company_name` (optional) is what NP screens; the customer's name otherwise.
    """
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise DomainError.of("UNKNOWN_PAYMENT_METHOD", "paymentMethod") from None
    _check_amount(amount)
    if not isinstance(order_id, int) or order_id <= 0:
        raise DomainError.of("NOT_FOUND", "orderId")
    problems = Problems()
    name = _clean(customer_name, MAX_NAME)
    email = (customer_email or "").strip()
    if not name:
        problems.add("REQUIRED", "customerName")
    if not email or len(email) > MAX_EMAIL or "@" not in email:
        problems.add("INVALID_EMAIL", "customerEmail")
    if method == PaymentMethod.CARD:
        if (card_token is None) == (stored_card_id is None):
            problems.add("CARD_REQUIRED", "cardToken")
        _check_token(card_token, "cardToken")
        _check_token(stored_card_id, "storedCardId")
        if stored_card_id is not None and actor.user_id is None:
            problems.add("NOT_FOUND", "storedCardId")
    problems.raise_if_any()
    language = getattr(actor, "language", "ja") or "ja"
    today = clock.business_today()
    async with unit_of_work():
        existing = await Payment.get_or_none(order_id=order_id)
        if existing is not None:
            if existing.method != method or existing.amount != amount:
                raise DomainError.of("PAYMENT_ALREADY_STARTED", "orderId")
            return _start(existing)
        base = {
            "order_id": order_id,
            "order_number": order_number[:32],
            "method": method,
            "amount": amount,
            "user_id": actor.user_id,
            "company_id": company_id,
            "customer_name": name,
            "customer_email": email,
            "language": language if language in ("ja", "en") else "ja",
            "started_on": today,
        }
        if method == PaymentMethod.BANK_TRANSFER:
            return _start(await _start_bank_transfer(rt, actor, base, today))
        provider = _provider(rt, method)
        if method == PaymentMethod.CARD:
            return _start(
                await _start_card(provider, actor, base, card_token, stored_card_id, save_card)
            )
        if method == PaymentMethod.KONBINI:
            return _start(await _start_konbini(rt, provider, actor, base, today))
        return _start(
            await _start_np(provider, actor, base, _clean(company_name, MAX_NAME) or name)
        )


async def _start_card(
    provider: PaymentProvider,
    actor: Any,
    base: dict[str, Any],
    card_token: str | None,
    stored_card_id: str | None,
    save_card: bool,
) -> Payment:
    payment = await Payment.create(**base, status=S.PENDING, provider=provider.name)
    await _created(payment, actor.user_id, "card")
    try:
        auth = await provider.authorize_card(
            merchant_ref=payment.order_number,
            amount=payment.amount,
            card_token=card_token,
            stored_card_id=stored_card_id,
            customer_ref=customer_ref(actor.user_id) if actor.user_id else None,
            save_card=bool(save_card and actor.user_id),
        )
    except CardDeclined as e:
        # The order's transaction rolls back with this error: nothing of it stays.
        raise DomainError.of(
            "PAYMENT_DECLINED", "cardToken", reason=e.code, message=e.message
        ) from None
    except ProviderError:
        raise DomainError.of("PAYMENT_PROVIDER_UNAVAILABLE", provider=provider.name) from None
    await PAYMENT_STATUS.transition(
        payment,
        S.AUTHORIZED,
        actor_id=actor.user_id,
        reason="card authorized",
        provider_ref=auth.ref,
        card_brand=auth.brand[:16],
        card_last4=auth.last4[:4],
    )
    return payment


async def _start_bank_transfer(rt: Any, actor: Any, base: dict[str, Any], today: date) -> Payment:
    policy = rt.policy.payments
    account = policy.bank_account
    if account is None:
        raise DomainError.of(
            "PAYMENT_METHOD_UNAVAILABLE", "paymentMethod", method=PaymentMethod.BANK_TRANSFER.value
        )
    calendar = await load_calendar()
    deadline = calendar.add_business_days(today, policy.bank_transfer_deadline_business_days)
    instructions = {
        "kind": "bank_transfer",
        "bankName": account.bank_name,
        "branchName": account.branch_name,
        "accountType": account.account_type,
        "accountNumber": account.account_number,
        "accountHolder": account.account_holder,
        "deadline": deadline.isoformat(),
    }
    payment = await Payment.create(
        **base, status=S.PENDING, instructions=instructions, deadline=deadline
    )
    await _created(payment, actor.user_id, "bank transfer: waiting for the transfer")
    await _mail(rt, "payment_instructions", payment)
    return payment


async def _start_konbini(
    rt: Any, provider: PaymentProvider, actor: Any, base: dict[str, Any], today: date
) -> Payment:
    deadline = today + timedelta(days=rt.policy.payments.konbini_deadline_days)
    payment = await Payment.create(**base, status=S.PENDING, provider=provider.name)
    try:
        slip = await provider.issue_konbini_slip(
            merchant_ref=payment.order_number,
            amount=payment.amount,
            deadline=deadline,
            customer_name=payment.customer_name,
            email=payment.customer_email,
        )
    except ProviderError:
        raise DomainError.of("PAYMENT_PROVIDER_UNAVAILABLE", provider=provider.name) from None
    instructions = {
        "kind": "konbini",
        "slipNumber": slip.slip_number,
        "deadline": slip.deadline.isoformat(),
        "paymentUrl": slip.payment_url,
    }
    await Payment.filter(id=payment.id).update(
        provider_ref=slip.ref, instructions=instructions, deadline=slip.deadline
    )
    payment.provider_ref, payment.instructions, payment.deadline = (
        slip.ref,
        instructions,
        slip.deadline,
    )
    await _created(payment, actor.user_id, "konbini slip issued")
    await _mail(rt, "payment_instructions", payment)
    return payment


async def _start_np(
    provider: PaymentProvider, actor: Any, base: dict[str, Any], company_name: str
) -> Payment:
    payment = await Payment.create(**base, status=S.SCREENING, provider=provider.name)
    try:
        registration = await provider.np_register(
            merchant_ref=payment.order_number,
            amount=payment.amount,
            company_name=company_name,
            customer_name=payment.customer_name,
            email=payment.customer_email,
        )
    except ProviderError:
        raise DomainError.of("PAYMENT_PROVIDER_UNAVAILABLE", provider=provider.name) from None
    await Payment.filter(id=payment.id).update(provider_ref=registration.ref)
    payment.provider_ref = registration.ref
    await _created(payment, actor.user_id, "NP registered: screening")
    return payment


async def _payment_of(order_id: Any) -> Payment | None:
    if not isinstance(order_id, int) or not 0 < order_id < 2**31:
        return None
    return await Payment.get_or_none(order_id=order_id)


async def capture_payment(rt: Any, *, order_id: int) -> PaymentStatus:
    """Collect the money: a card at shipment; NP bills once the sale is confirmed.

    Already captured (or bank transfer / konbini, which are paid before shipping):
    nothing to do. Anything else is INVALID_STATUS (params: status).
    """
    async with unit_of_work():
        payment = await _payment_of(order_id)
        if payment is None:
            raise DomainError.of("NOT_FOUND", "orderId")
        if payment.status == S.CAPTURED:
            return payment.status
        if payment.method == PaymentMethod.CARD and payment.status == S.AUTHORIZED:
            provider = _held_by(rt, payment)
            try:
                await provider.capture_card(payment.provider_ref or "", payment.amount)
            except ProviderError:
                raise DomainError.of(
                    "PAYMENT_PROVIDER_UNAVAILABLE", provider=provider.name
                ) from None
            reason = "card captured"
        elif payment.method == PaymentMethod.NP_DEFERRED and payment.status == S.APPROVED:
            provider = _held_by(rt, payment)
            try:
                await provider.np_request_billing(payment.provider_ref or "")
            except ProviderError:
                raise DomainError.of(
                    "PAYMENT_PROVIDER_UNAVAILABLE", provider=provider.name
                ) from None
            reason = "NP billing requested"
        else:
            raise DomainError.of("INVALID_STATUS", status=payment.status.value)
        await PAYMENT_STATUS.transition(
            payment, S.CAPTURED, actor_id=None, reason=reason, captured_amount=payment.amount
        )
        return payment.status


async def cancel_payment(rt: Any, *, order_id: int, reason: str) -> PaymentStatus | None:
    """Give the money back or stop collecting it; idempotent (None: the order has no payment).

    Authorized card → voided; captured → refunded (card through the processor;
    bank transfer and konbini are refunded by staff outside torihiki, recorded
    here); open konbini slip → cancelled; NP transaction → cancelled at NP.
    """
    why = _clean(reason, MAX_REASON) or "order cancelled"
    async with unit_of_work():
        payment = await _payment_of(order_id)
        if payment is None:
            return None
        if payment.status in FINAL_STATUSES:
            return payment.status
        method, status = payment.method, payment.status
        try:
            if status == S.CAPTURED:
                if method == PaymentMethod.CARD:
                    await _held_by(rt, payment).refund_card(
                        payment.provider_ref or "", payment.captured_amount or payment.amount
                    )
                elif method == PaymentMethod.NP_DEFERRED:
                    await _held_by(rt, payment).np_cancel(payment.provider_ref or "")
                await PAYMENT_STATUS.transition(
                    payment,
                    S.REFUNDED,
                    actor_id=None,
                    reason=why,
                    refunded_amount=payment.captured_amount or payment.amount,
                )
                return payment.status
            if method == PaymentMethod.CARD and status == S.AUTHORIZED:
                await _held_by(rt, payment).void_card(payment.provider_ref or "")
            elif method == PaymentMethod.KONBINI and status == S.PENDING:
                await _held_by(rt, payment).cancel_konbini_slip(payment.provider_ref or "")
            elif method == PaymentMethod.NP_DEFERRED:
                await _held_by(rt, payment).np_cancel(payment.provider_ref or "")
        except ProviderError:
            raise DomainError.of(
                "PAYMENT_PROVIDER_UNAVAILABLE", provider=payment.provider
            ) from None
        await PAYMENT_STATUS.transition(payment, S.CANCELLED, actor_id=None, reason=why)
        return payment.status


async def record_bank_payment(
    rt: Any, actor: Any, *, order_id: int, amount: int, received_on: date
) -> Payment:
    """Staff record a bank transfer received (入金確認); the order learns by PaymentSecured."""
    actor.require(StaffPermission.PROCESS_ORDERS)
    _check_amount(amount)
    today = clock.business_today()
    if not isinstance(received_on, date) or received_on > today:
        raise DomainError.of("DATE_IN_FUTURE", "receivedOn", max=today.isoformat())
    async with unit_of_work():
        payment = await _payment_of(order_id)
        if payment is None:
            raise DomainError.of("NOT_FOUND", "orderId")
        if payment.method != PaymentMethod.BANK_TRANSFER:
            raise DomainError.of("NOT_BANK_TRANSFER", "orderId", method=payment.method.value)
        if payment.status == S.CAPTURED:
            raise DomainError.of(
                "PAYMENT_ALREADY_RECORDED",
                "orderId",
                received_on=payment.received_on.isoformat() if payment.received_on else "",
            )
        if payment.status != S.PENDING:
            raise DomainError.of("INVALID_STATUS", "orderId", status=payment.status.value)
        if received_on < payment.started_on:
            raise DomainError.of("DATE_TOO_EARLY", "receivedOn", min=payment.started_on.isoformat())
        if amount != payment.amount:
            raise DomainError.of(
                "PAYMENT_AMOUNT_MISMATCH", "amount", expected=payment.amount, received=amount
            )
        await PAYMENT_STATUS.transition(
            payment,
            S.CAPTURED,
            actor_id=actor.user_id,
            reason=f"入金確認 {received_on.isoformat()}",
            captured_amount=amount,
            received_amount=amount,
            received_on=received_on,
        )
        await publish(PaymentSecured(payment.order_id, payment.id, payment.method.value))
        await mail_payment_received(rt, payment, received_on)
        return payment


# ---- stored cards (000 §7: held by the processor) -----------------------------------------


async def my_stored_cards(rt: Any, actor: Any) -> list[StoredCard]:
    user = actor.require_user()
    if actor.is_staff:
        return []
    provider = provider_for(rt)
    if provider is None:
        return []
    try:
        return await provider.list_cards(customer_ref(user.id))
    except ProviderError:
        raise DomainError.of("PAYMENT_PROVIDER_UNAVAILABLE", provider=provider.name) from None


async def delete_stored_card(
    rt: Any, actor: Any, *, card_id: str, email: str, password: str
) -> None:
    """Delete a card the processor holds, after the member re-enters email and password."""
    from api.accounts.security import confirm_password

    user = actor.require_user()
    if actor.is_staff:
        raise DomainError.of("FORBIDDEN")
    _check_token(card_id, "id")
    given = unicodedata.normalize("NFKC", email or "").strip().lower()
    if not given:
        raise DomainError.of("REQUIRED", "email")
    if given != user.email.lower():
        raise DomainError.of("EMAIL_MISMATCH", "email")
    await confirm_password(rt, user, password, "password")
    provider = provider_for(rt)
    if provider is None:
        raise DomainError.of("NOT_FOUND", "id")
    try:
        deleted = await provider.delete_card(customer_ref(user.id), card_id)
    except ProviderError:
        raise DomainError.of("PAYMENT_PROVIDER_UNAVAILABLE", provider=provider.name) from None
    if not deleted:
        raise DomainError.of("NOT_FOUND", "id")


# ---- bank transfer deadlines (a daily cron job) -------------------------------------------


async def bank_transfer_deadlines(rt: Any, today: date | None = None) -> dict[str, int]:
    """Remind before the deadline and expire after it, for everything due up to today.

    Reminders go once (a conditional UPDATE of `reminder_sent_on`) when the
    deadline is at most `bank_transfer_reminder_business_days` business days
    away; a payment still unpaid the day after its deadline expires and
    publishes PaymentExpired (orders cancel). Twice in a row changes nothing.
    """
    today = today or clock.business_today()
    policy = rt.policy.payments
    calendar = await load_calendar()
    reminded = expired = 0
    last_id = 0
    while True:
        due = (
            await Payment.filter(
                method=PaymentMethod.BANK_TRANSFER,
                status=S.PENDING,
                deadline__lt=today,
                id__gt=last_id,
            )
            .order_by("id")
            .limit(DEADLINE_BATCH)
        )
        if not due:
            break
        for payment in due:
            async with unit_of_work():
                try:
                    await PAYMENT_STATUS.transition(
                        payment,
                        S.EXPIRED,
                        actor_id=None,
                        reason=f"振込期限 {payment.deadline} 経過",
                    )
                except DomainError:
                    continue  # paid or cancelled meanwhile
                await publish(PaymentExpired(payment.order_id, payment.method.value))
                expired += 1
        last_id = due[-1].id
    if policy.bank_transfer_reminder_business_days > 0:
        last_id = 0
        while True:
            due = (
                await Payment.filter(
                    method=PaymentMethod.BANK_TRANSFER,
                    status=S.PENDING,
                    reminder_sent_on__isnull=True,
                    deadline__gte=today,
                    id__gt=last_id,
                )
                .order_by("id")
                .limit(DEADLINE_BATCH)
            )
            if not due:
                break
            for payment in due:
                assert payment.deadline is not None
                left = calendar.business_days_between(today, payment.deadline)
                if left > policy.bank_transfer_reminder_business_days:
                    continue
                async with unit_of_work():
                    taken = await Payment.filter(
                        id=payment.id, status=S.PENDING, reminder_sent_on__isnull=True
                    ).update(reminder_sent_on=today)
                    if taken:
                        await _mail(rt, "payment_reminder", payment)
                        reminded += 1
            last_id = due[-1].id
    return {"reminded": reminded, "expired": expired}
