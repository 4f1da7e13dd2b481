"""The cart in the schema: thin over api.carts.service."""

from __future__ import annotations

import strawberry

from api.carts import service
from api.carts.types import Cart

CART_TOKEN_HEADER = "x-cart-token"


@strawberry.type
class CartsQuery:
    @strawberry.field(
        description="The caller's cart priced now. Guests pass their cart token "
        "(argument or X-Cart-Token header); a member passing a guest token merges that cart."
    )
    async def cart(self, info: strawberry.Info, cart_token: str | None = None) -> Cart:
        ctx = info.context
        if cart_token is None and ctx.request is not None:
            cart_token = ctx.request.headers.get(CART_TOKEN_HEADER)
        priced = await service.get_cart(ctx.caller, ctx.rt, cart_token)
        return Cart.of(priced, ctx.language)
