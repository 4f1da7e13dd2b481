"""Payments in the schema: the member's stored cards, staff 入金確認.

Orders embed `Payment` (api/payments/types.py) through `queries.payments_by_order`.
"""

from __future__ import annotations

import strawberry

from api.companies.permissions import StaffPermission
from api.errors import DomainError
from api.graphql.ids import int_id
from api.graphql.mutations import mutation
from api.graphql.permissions import IsAuthenticated, requires
from api.payments import queries, service
from api.payments.types import (
    DeleteStoredCardInput,
    DeleteStoredCardPayload,
    Payment,
    RecordBankPaymentInput,
    RecordBankPaymentPayload,
    StoredCard,
)

MAX_KEY = 2**31 - 1
MAX_SECRET = 1024


@strawberry.type
class PaymentsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="Members: the cards the payment processor holds for them (brand, last "
        "four, expiry); empty for staff. torihiki never stores a card number.",
    )
    async def my_stored_cards(self, info: strawberry.Info) -> list[StoredCard]:
        cards = await service.my_stored_cards(info.context.rt, await info.context.actor())
        return [StoredCard.of(c) for c in cards]


@strawberry.type
class PaymentsMutation:
    @mutation(
        permission_classes=[requires(StaffPermission.PROCESS_ORDERS)],
        description="Staff: record a bank transfer received (入金確認); the order moves on "
        "and the customer gets the 入金確認 mail.",
    )
    async def record_bank_payment(
        self, info: strawberry.Info, input: RecordBankPaymentInput
    ) -> RecordBankPaymentPayload:
        order_id = int_id(input.order_id, "Order", "orderId")
        if order_id > MAX_KEY:
            raise DomainError.of("NOT_FOUND", "orderId")
        await service.record_bank_payment(
            info.context.rt,
            await info.context.actor(),
            order_id=order_id,
            amount=input.amount,
            received_on=input.received_on,
        )
        row = await queries.payment_of_order(order_id)
        return RecordBankPaymentPayload(payment=Payment.of(row) if row else None)

    @mutation(
        permission_classes=[IsAuthenticated],
        description="Members: delete a stored card after entering the current email address "
        "and password again (000 §7).",
    )
    async def delete_stored_card(
        self, info: strawberry.Info, input: DeleteStoredCardInput
    ) -> DeleteStoredCardPayload:
        if len(input.email) > MAX_SECRET or len(input.password) > MAX_SECRET:
            raise DomainError.of("TOO_LONG", "password", max=MAX_SECRET)
        await service.delete_stored_card(
            info.context.rt,
            await info.context.actor(),
            card_id=input.id,
            email=input.email,
            password=input.password,
        )
        return DeleteStoredCardPayload(deleted=True)


__all__ = ["PaymentsMutation", "PaymentsQuery"]
