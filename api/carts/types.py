"""Strawberry types of the cart: the priced snapshot as the SPA renders it."""

from __future__ import annotations

from datetime import date

import strawberry

from api.carts.pricing import PricedCart, PricedLine
from api.errors import Problem
from api.graphql.errors import UserError, to_user_errors
from api.graphql.ids import to_global_id
from api.graphql.money import Money
from api.money import Breakdown


def _yen(amount: int) -> Money:
    return Money(amount=amount)


@strawberry.type(description="A chosen option of a cart line, its surcharge per unit.")
class CartLineOption:
    id: strawberry.ID
    code: str
    name: str
    group_name: str
    price: Money = strawberry.field(description="Per unit, tax excluded.")
    price_including_tax: Money


@strawberry.type(description="A cart line: what was chosen and whether it can be bought now.")
class CartLine:
    id: strawberry.ID
    product_id: strawberry.ID
    product_code: str
    name: str
    options: list[CartLineOption]
    quantity: int
    desired_date: date | None
    earliest_date: date | None
    time_slot: str | None
    available: bool = strawberry.field(description="False when the product is no longer sold.")
    problems: list[UserError] = strawberry.field(
        description="What to fix before this line can be bought (coded, with params)."
    )


@strawberry.type(description="One line's amounts in both tax displays.")
class PriceLine:
    line_id: strawberry.ID
    unit_price: Money = strawberry.field(description="The product alone, tax excluded.")
    unit_total: Money = strawberry.field(description="Product and options, tax excluded.")
    quantity: int
    amount: Money = strawberry.field(description="Tax excluded.")
    amount_including_tax: Money = strawberry.field(
        description="Display aid rounded per line; the totals round tax once per rate."
    )
    tax_category: str
    tax_rate_percent: int
    reduced_rate: bool = strawberry.field(description="The reduced-rate mark (※).")


@strawberry.type(description="A discount: the coupon lowers the taxable base.")
class PriceDiscount:
    kind: str
    code: str
    amount: Money = strawberry.field(description="Tax excluded.")
    amount_including_tax: Money


@strawberry.type(description="One shipping group's charge.")
class ShippingCharge:
    group: str
    amount: Money = strawberry.field(description="Tax excluded.")
    amount_including_tax: Money
    free: bool
    goods_amount_including_tax: Money
    free_threshold: Money | None


@strawberry.type(description="Base and tax of one rate, tax computed once on the base.")
class RateTotal:
    rate: int
    reduced: bool
    base: Money
    tax: Money


@strawberry.type(description="Everything the customer pays, in both tax displays (docs/money.md).")
class PriceBreakdown:
    tax_included: bool = strawberry.field(description="Whether the store shows tax-included first.")
    lines: list[PriceLine]
    discounts: list[PriceDiscount]
    shipping: list[ShippingCharge]
    per_rate: list[RateTotal]
    subtotal: Money = strawberry.field(description="Σ line amounts, tax excluded.")
    subtotal_including_tax: Money
    shipping_total: Money
    shipping_total_including_tax: Money
    tax_total: Money
    total_excluding_tax: Money
    total: Money = strawberry.field(description="Tax included.")
    points: int = strawberry.field(description="Points used as payment (1 point = ¥1).")
    amount_due: Money = strawberry.field(description="Total less points.")

    @classmethod
    def of(cls, b: Breakdown, tax_included: bool) -> PriceBreakdown:
        discounts = []
        if b.coupon is not None and b.coupon.amount:
            discounts.append(
                PriceDiscount(
                    kind="COUPON",
                    code=b.coupon.code,
                    amount=_yen(b.coupon.amount),
                    amount_including_tax=_yen(b.coupon.amount_incl),
                )
            )
        return cls(
            tax_included=tax_included,
            lines=[
                PriceLine(
                    line_id=to_global_id("CartLine", line.key),
                    unit_price=_yen(line.unit_price),
                    unit_total=_yen(line.unit_total),
                    quantity=line.quantity,
                    amount=_yen(line.amount),
                    amount_including_tax=_yen(line.amount_incl),
                    tax_category=line.tax_category.upper(),
                    tax_rate_percent=line.rate_percent,
                    reduced_rate=line.reduced,
                )
                for line in b.lines
            ],
            discounts=discounts,
            shipping=[
                ShippingCharge(
                    group=s.key,
                    amount=_yen(s.amount),
                    amount_including_tax=_yen(s.amount_incl),
                    free=s.free,
                    goods_amount_including_tax=_yen(s.goods_amount_incl),
                    free_threshold=_yen(s.threshold) if s.threshold is not None else None,
                )
                for s in b.shipping
            ],
            per_rate=[
                RateTotal(
                    rate=r.rate_percent, reduced=r.reduced, base=_yen(r.base), tax=_yen(r.tax)
                )
                for r in b.per_rate
            ],
            subtotal=_yen(b.subtotal),
            subtotal_including_tax=_yen(b.subtotal_incl),
            shipping_total=_yen(b.shipping_total),
            shipping_total_including_tax=_yen(b.shipping_total_incl),
            tax_total=_yen(b.tax_total),
            total_excluding_tax=_yen(b.total_excl),
            total=_yen(b.total),
            points=b.points,
            amount_due=_yen(b.amount_due),
        )


def _line(line: PricedLine, en: bool, language: str) -> CartLine:
    return CartLine(
        id=to_global_id("CartLine", line.id),
        product_id=to_global_id("Product", line.product_id),
        product_code=line.product_code,
        name=(line.name_en if en and line.name_en else line.name),
        options=[
            CartLineOption(
                id=to_global_id("ProductOption", o.id),
                code=o.code,
                name=o.name_en if en and o.name_en else o.name,
                group_name=o.group_name_en if en and o.group_name_en else o.group_name,
                price=_yen(o.price),
                price_including_tax=_yen(o.price_incl),
            )
            for o in line.options
        ],
        quantity=line.quantity,
        desired_date=line.desired_date,
        earliest_date=line.earliest_date,
        time_slot=line.time_slot,
        available=line.available,
        problems=to_user_errors(list(line.problems), language),
    )


@strawberry.type(description="The cart's coupon: applied, or kept and shown refused.")
class CartCoupon:
    code: str
    applied: bool = strawberry.field(
        description="False when the coupon no longer applies (expired, used up, lines "
        "removed …): `problem` says why; it is left out of the totals."
    )
    amount: Money = strawberry.field(description="The reduction of the taxable base.")
    amount_including_tax: Money
    problem: UserError | None


@strawberry.type(description="Points used on the cart (1 point = ¥1); members only.")
class CartPoints:
    requested: int = strawberry.field(description="What the member asked to use.")
    used: int = strawberry.field(
        description="What the breakdown takes: at most the balance and the total."
    )
    balance: int = strawberry.field(description="The member's balance now.")
    expires_on: date | None = strawberry.field(description="When the balance expires.")
    problem: UserError | None


@strawberry.type(description="The caller's cart, priced from the catalog on every read.")
class Cart:
    guest: bool
    lines: list[CartLine]
    delivery_address_id: strawberry.ID | None
    coupon: CartCoupon | None
    points: CartPoints | None
    purchasable: bool = strawberry.field(description="False while any line is flagged.")
    breakdown: PriceBreakdown

    @classmethod
    def of(cls, cart: PricedCart, language: str) -> Cart:
        en = language == "en"
        return cls(
            guest=cart.guest,
            lines=[_line(line, en, language) for line in cart.lines],
            delivery_address_id=(
                to_global_id("Address", cart.address.id) if cart.address else None
            ),
            coupon=_coupon(cart, language),
            points=_points(cart, language),
            purchasable=cart.purchasable,
            breakdown=PriceBreakdown.of(cart.breakdown, cart.tax_display == "included"),
        )


def _problem(problem: Problem | None, language: str) -> UserError | None:
    return to_user_errors([problem], language)[0] if problem else None


def _coupon(cart: PricedCart, language: str) -> CartCoupon | None:
    c = cart.coupon
    if c is None:
        return None
    return CartCoupon(
        code=c.code,
        applied=c.applied,
        amount=_yen(c.amount),
        amount_including_tax=_yen(c.amount_incl),
        problem=_problem(c.problem, language),
    )


def _points(cart: PricedCart, language: str) -> CartPoints | None:
    p = cart.points
    if p is None:
        return None
    return CartPoints(
        requested=p.requested,
        used=p.used,
        balance=p.balance or 0,
        expires_on=p.expires_on,
        problem=_problem(p.problem, language),
    )


# ---- inputs and payloads ---------------------------------------------------------------

CART_TOKEN_DESCRIPTION = (
    "A guest's cart token (or send the X-Cart-Token header); members need none, "
    "and a member passing one merges that guest cart."
)


@strawberry.input(description="A product to put into the cart, as chosen.")
class AddCartLineInput:
    product_id: strawberry.ID
    option_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="The chosen options (the product's option rules)."
    )
    quantity: int = 1
    desired_date: date | None = strawberry.field(
        default=None,
        description="Desired start (services) or delivery date: on or after the line's "
        "earliestDate, a business day, at most 365 days ahead.",
    )
    time_slot: str | None = strawberry.field(
        default=None, description="A code of the store's deliveryTimeSlots (store query)."
    )
    cart_token: str | None = strawberry.field(default=None, description=CART_TOKEN_DESCRIPTION)


@strawberry.input(description="What to change on a line; omitted fields stay as they are.")
class UpdateCartLineInput:
    line_id: strawberry.ID
    quantity: int | None = strawberry.UNSET
    option_ids: list[strawberry.ID] | None = strawberry.UNSET
    desired_date: date | None = strawberry.field(
        default=strawberry.UNSET, description="null clears the date."
    )
    time_slot: str | None = strawberry.field(
        default=strawberry.UNSET, description="null clears the slot."
    )
    cart_token: str | None = strawberry.field(default=None, description=CART_TOKEN_DESCRIPTION)


@strawberry.input
class RemoveCartLineInput:
    line_id: strawberry.ID
    cart_token: str | None = strawberry.field(default=None, description=CART_TOKEN_DESCRIPTION)


@strawberry.input
class ClearCartInput:
    cart_token: str | None = strawberry.field(default=None, description=CART_TOKEN_DESCRIPTION)


@strawberry.input
class SetCartDeliveryAddressInput:
    address_id: strawberry.ID | None = strawberry.field(
        description="An entry of the member's address book; null clears it."
    )
    cart_token: str | None = strawberry.field(default=None, description=CART_TOKEN_DESCRIPTION)


@strawberry.type(description="The cart after a change, priced now.")
class CartPayload:
    cart: Cart | None = None
    cart_token: str | None = strawberry.field(
        default=None,
        description="Only in the answer that created a guest cart: keep it, it is shown once.",
    )
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="A web coupon code for the cart (case- and width-insensitive).")
class ApplyCouponInput:
    code: str
    cart_token: str | None = strawberry.field(default=None, description=CART_TOKEN_DESCRIPTION)


@strawberry.input
class RemoveCouponInput:
    cart_token: str | None = strawberry.field(default=None, description=CART_TOKEN_DESCRIPTION)


@strawberry.input(description="Points to use on the cart (1 point = ¥1); 0 uses none.")
class UseCartPointsInput:
    points: int
    cart_token: str | None = strawberry.field(default=None, description=CART_TOKEN_DESCRIPTION)
