"""A cart priced from the catalog: the snapshot quotes and orders copy. Pure: no database.

`price_cart` takes the cart's lines, the catalog rows they point at (loaded by
`api.carts.queries` in a fixed number of statements), the store policy, the
day, an evaluated coupon and the points asked for, and returns a `PricedCart`:
plain frozen dataclasses holding everything a document needs to copy (names in
both languages, unit prices, options, tax category and rate, quantities, dates,
address, coupon, points, shipping and the `api.money.Breakdown`).

Lines are checked again on every pricing. A line whose product is no longer
sold is kept and flagged (`available=False`, problem PRODUCT_UNAVAILABLE) and
left out of the totals; a line whose options, quantity or date no longer fit
the catalog's rules is priced and flagged. A cart with a flagged line is not
`purchasable`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from api import money
from api.calendar.service import BusinessCalendar
from api.catalog.selection import check_choice
from api.errors import Problem
from api.money import Breakdown, CouponInput, LineInput, OptionCharge
from api.stores.policy import Policy, TaxDisplay
from api.stores.shipping import ShippableLine, shipping_charges

# ---- what pricing reads ------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogOption:
    id: int
    group_id: int
    code: str
    name: str
    name_en: str
    price: int  # tax excluded, per unit
    lead_time_days: int
    requires: tuple[str, ...] = ()
    excludes: tuple[str, ...] = ()


@dataclass(frozen=True)
class CatalogGroup:
    id: int
    name: str
    name_en: str
    min_select: int
    max_select: int | None


@dataclass(frozen=True)
class CatalogProduct:
    """A product as pricing needs it; `visible` is the catalog's rule for customers now."""

    id: int
    code: str
    name: str
    name_en: str
    kind: str
    plan: str | None
    tax_category: str
    price: int  # tax excluded
    visible: bool
    min_quantity: int
    max_quantity: int | None
    quantity_step: int
    fixed_quantity: int | None
    lead_time_days: int
    shipping_class: str
    maker_name: str | None = None
    groups: tuple[CatalogGroup, ...] = ()
    options: tuple[CatalogOption, ...] = ()


@dataclass(frozen=True)
class CartItem:
    """A cart line as stored."""

    id: int
    product_id: int
    option_ids: tuple[int, ...]
    quantity: int
    desired_date: date | None = None
    time_slot: str | None = None


@dataclass(frozen=True)
class AddressSnapshot:
    id: int
    label: str
    recipient_name: str
    recipient_name_kana: str
    company_name: str
    department: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str
    phone: str


@dataclass(frozen=True)
class EvaluatedCoupon:
    """A coupon as the coupon rules accepted it for these lines (api.coupons.service)."""

    coupon_id: int
    code: str
    amount: int  # in the store's display basis (tax included when the store shows so)
    eligible_product_ids: frozenset[int]


# ---- the snapshot ------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedOption:
    id: int
    code: str
    name: str
    name_en: str
    group_name: str
    group_name_en: str
    price: int  # tax excluded, per unit
    price_incl: int  # display only (per unit, rounded with the store's mode)


@dataclass(frozen=True)
class PricedLine:
    id: int
    product_id: int
    product_code: str
    name: str
    name_en: str
    kind: str
    plan: str | None
    options: tuple[PricedOption, ...]
    quantity: int
    unit_price: int  # the product alone, tax excluded
    unit_total: int  # product + options, tax excluded
    amount: int  # unit_total × quantity, tax excluded (0 when unavailable)
    amount_incl: int  # display only: the document rounds tax per rate
    tax_category: str
    tax_rate_percent: int
    reduced: bool
    desired_date: date | None
    earliest_date: date | None
    time_slot: str | None
    shipping_class: str
    maker_name: str | None
    available: bool
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True)
class PricedCoupon:
    coupon_id: int | None
    code: str
    applied: bool
    amount: int  # tax excluded reduction of the taxable bases (0 when not applied)
    amount_incl: int
    problem: Problem | None = None
    # The discount the coupon rules computed (store display basis): what an order
    # passes to api.coupons.service.redeem_coupon as `amount`.
    evaluated: int = 0


@dataclass(frozen=True)
class PricedPoints:
    requested: int
    used: int  # what the breakdown takes (0 when refused)
    balance: int | None  # the member's balance when read; None for guests
    expires_on: date | None = None
    problem: Problem | None = None


@dataclass(frozen=True)
class PricedCart:
    cart_id: int | None
    user_id: int | None
    company_id: int | None
    guest: bool
    priced_at: datetime
    priced_on: date  # the Tokyo date whose tax rates apply
    tax_display: str  # "included" or "excluded": what the store shows first
    lines: tuple[PricedLine, ...]
    address: AddressSnapshot | None
    coupon: PricedCoupon | None
    points: PricedPoints | None
    breakdown: Breakdown
    problems: tuple[Problem, ...] = field(default=())  # cart-level (no address yet, …)

    @property
    def purchasable(self) -> bool:
        return bool(self.lines) and all(line.available and not line.problems for line in self.lines)

    @property
    def needs_shipping(self) -> bool:
        return any(line.shipping_class != "none" for line in self.lines if line.available)


# ---- pricing -----------------------------------------------------------------------------


def _field(problem: Problem, prefix: tuple[str, ...]) -> Problem:
    return Problem(problem.code, prefix + (problem.field or ()), problem.params)


def check_item(
    product: CatalogProduct | None,
    item: CartItem,
    *,
    calendar: BusinessCalendar,
    today: date,
    time_slots: frozenset[str] | set[str],
) -> tuple[list[Problem], date | None]:
    """What is wrong with a line against the catalog now, and its earliest allowed date."""
    if product is None or not product.visible:
        return [Problem("PRODUCT_UNAVAILABLE", ("productId",))], None
    # The catalog's own rule set (options, quantity, lead time, desired date), then the
    # cart's delivery time slot.
    problems, earliest = check_choice(
        product,
        item.option_ids,
        quantity=item.quantity,
        desired_date=item.desired_date,
        calendar=calendar,
        today=today,
    )
    if item.time_slot is not None and item.time_slot not in time_slots:
        problems.append(Problem("UNKNOWN_TIME_SLOT", ("timeSlot",), {"slot": item.time_slot}))
    if item.time_slot is not None and product.shipping_class == "none":
        problems.append(Problem("TIME_SLOT_NOT_ALLOWED", ("timeSlot",)))
    return problems, earliest


def _slot_codes(policy: Policy) -> frozenset[str]:
    return frozenset(s.code for s in policy.delivery_time_slots)


class _RememberingCalendar(BusinessCalendar):
    """The store's calendar for one pricing: each day and lead time is worked out once
    (fifty lines with the same lead time ask the same question fifty times)."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self.closures = calendar.closures
        self._days: dict[date, bool] = {}
        self._added: dict[tuple[date, int], date] = {}

    def is_business_day(self, day: date) -> bool:
        known = self._days.get(day)
        if known is None:
            known = self._days[day] = super().is_business_day(day)
        return known

    def add_business_days(self, day: date, n: int) -> date:
        key = (day, n)
        found = self._added.get(key)
        if found is None:
            found = self._added[key] = super().add_business_days(day, n)
        return found


def price_line(
    product: CatalogProduct | None,
    item: CartItem,
    *,
    on: date,
    policy: Policy,
    calendar: BusinessCalendar,
    today: date,
    time_slots: frozenset[str] | None = None,
) -> PricedLine:
    problems, earliest = check_item(
        product,
        item,
        calendar=calendar,
        today=today,
        time_slots=_slot_codes(policy) if time_slots is None else time_slots,
    )
    rounding = policy.tax_rounding
    if product is None:
        return PricedLine(
            id=item.id,
            product_id=item.product_id,
            product_code="",
            name="",
            name_en="",
            kind="physical",
            plan=None,
            options=(),
            quantity=item.quantity,
            unit_price=0,
            unit_total=0,
            amount=0,
            amount_incl=0,
            tax_category="standard",
            tax_rate_percent=money.tax_rate_percent("standard", on),
            reduced=False,
            desired_date=item.desired_date,
            earliest_date=None,
            time_slot=item.time_slot,
            shipping_class="none",
            maker_name=None,
            available=False,
            problems=tuple(problems),
        )
    rate = money.tax_rate_percent(product.tax_category, on)
    groups = {g.id: g for g in product.groups}
    by_id = {o.id: o for o in product.options}
    options = tuple(
        PricedOption(
            id=o.id,
            code=o.code,
            name=o.name,
            name_en=o.name_en,
            group_name=groups[o.group_id].name if o.group_id in groups else "",
            group_name_en=groups[o.group_id].name_en if o.group_id in groups else "",
            price=o.price,
            price_incl=money.including_tax(o.price, rate, rounding),
        )
        for o in (by_id[i] for i in dict.fromkeys(item.option_ids) if i in by_id)
    )
    unit_total = product.price + sum(o.price for o in options)
    available = product.visible
    amount = unit_total * item.quantity if available else 0
    return PricedLine(
        id=item.id,
        product_id=product.id,
        product_code=product.code,
        name=product.name,
        name_en=product.name_en,
        kind=product.kind,
        plan=product.plan,
        options=options,
        quantity=item.quantity,
        unit_price=product.price,
        unit_total=unit_total,
        amount=amount,
        amount_incl=money.including_tax(amount, rate, rounding),
        tax_category=product.tax_category,
        tax_rate_percent=rate,
        reduced=money.is_reduced(product.tax_category, on),
        desired_date=item.desired_date,
        earliest_date=earliest,
        time_slot=item.time_slot,
        shipping_class=product.shipping_class,
        maker_name=product.maker_name,
        available=available,
        problems=tuple(problems),
    )


@dataclass(frozen=True)
class CouponLineAmounts:
    """What the coupon rules see of one line (api.coupons.service.CouponLine's values)."""

    product_id: int
    amount_incl_tax: int
    amount_excl_tax: int


def coupon_lines(lines: Sequence[PricedLine]) -> list[CouponLineAmounts]:
    """The lines a coupon may apply to: those that are sold now."""
    return [
        CouponLineAmounts(line.product_id, line.amount_incl, line.amount)
        for line in lines
        if line.available
    ]


def price_lines(
    items: Sequence[CartItem],
    products: Mapping[int, CatalogProduct],
    *,
    on: date,
    policy: Policy,
    calendar: BusinessCalendar,
    today: date,
) -> tuple[PricedLine, ...]:
    remembering = _RememberingCalendar(calendar) if calendar is not None else calendar
    slots = _slot_codes(policy)
    return tuple(
        price_line(
            products.get(item.product_id),
            item,
            on=on,
            policy=policy,
            calendar=remembering,
            today=today,
            time_slots=slots,
        )
        for item in items
    )


def price_cart(
    lines: Sequence[PricedLine],
    *,
    policy: Policy,
    on: date,
    priced_at: datetime,
    cart_id: int | None = None,
    user_id: int | None = None,
    company_id: int | None = None,
    address: AddressSnapshot | None = None,
    coupon: EvaluatedCoupon | None = None,
    coupon_code: str | None = None,
    coupon_problem: Problem | None = None,
    points: PricedPoints | None = None,
    problems: Sequence[Problem] = (),
) -> PricedCart:
    """The cart's breakdown from priced lines, an evaluated coupon and the points allowed.

    `coupon` is the coupon the coupon rules accepted for these lines; a coupon
    code they refused comes as `coupon_code` with `coupon_problem` and is shown,
    not applied. `points.used` is what the points rules allowed.
    """
    rounding = policy.tax_rounding
    sold = [line for line in lines if line.available]
    eligible = coupon.eligible_product_ids if coupon else frozenset()
    inputs = [
        LineInput(
            key=str(line.id),
            unit_price=line.unit_price,
            quantity=line.quantity,
            tax_category=line.tax_category,
            options=tuple(OptionCharge(o.code, o.price) for o in line.options),
            coupon_eligible=line.product_id in eligible,
        )
        for line in sold
    ]
    shipping = shipping_charges(
        policy.shipping,
        [
            ShippableLine(line.shipping_class, line.maker_name, line.amount, line.tax_rate_percent)
            for line in sold
        ],
        rounding,
    )
    tax_included = policy.tax_display == TaxDisplay.INCLUDED
    breakdown = money.compute(
        inputs,
        on=on,
        rounding=rounding,
        coupon=CouponInput(coupon.code, coupon.amount, tax_included) if coupon else None,
        shipping=shipping,
        points=points.used if points else 0,
    )
    priced_coupon = None
    if coupon is not None and breakdown.coupon is not None:
        priced_coupon = PricedCoupon(
            coupon_id=coupon.coupon_id,
            code=coupon.code,
            applied=True,
            amount=breakdown.coupon.amount,
            amount_incl=breakdown.coupon.amount_incl,
            evaluated=coupon.amount,
        )
    elif coupon_code is not None:
        priced_coupon = PricedCoupon(
            coupon_id=None,
            code=coupon_code,
            applied=False,
            amount=0,
            amount_incl=0,
            problem=coupon_problem,
        )
    if points is not None and points.used != breakdown.points:
        points = PricedPoints(
            points.requested, breakdown.points, points.balance, points.expires_on, points.problem
        )
    return PricedCart(
        cart_id=cart_id,
        user_id=user_id,
        company_id=company_id,
        guest=user_id is None,
        priced_at=priced_at,
        priced_on=on,
        tax_display=policy.tax_display.value,
        lines=tuple(lines),
        address=address,
        coupon=priced_coupon,
        points=points,
        breakdown=breakdown,
        problems=tuple(problems),
    )
