"""Strawberry types of payments: `Payment` (embedded by the order types), stored cards."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import strawberry

from api.graphql.errors import UserError
from api.graphql.money import Money
from api.orders import states as order_states
from api.payments import states

strawberry.enum(
    order_states.PaymentMethod,
    name="PaymentMethodKind",
    description="How the order is paid: CARD, BANK_TRANSFER, KONBINI, NP_DEFERRED (NP掛け払い).",
)
PaymentMethodKind = order_states.PaymentMethod

strawberry.enum(
    states.PaymentStatus,
    name="PaymentStatus",
    description="PENDING (waiting for the card, transfer or slip), AUTHORIZED (card held), "
    "CAPTURED (money secured), DECLINED, CANCELLED, EXPIRED (deadline passed), REFUNDED; "
    "NP 掛け払い: SCREENING, APPROVED, REJECTED, ON_HOLD (保留).",
)
PaymentStatus = states.PaymentStatus


@strawberry.type(
    description="How to pay: the store's bank account (BANK_TRANSFER) or the slip (KONBINI)."
)
class PaymentInstructions:
    kind: str = strawberry.field(description="bank_transfer or konbini.")
    deadline: date = strawberry.field(description="The last day to pay (Tokyo).")
    bank_name: str | None = None
    branch_name: str | None = None
    account_type: str | None = strawberry.field(default=None, description="普通 / 当座.")
    account_number: str | None = None
    account_holder: str | None = strawberry.field(default=None, description="口座名義 (kana).")
    slip_number: str | None = strawberry.field(
        default=None, description="Konbini: the number the customer gives at the shop."
    )
    payment_url: str | None = strawberry.field(
        default=None, description="Konbini: the processor's page with the shop instructions."
    )

    @classmethod
    def of(cls, data: dict[str, Any] | None) -> PaymentInstructions | None:
        if not data:
            return None
        return cls(
            kind=data.get("kind", ""),
            deadline=date.fromisoformat(data["deadline"]),
            bank_name=data.get("bankName"),
            branch_name=data.get("branchName"),
            account_type=data.get("accountType"),
            account_number=data.get("accountNumber"),
            account_holder=data.get("accountHolder"),
            slip_number=data.get("slipNumber"),
            payment_url=data.get("paymentUrl") or None,
        )


@strawberry.type(description="An order's payment: its own status, separate from the order's.")
class Payment:
    method: PaymentMethodKind  # type: ignore[valid-type]
    status: PaymentStatus  # type: ignore[valid-type]
    amount: Money = strawberry.field(description="What it collects (tax included).")
    captured_amount: Money
    refunded_amount: Money
    secured: bool = strawberry.field(
        description="The money is secured (card authorized, paid, NP approved)."
    )
    instructions: PaymentInstructions | None = strawberry.field(
        description="Bank account and deadline, or the konbini slip and deadline; else null."
    )
    deadline: date | None
    card_brand: str | None = strawberry.field(description="Card: visa, mastercard, jcb, amex.")
    card_last4: str | None
    received_on: date | None = strawberry.field(description="Bank transfer: 入金確認 date.")
    updated_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> Payment:
        status = states.PaymentStatus(row["status"])
        return cls(
            method=PaymentMethodKind(row["method"]),
            status=status,
            amount=Money(amount=row["amount"]),
            captured_amount=Money(amount=row["captured_amount"]),
            refunded_amount=Money(amount=row["refunded_amount"]),
            secured=status in states.SECURED_STATUSES,
            instructions=PaymentInstructions.of(row["instructions"]),
            deadline=row["deadline"],
            card_brand=row["card_brand"] or None,
            card_last4=row["card_last4"] or None,
            received_on=row["received_on"],
            updated_at=row["updated_at"],
        )


@strawberry.type(description="A card the payment processor holds for the member (000 §7).")
class StoredCard:
    id: str = strawberry.field(description="The processor's id: pass it as storedCardId.")
    brand: str
    last4: str
    exp_month: int
    exp_year: int

    @classmethod
    def of(cls, card: Any) -> StoredCard:
        return cls(
            id=card.id,
            brand=card.brand,
            last4=card.last4,
            exp_month=card.exp_month,
            exp_year=card.exp_year,
        )


@strawberry.input(description="Staff: a bank transfer received (入金確認).")
class RecordBankPaymentInput:
    order_id: strawberry.ID
    amount: int = strawberry.field(description="Yen received; must equal the amount due.")
    received_on: date = strawberry.field(description="The day it arrived (not in the future).")


@strawberry.type
class RecordBankPaymentPayload:
    payment: Payment | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Delete a stored card: the current email and password again.")
class DeleteStoredCardInput:
    id: str
    email: str
    password: str


@strawberry.type
class DeleteStoredCardPayload:
    deleted: bool = False
    user_errors: list[UserError] = strawberry.field(default_factory=list)
