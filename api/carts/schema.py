"""The cart in the schema: thin over api.carts.service.

Every mutation reads its input, calls one service function and answers the
priced cart; a `DomainError` becomes `userErrors` (api.graphql.mutations) and
the cart is left as it was. Guests pass their cart token as `cartToken` (input
field or argument) or the `X-Cart-Token` header; the answer that created a
guest cart carries the new token once.
"""

from __future__ import annotations

import strawberry

from api.carts import service
from api.carts.types import (
    AddCartLineInput,
    ApplyCouponInput,
    Cart,
    CartPayload,
    ClearCartInput,
    RemoveCartLineInput,
    RemoveCouponInput,
    SetCartDeliveryAddressInput,
    UpdateCartLineInput,
    UseCartPointsInput,
)
from api.errors import DomainError
from api.graphql.ids import int_id
from api.graphql.mutations import mutation

CART_TOKEN_HEADER = "x-cart-token"
MAX_KEY = 2**31 - 1  # database keys are 32-bit: a larger one names nothing


def _token(info: strawberry.Info, given: str | None) -> str | None:
    ctx = info.context
    if given is None and ctx.request is not None:
        given = ctx.request.headers.get(CART_TOKEN_HEADER)
    return given


def _key(value: str, type_name: str, field: str) -> int:
    key = int_id(value, type_name, field)
    if key > MAX_KEY:
        raise DomainError.of("NOT_FOUND", field)
    return key


def _keys(values: list[strawberry.ID], type_name: str, field: str) -> list[int]:
    return [_key(v, type_name, field) for v in values]


def _payload(info: strawberry.Info, result: service.CartResult) -> CartPayload:
    return CartPayload(cart=Cart.of(result.cart, info.context.language), cart_token=result.token)


@strawberry.type
class CartsQuery:
    @strawberry.field(
        description="The caller's cart priced now. Guests pass their cart token "
        "(argument or X-Cart-Token header); a member passing a guest token merges that cart."
    )
    async def cart(self, info: strawberry.Info, cart_token: str | None = None) -> Cart:
        ctx = info.context
        priced = await service.get_cart(await ctx.actor(), ctx.rt, _token(info, cart_token))
        return Cart.of(priced, ctx.language)


@strawberry.type
class CartsMutation:
    @mutation(
        description="Put a product into the cart with its options, quantity, desired date and "
        "delivery time slot; the same choice again adds to that line. A guest's first line "
        "creates the cart and answers its cartToken (where the store sells to guests)."
    )
    async def add_cart_line(self, info: strawberry.Info, input: AddCartLineInput) -> CartPayload:
        ctx = info.context
        result = await service.add_line(
            await ctx.actor(),
            ctx.rt,
            token=_token(info, input.cart_token),
            product_id=_key(input.product_id, "Product", "productId"),
            option_ids=_keys(input.option_ids, "ProductOption", "optionIds"),
            quantity=input.quantity,
            desired_date=input.desired_date,
            time_slot=input.time_slot,
        )
        return _payload(info, result)

    @mutation(
        description="Change a line's quantity, options, desired date or time slot. Omitted "
        "fields stay as they are; null clears the date or the slot."
    )
    async def update_cart_line(
        self, info: strawberry.Info, input: UpdateCartLineInput
    ) -> CartPayload:
        ctx = info.context
        changes: dict[str, object] = {}
        if input.quantity is not None and input.quantity is not strawberry.UNSET:
            changes["quantity"] = input.quantity
        if input.option_ids is not None and input.option_ids is not strawberry.UNSET:
            changes["option_ids"] = _keys(input.option_ids, "ProductOption", "optionIds")
        if input.desired_date is not strawberry.UNSET:
            changes["desired_date"] = input.desired_date
        if input.time_slot is not strawberry.UNSET:
            changes["time_slot"] = input.time_slot
        result = await service.update_line(
            await ctx.actor(),
            ctx.rt,
            token=_token(info, input.cart_token),
            line_id=_key(input.line_id, "CartLine", "lineId"),
            **changes,  # type: ignore[arg-type]
        )
        return _payload(info, result)

    @mutation(description="Take a line out of the cart.")
    async def remove_cart_line(
        self, info: strawberry.Info, input: RemoveCartLineInput
    ) -> CartPayload:
        ctx = info.context
        result = await service.remove_line(
            await ctx.actor(),
            ctx.rt,
            token=_token(info, input.cart_token),
            line_id=_key(input.line_id, "CartLine", "lineId"),
        )
        return _payload(info, result)

    @mutation(description="Empty the cart: lines, delivery address, coupon and points.")
    async def clear_cart(
        self, info: strawberry.Info, input: ClearCartInput | None = None
    ) -> CartPayload:
        ctx = info.context
        token = _token(info, input.cart_token if input else None)
        result = await service.clear_cart(await ctx.actor(), ctx.rt, token=token)
        return _payload(info, result)

    @mutation(
        description="Members: deliver to an entry of the address book (addresses in Japan "
        "only); null clears it. Guests give their address at checkout."
    )
    async def set_cart_delivery_address(
        self, info: strawberry.Info, input: SetCartDeliveryAddressInput
    ) -> CartPayload:
        ctx = info.context
        address_id = _key(input.address_id, "Address", "addressId") if input.address_id else None
        result = await service.set_delivery_address(
            await ctx.actor(),
            ctx.rt,
            token=_token(info, input.cart_token),
            address_id=address_id,
        )
        return _payload(info, result)

    @mutation(
        description="Apply a web coupon to the cart (one per cart; another replaces it). A "
        "refusal says why: COUPON_NOT_FOUND, COUPON_NOT_YET_VALID, COUPON_EXPIRED, "
        "COUPON_USED_UP, COUPON_ALREADY_USED, COUPON_NOT_APPLICABLE, COUPON_MEMBERS_ONLY, "
        "COUPON_BELOW_MINIMUM."
    )
    async def apply_coupon(self, info: strawberry.Info, input: ApplyCouponInput) -> CartPayload:
        ctx = info.context
        result = await service.apply_coupon(
            await ctx.actor(), ctx.rt, token=_token(info, input.cart_token), code=input.code
        )
        return _payload(info, result)

    @mutation(description="Take the coupon off the cart.")
    async def remove_coupon(
        self, info: strawberry.Info, input: RemoveCouponInput | None = None
    ) -> CartPayload:
        ctx = info.context
        token = _token(info, input.cart_token if input else None)
        result = await service.remove_coupon(await ctx.actor(), ctx.rt, token=token)
        return _payload(info, result)

    @mutation(
        description="Members: use points on the cart, any whole number up to the balance "
        "(POINTS_EXCEED_BALANCE) and up to the total (POINTS_EXCEED_TOTAL); 0 uses none. "
        "Guests cannot (POINTS_MEMBERS_ONLY)."
    )
    async def use_cart_points(
        self, info: strawberry.Info, input: UseCartPointsInput
    ) -> CartPayload:
        ctx = info.context
        result = await service.use_points(
            await ctx.actor(), ctx.rt, token=_token(info, input.cart_token), points=input.points
        )
        return _payload(info, result)
