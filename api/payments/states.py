"""The payment domain's statuses and its machine: every state listed, one table.

A payment is separate from its order (api/orders/states.py): the order asks
"is the money secured?", the payment records how it got there.

Card (クレジットカード): pending → authorized (at placement) → captured (at
shipment) → refunded; authorized → cancelled (void).
Bank transfer (銀行振込) and konbini (コンビニ決済): pending → captured (paid)
or expired (deadline passed) or cancelled.
NP 掛け払い: screening → approved / rejected / on_hold (保留, then approved or
rejected) → captured (billing requested once the sale is confirmed).
"""

from __future__ import annotations

from enum import StrEnum

from api.audit.state_machine import StateMachine


class PaymentStatus(StrEnum):
    PENDING = "pending"  # waiting: card not authorized yet, transfer or slip not paid
    AUTHORIZED = "authorized"  # card: the amount is held on the card
    CAPTURED = "captured"  # money secured: card captured, transfer or slip paid, NP billed
    DECLINED = "declined"  # card refused by the issuer
    CANCELLED = "cancelled"  # voided, slip or NP transaction cancelled, order cancelled unpaid
    EXPIRED = "expired"  # transfer or slip deadline passed unpaid
    REFUNDED = "refunded"  # captured money given back
    SCREENING = "screening"  # NP: credit check running
    APPROVED = "approved"  # NP: credit check OK
    REJECTED = "rejected"  # NP: credit check NG
    ON_HOLD = "on_hold"  # NP: 保留 (the processor needs more from the customer)


# Statuses in which the money is secured for the order (the order may be PLACED).
SECURED_STATUSES = frozenset(
    {PaymentStatus.AUTHORIZED, PaymentStatus.CAPTURED, PaymentStatus.APPROVED}
)
# Nothing changes any more.
FINAL_STATUSES = frozenset(
    {
        PaymentStatus.DECLINED,
        PaymentStatus.CANCELLED,
        PaymentStatus.EXPIRED,
        PaymentStatus.REFUNDED,
        PaymentStatus.REJECTED,
    }
)

S = PaymentStatus

PAYMENT_STATUS = StateMachine(
    "payment",
    {
        S.PENDING: frozenset({S.AUTHORIZED, S.CAPTURED, S.DECLINED, S.CANCELLED, S.EXPIRED}),
        S.AUTHORIZED: frozenset({S.CAPTURED, S.CANCELLED, S.EXPIRED}),
        S.CAPTURED: frozenset({S.REFUNDED}),
        S.SCREENING: frozenset({S.APPROVED, S.REJECTED, S.ON_HOLD, S.CANCELLED}),
        S.ON_HOLD: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
        S.APPROVED: frozenset({S.CAPTURED, S.CANCELLED}),
        S.DECLINED: frozenset(),
        S.CANCELLED: frozenset(),
        S.EXPIRED: frozenset(),
        S.REFUNDED: frozenset(),
        S.REJECTED: frozenset(),
    },
)


class WebhookOutcome(StrEnum):
    APPLIED = "applied"  # moved the payment
    DUPLICATE = "duplicate"  # the same event id again: nothing done
    STALE = "stale"  # older than what was applied, or a transition already passed
    UNKNOWN_PAYMENT = "unknown_payment"  # no payment has this processor reference
    IGNORED = "ignored"  # a kind torihiki does not act on


class BankReminderKind(StrEnum):
    REMINDER = "reminder"
