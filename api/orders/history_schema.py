"""Purchase history in the schema (000 §6 購入履歴, 004 §5.1 注文履歴): thin over
api.orders.queries, api.orders.reorder and api.orders.documents.

Members with `view_orders` list and read their company's orders (an individual
member their own), put an order's products back into the cart, and download the
order's documents (納品書, 請求書（簡易版）, 領収書) once it has shipped.
"""

from __future__ import annotations

import strawberry

from api.carts.types import Cart
from api.errors import DomainError
from api.graphql.connections import Page, connection
from api.graphql.errors import UserError, to_user_errors
from api.graphql.ids import from_global_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import IsAuthenticated
from api.orders import documents, queries, reorder
from api.orders.document_types import (
    IssuedOrderDocument,
    IssueReceiptInput,
    IssueReceiptPayload,
    OrderDocumentEntry,
)
from api.orders.types import OrderFilter, OrderType


def order_id_of(value: str, field: str = "orderId") -> int:
    key = queries.order_key(from_global_id(value, "Order", field))
    if key is None:
        raise DomainError.of("NOT_FOUND", field)
    return key


@strawberry.type(description="An order line that went back into the cart.")
class ReorderedLine:
    position: int = strawberry.field(description="The order line's position.")
    product_code: str
    name: str
    quantity: int = strawberry.field(description="The product's minimum (or fixed) quantity.")
    dropped_options: list[str] = strawberry.field(
        description="Codes of options ordered then that the product no longer offers."
    )


@strawberry.type(description="An order line that could not go back into the cart, and why.")
class ReorderSkippedLine:
    position: int
    product_code: str
    name: str
    errors: list[UserError] = strawberry.field(
        description="The catalog's refusal, e.g. PRODUCT_UNAVAILABLE."
    )


@strawberry.input
class ReorderInput:
    order_id: strawberry.ID


@strawberry.type
class ReorderPayload:
    cart: Cart | None = None
    added_lines: list[ReorderedLine] | None = None
    skipped_lines: list[ReorderSkippedLine] | None = strawberry.field(
        default=None, description="Lines not carried over; also listed in userErrors."
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class OrderHistoryQuery:
    @connection(
        permission_classes=[IsAuthenticated],
        description="The purchase history (購入履歴), newest first: members with view_orders "
        "see their company's orders (an individual member their own). Guest orders are not "
        "listed. Staff: FORBIDDEN (they have the staff order list).",
    )
    async def my_orders(
        self, info: strawberry.Info, filter: OrderFilter | None = None
    ) -> Connection[OrderType]:
        actor = await info.context.actor()
        f = filter or OrderFilter()
        rows = queries.my_orders(
            actor,
            placed_from=f.placed_from,
            placed_to=f.placed_to,
            status=f.status,
            customer_status=f.customer_status,
            number=f.number,
        )
        language = info.context.language
        return Page(rows, lambda row: OrderType.of(row, language))  # type: ignore[return-value]


@strawberry.type
class OrderHistoryMutation:
    @mutation(
        permission_classes=[IsAuthenticated],
        description="「この注文商品をもう一度購入する」: the order's products (with the options "
        "still offered) go into the cart at each product's minimum quantity; the quantities, "
        "delivery address and payment method are not carried over (000 §6). Lines that "
        "cannot be sold now are listed in skippedLines and userErrors.",
    )
    async def reorder(self, info: strawberry.Info, input: ReorderInput) -> ReorderPayload:
        ctx = info.context
        result = await reorder.reorder(ctx.rt, await ctx.actor(), order_id_of(input.order_id))
        language = ctx.language
        return ReorderPayload(
            cart=Cart.of(result.cart, language),
            added_lines=[
                ReorderedLine(
                    position=a.position,
                    product_code=a.product_code,
                    name=a.name,
                    quantity=a.quantity,
                    dropped_options=list(a.dropped_options),
                )
                for a in result.added
            ],
            skipped_lines=[
                ReorderSkippedLine(
                    position=s.position,
                    product_code=s.product_code,
                    name=s.name,
                    errors=to_user_errors(list(s.problems), language),
                )
                for s in result.skipped
            ],
            user_errors=to_user_errors(result.problems(), language),
        )


@strawberry.type(description="The documents of an order (000 §6): what can be had, and issues.")
class OrderDocuments:
    order: OrderType
    documents: list[OrderDocumentEntry]


@strawberry.type
class OrderDocumentsQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="納品書, 請求書（簡易版）and 領収書 of an order the caller may see: "
        "available from shipment on, with signed download links.",
    )
    async def order_documents(
        self, info: strawberry.Info, order_id: strawberry.ID
    ) -> OrderDocuments:
        ctx = info.context
        found = await documents.order_documents(ctx.rt, await ctx.actor(), order_id_of(order_id))
        return OrderDocuments(
            order=OrderType.of(found.order, ctx.language),
            documents=[
                OrderDocumentEntry.of(e, found.order.id, ctx.language) for e in found.entries
            ],
        )


@strawberry.type
class OrderDocumentsMutation:
    @mutation(
        permission_classes=[IsAuthenticated],
        description="領収書 of a shipped card order, to the addressee and for the item "
        "description entered (each at most 60 characters). Issued again it keeps its "
        "number and is marked 再発行. Answers the receipt with a signed download link.",
    )
    async def issue_receipt(
        self, info: strawberry.Info, input: IssueReceiptInput
    ) -> IssueReceiptPayload:
        ctx = info.context
        row = await documents.issue_receipt(
            ctx.rt,
            await ctx.actor(),
            order_id_of(input.order_id),
            input.addressee,
            input.description,
        )
        return IssueReceiptPayload(receipt=IssuedOrderDocument.of(row))


__all__ = [
    "OrderDocumentsMutation",
    "OrderDocumentsQuery",
    "OrderHistoryMutation",
    "OrderHistoryQuery",
    "OrderType",
]
