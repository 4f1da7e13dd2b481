"""Quotes in the schema: thin over api.quotes.service and api.quotes.queries.

Members create quotes from their cart and list and read their company's quotes;
staff see all. The PDF is downloaded from a signed link (`Quote.pdf`).
"""

from __future__ import annotations

import strawberry

from api.errors import DomainError
from api.graphql.connections import Page, connection
from api.graphql.ids import from_global_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import IsAuthenticated
from api.quotes import queries, service
from api.quotes.types import (
    CancelQuoteInput,
    CreateQuoteFromCartInput,
    QuoteFilter,
    QuotePayload,
    QuoteType,
)


def _quote_id(value: str, field: str = "quoteId") -> int:
    key = queries.quote_key(from_global_id(value, "Quote", field))
    if key is None:
        raise DomainError.of("NOT_FOUND", field)
    return key


@strawberry.type(description="A payment method a quote may name.")
class QuotePaymentMethodOption:
    code: str
    name: str


@strawberry.type(description="How this store issues quotes.")
class QuoteOptions:
    enabled: bool
    validity_days: int = strawberry.field(
        description="A quote issued today is valid through today + this many days (Tokyo)."
    )
    payment_methods: list[QuotePaymentMethodOption]


@strawberry.type
class QuotesQuery:
    @connection(
        permission_classes=[IsAuthenticated],
        description="Quotes newest first: staff see all; members their company's "
        "(view_quotes) or, without it, their own.",
    )
    async def quotes(
        self, info: strawberry.Info, filter: QuoteFilter | None = None
    ) -> Connection[QuoteType]:
        actor = await info.context.actor()
        rows = queries.quotes(
            actor,
            status=filter.status if filter else None,
            number=filter.number if filter else None,
        )
        return Page(rows, QuoteType.of)  # type: ignore[return-value]

    @strawberry.field(description="Whether this store issues quotes, for how long, paid how.")
    def quote_options(self, info: strawberry.Info) -> QuoteOptions:
        policy = info.context.rt.policy
        en = info.context.language == "en"
        return QuoteOptions(
            enabled=policy.quotes.enabled,
            validity_days=policy.quotes.validity_days,
            payment_methods=[
                QuotePaymentMethodOption(
                    code=m.code, name=m.name_en if en and m.name_en else m.name
                )
                for m in policy.payment_methods
            ],
        )


@strawberry.type
class QuotesMutation:
    @mutation(
        permission_classes=[IsAuthenticated],
        description="Members (request_quotes): the cart as it is priced now, with its delivery "
        "address, coupon and points, becomes a numbered quote valid for the store's "
        "validity days. The cart is left as it is.",
    )
    async def create_quote_from_cart(
        self, info: strawberry.Info, input: CreateQuoteFromCartInput
    ) -> QuotePayload:
        ctx = info.context
        request = service.QuoteRequest(
            payment_method=input.payment_method,
            comment=input.comment,
            idempotency_key=input.idempotency_key,
        )
        quote = await service.create_quote_from_cart(ctx.rt, await ctx.actor(), request)
        return QuotePayload(quote=QuoteType.of(quote))

    @mutation(
        permission_classes=[IsAuthenticated],
        description="Withdraw a valid quote: members with request_quotes, staff with "
        "process_orders.",
    )
    async def cancel_quote(self, info: strawberry.Info, input: CancelQuoteInput) -> QuotePayload:
        quote_id = _quote_id(input.quote_id)
        quote = await service.cancel_quote(await info.context.actor(), quote_id, input.reason)
        return QuotePayload(quote=QuoteType.of(quote))


__all__ = ["QuoteType", "QuotesMutation", "QuotesQuery"]
