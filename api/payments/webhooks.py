"""Processor webhooks: verify, record, apply once, in any order.

`POST /webhooks/payments/<provider>` (the configured processor only):

1. The adapter verifies the call (`parse_webhook`: HMAC signature over
   timestamp and body, timestamp within PAYMENT_WEBHOOK_TOLERANCE_SECONDS).
   A call that fails is answered 401 (signature, timestamp) or 400 (malformed)
   and recorded in `RejectedWebhook` (reason, address, SHA-256 of the body).
2. Every event is recorded in `PaymentEvent`, unique per processor and event
   id, in the same transaction that applies it: a second delivery (or two at
   once) finds the row and changes nothing.
3. Applying: the payment with that processor reference moves through
   `PAYMENT_STATUS`. An event whose sequence is not newer than the last one
   applied, or whose transition the payment has already passed (np.on_hold
   after np.approved, konbini.expired after konbini.paid), is recorded as
   stale and ignored, so events delivered out of order end in the right state.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from typing import Any

from tortoise.exceptions import IntegrityError

from api.db import unit_of_work
from api.errors import DomainError
from api.events import publish
from api.payments.events import PaymentExpired, PaymentFailed, PaymentOnHold, PaymentSecured
from api.payments.models import Payment, PaymentEvent, RejectedWebhook
from api.payments.provider import WebhookEvent, WebhookRejected, provider_for
from api.payments.states import PAYMENT_STATUS, PaymentStatus, WebhookOutcome

log = logging.getLogger(__name__)

S = PaymentStatus
MAX_BODY = 256 * 1024

# kind → (target status, the event orders hear, or None)
TRANSITIONS: dict[str, tuple[PaymentStatus, str | None]] = {
    "konbini.paid": (S.CAPTURED, "secured"),
    "konbini.expired": (S.EXPIRED, "expired"),
    "konbini.cancelled": (S.CANCELLED, None),
    "np.approved": (S.APPROVED, "secured"),
    "np.rejected": (S.REJECTED, "failed"),
    "np.on_hold": (S.ON_HOLD, "on_hold"),
    "np.cancelled": (S.CANCELLED, None),
    "np.billed": (S.CAPTURED, None),
    "card.captured": (S.CAPTURED, None),
    "card.voided": (S.CANCELLED, None),
    "card.refunded": (S.REFUNDED, None),
    "processor.failed": (S.CANCELLED, "failed"),
}


async def receive(
    rt: Any, provider_name: str, headers: Mapping[str, str], body: bytes, *, remote_addr: str = ""
) -> tuple[int, dict[str, Any]]:
    """Handle one webhook call; (HTTP status, JSON answer)."""
    provider = provider_for(rt)
    if provider is None or provider.name != provider_name:
        return 404, {"error": "unknown_provider"}
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        if len(body) > MAX_BODY:
            raise WebhookRejected("too_large")
        events = provider.parse_webhook(lowered, body)
    except WebhookRejected as e:
        async with unit_of_work():
            await RejectedWebhook.create(
                provider=provider_name,
                reason=e.reason[:32],
                remote_addr=remote_addr[:45],
                body_sha256=hashlib.sha256(body).hexdigest(),
            )
        log.warning("payment webhook refused", extra={"provider": provider_name, "why": e.reason})
        status = 400 if e.reason in ("malformed", "too_large") else 401
        return status, {"error": e.reason}
    outcomes = [(await apply_event(rt, provider_name, event)).value for event in events]
    return 200, {"received": len(events), "outcomes": outcomes}


async def apply_event(rt: Any, provider_name: str, event: WebhookEvent) -> WebhookOutcome:
    """Record and apply one verified event, once."""
    try:
        async with unit_of_work():
            known = await PaymentEvent.get_or_none(provider=provider_name, event_id=event.id)
            if known is not None and known.outcome != WebhookOutcome.UNKNOWN_PAYMENT:
                return WebhookOutcome.DUPLICATE
            if known is None:
                # Inserted first: a concurrent delivery of the same event waits on this
                # key and fails, so only one applies it.
                known = await PaymentEvent.create(
                    provider=provider_name,
                    event_id=event.id,
                    kind=event.kind[:64],
                    provider_ref=event.ref[:64],
                    sequence=event.sequence,
                    occurred_at=event.occurred_at,
                    payload=dict(event.data),
                    outcome=WebhookOutcome.IGNORED,
                )
            outcome, payment_id = await _apply(rt, provider_name, event)
            await PaymentEvent.filter(id=known.id).update(outcome=outcome, payment_id=payment_id)
            return outcome
    except IntegrityError:
        return WebhookOutcome.DUPLICATE


async def _apply(
    rt: Any, provider_name: str, event: WebhookEvent
) -> tuple[WebhookOutcome, int | None]:
    rule = TRANSITIONS.get(event.kind)
    if rule is None:
        return WebhookOutcome.IGNORED, None
    payment = await Payment.get_or_none(provider=provider_name, provider_ref=event.ref)
    if payment is None:
        return WebhookOutcome.UNKNOWN_PAYMENT, None
    target, tell = rule
    if event.sequence and event.sequence <= payment.last_event_sequence:
        return WebhookOutcome.STALE, payment.id
    if payment.status == target or not PAYMENT_STATUS.allowed(payment.status, target):
        return WebhookOutcome.STALE, payment.id
    changes: dict[str, Any] = {
        "last_event_sequence": max(payment.last_event_sequence, event.sequence),
        "last_event_at": event.occurred_at,
    }
    if target == S.CAPTURED:
        changes["captured_amount"] = payment.amount
    if event.kind == "processor.failed":
        code = event.data.get("code")
        changes["failure_code"] = code[:64] if isinstance(code, str) else "processor_failed"
    try:
        await PAYMENT_STATUS.transition(
            payment,
            target,
            actor_id=None,
            reason=f"{provider_name} {event.kind} {event.id}",
            **changes,
        )
    except DomainError:
        return WebhookOutcome.STALE, payment.id  # moved by someone else meanwhile
    method = payment.method.value
    if tell == "secured":
        await publish(PaymentSecured(payment.order_id, payment.id, method))
        if event.kind == "konbini.paid":
            from api.payments.service import mail_payment_received

            await mail_payment_received(rt, payment, None)
    elif tell == "failed":
        reason = "np_rejected" if event.kind == "np.rejected" else changes.get("failure_code", "")
        await publish(PaymentFailed(payment.order_id, method, reason or "processor_failed"))
    elif tell == "expired":
        await publish(PaymentExpired(payment.order_id, method))
    elif tell == "on_hold":
        await publish(PaymentOnHold(payment.order_id))
    return WebhookOutcome.APPLIED, payment.id
