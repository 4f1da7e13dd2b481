"""Money, consumption tax and the price breakdown of one document. Pure: no database.

Every document (cart, quote, order, contract, invoice) is priced here and only
here, so they all add up the same way. The conventions (docs/money.md):

- Integer yen only. Prices are tax-excluded at the source (the catalog stores
  them so); tax-included amounts are derived.
- Tax rates are data with the date each applies from (`TAX_RATES`): "the rate in
  force on the order date" is `tax_rate_percent(category, on)`.
- Tax is computed once per rate on that rate's base, the qualified-invoice rule
  (適格請求書: 一の適格請求書につき、税率ごとに1回の端数処理), with the store's
  rounding mode; never per line and summed. The per-line tax-included amounts
  are a display aid only: their sum may differ from the document's total by the
  rounding the rule removes (3 × ¥105 at 10 %: lines ¥115 ×3 = ¥345, total ¥346).
- A coupon discount is a price reduction (値引き): it lowers the taxable base.
  It is allocated across rates in proportion to the eligible lines' amounts, the
  rounding remainder going to the rate with the largest eligible amount.
- Points are a means of payment, not a discount: they leave the taxable base
  and the tax untouched and only lower the amount due (`amount_due`).
- Shipping is a standard-rate service: its base joins the standard rate's base.
- Nothing is ever negative: a coupon is capped at the eligible amount, points at
  the total.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache


class TaxRounding(StrEnum):
    FLOOR = "floor"  # 切り捨て: what most stores do, the default
    HALF_UP = "half_up"  # 四捨五入
    CEIL = "ceil"  # 切り上げ


class TaxCategory(StrEnum):
    """The same values as the catalog's tax category (api.catalog.models.TaxCategory)."""

    STANDARD = "standard"
    REDUCED = "reduced"


# (applies from, percent), oldest first. Before the reduced rate existed (2019-10-01)
# reduced-category goods were taxed at the standard rate of the day.
TAX_RATES: dict[TaxCategory, tuple[tuple[date, int], ...]] = {
    TaxCategory.STANDARD: (
        (date(1989, 4, 1), 3),
        (date(1997, 4, 1), 5),
        (date(2014, 4, 1), 8),
        (date(2019, 10, 1), 10),
    ),
    TaxCategory.REDUCED: (
        (date(1989, 4, 1), 3),
        (date(1997, 4, 1), 5),
        (date(2014, 4, 1), 8),
        (date(2019, 10, 1), 8),
    ),
}
# The reduced rate exists as its own rate (軽減税率, marked ※ on documents) from this day.
REDUCED_RATE_FROM = date(2019, 10, 1)
MAX_AMOUNT = 10**12  # a yen amount beyond this is an input error, not a sale


class MoneyError(ValueError):
    """An input no price can be computed for (negative amounts, unknown category)."""


# Enum lookups by value cost more than the arithmetic they guard: pricing a 50-line cart
# asks them thousands of times, so they are read from dicts.
_ROUNDINGS: dict[object, TaxRounding] = {
    **{m: m for m in TaxRounding},
    **{m.value: m for m in TaxRounding},
}
_CATEGORIES: dict[object, str] = {
    **{m: m.value for m in TaxCategory},
    **{m.value: m.value for m in TaxCategory},
}


def _rounding(rounding: TaxRounding | str) -> TaxRounding:
    found = _ROUNDINGS.get(rounding)
    return found if found is not None else TaxRounding(rounding)


def _category(category: TaxCategory | str) -> str:
    found = _CATEGORIES.get(category)
    return found if found is not None else TaxCategory(category).value


@lru_cache(maxsize=256)
def tax_rate_percent(category: TaxCategory | str, on: date) -> int:
    """The consumption-tax rate of a category in force on a date."""
    try:
        schedule = TAX_RATES[TaxCategory(category)]
    except ValueError as error:
        raise MoneyError(f"unknown tax category {category!r}") from error
    rate = None
    for start, percent in schedule:
        if start > on:
            break
        rate = percent
    if rate is None:
        raise MoneyError(f"no consumption tax before {schedule[0][0]}")
    return rate


@lru_cache(maxsize=256)
def is_reduced(category: TaxCategory | str, on: date) -> bool:
    """Whether a line is under the reduced rate (the ※ mark) on that date."""
    return TaxCategory(category) == TaxCategory.REDUCED and on >= REDUCED_RATE_FROM


def tax_on(base: int, rate_percent: int, rounding: TaxRounding | str = TaxRounding.FLOOR) -> int:
    """Tax on a tax-excluded amount, rounded once. Integer arithmetic only."""
    if base < 0:
        raise MoneyError("tax on a negative amount")
    product = base * rate_percent
    mode = _rounding(rounding)
    if mode == TaxRounding.FLOOR:
        return product // 100
    if mode == TaxRounding.CEIL:
        return -(-product // 100)
    return (product * 2 + 100) // 200  # half up


def including_tax(
    amount: int, rate_percent: int, rounding: TaxRounding | str = TaxRounding.FLOOR
) -> int:
    return amount + tax_on(amount, rate_percent, rounding)


def tax_inside(
    amount_incl: int, rate_percent: int, rounding: TaxRounding | str = TaxRounding.FLOOR
) -> int:
    """The tax contained in a tax-included amount (内税): amount × r / (100 + r), rounded."""
    if amount_incl < 0:
        raise MoneyError("tax on a negative amount")
    numerator, denominator = amount_incl * rate_percent, 100 + rate_percent
    mode = _rounding(rounding)
    if mode == TaxRounding.FLOOR:
        return numerator // denominator
    if mode == TaxRounding.CEIL:
        return -(-numerator // denominator)
    return (numerator * 2 + denominator) // (denominator * 2)


def excluding_tax(
    amount_incl: int, rate_percent: int, rounding: TaxRounding | str = TaxRounding.FLOOR
) -> int:
    return amount_incl - tax_inside(amount_incl, rate_percent, rounding)


def allocate(amount: int, weights: Sequence[int]) -> list[int]:
    """Split `amount` in proportion to `weights` (floors); the remainder goes to the largest
    weight (the first of equals). Σ result == amount whenever Σ weights > 0."""
    total = sum(weights)
    if amount < 0 or any(w < 0 for w in weights):
        raise MoneyError("allocation of a negative amount")
    if total == 0:
        if amount:
            raise MoneyError("allocation over nothing")
        return [0] * len(weights)
    shares = [amount * w // total for w in weights]
    largest = max(range(len(weights)), key=lambda i: (weights[i], -i))
    shares[largest] += amount - sum(shares)
    return shares


# ---- inputs ------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionCharge:
    """A chosen option's surcharge per unit, tax excluded."""

    code: str
    amount: int


@dataclass(frozen=True)
class LineInput:
    """One priced line: the product's unit price and its options' surcharges, tax excluded."""

    key: str
    unit_price: int
    quantity: int
    tax_category: TaxCategory | str
    options: tuple[OptionCharge, ...] = ()
    # Whether a coupon may reduce this line (set from the coupon's eligible products).
    coupon_eligible: bool = False


@dataclass(frozen=True)
class CouponInput:
    """A coupon's discount as the coupon rules computed it.

    `amount` is expressed in the store's display basis: tax-included when
    `tax_included` (a "¥500 off" coupon of a shop that shows tax-included prices
    takes ¥500 off what the customer pays), tax-excluded otherwise.
    """

    code: str
    amount: int
    tax_included: bool


@dataclass(frozen=True)
class ShippingInput:
    """One shipping charge (per shipping group), tax-included or not as configured."""

    key: str
    fee: int
    fee_includes_tax: bool
    free: bool = False
    goods_amount_incl: int = 0
    threshold: int | None = None


# ---- the breakdown -----------------------------------------------------------------------


@dataclass(frozen=True)
class LineAmounts:
    key: str
    unit_price: int  # the product alone, tax excluded
    options: tuple[OptionCharge, ...]
    unit_total: int  # product + options, per unit, tax excluded
    quantity: int
    amount: int  # unit_total × quantity, tax excluded
    amount_incl: int  # amount + this line's tax: display only, the document rounds per rate
    tax_category: str
    rate_percent: int
    reduced: bool  # the reduced-rate mark (※)


@dataclass(frozen=True)
class RateTotal:
    rate_percent: int
    reduced: bool
    goods: int  # Σ line amounts at this rate, tax excluded
    discount: int  # the coupon's share at this rate, tax excluded
    shipping: int  # shipping base at this rate (standard rate only)
    base: int  # goods − discount + shipping: what the tax is computed on
    tax: int  # computed once on `base`

    @property
    def base_incl(self) -> int:
        return self.base + self.tax


@dataclass(frozen=True)
class CouponAmounts:
    code: str
    amount: int  # tax excluded: the reduction of the taxable bases
    amount_incl: int  # what the discount is worth including its tax effect
    per_rate: tuple[tuple[int, int], ...]  # (rate percent, share tax excluded)


@dataclass(frozen=True)
class ShippingAmounts:
    key: str
    amount: int  # tax excluded
    amount_incl: int
    free: bool
    goods_amount_incl: int
    threshold: int | None


@dataclass(frozen=True)
class Breakdown:
    lines: tuple[LineAmounts, ...]
    coupon: CouponAmounts | None
    shipping: tuple[ShippingAmounts, ...]
    per_rate: tuple[RateTotal, ...]
    rounding: str
    subtotal: int  # Σ line amounts, tax excluded
    subtotal_incl: int  # Σ per rate (goods + its tax share): the goods amount tax included
    discount_total: int  # coupon, tax excluded
    shipping_total: int  # tax excluded
    shipping_total_incl: int
    tax_total: int  # Σ tax per rate
    total_excl: int  # Σ bases
    total: int  # Σ bases + Σ tax: the document total, tax included
    points: int  # points used (1 point = ¥1), a means of payment
    amount_due: int  # total − points

    def rate(self, percent: int) -> RateTotal | None:
        return next((r for r in self.per_rate if r.rate_percent == percent), None)


@dataclass
class _Rate:
    percent: int
    reduced: bool
    goods: int = 0
    eligible: int = 0
    discount: int = 0
    shipping: int = 0
    lines: list[int] = field(default_factory=list)


def _check(amount: int, what: str) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise MoneyError(f"{what} must be integer yen")
    if amount < 0 or amount > MAX_AMOUNT:
        raise MoneyError(f"{what} out of range: {amount}")


def line_amounts(
    line: LineInput, on: date, rounding: TaxRounding | str = TaxRounding.FLOOR
) -> LineAmounts:
    _check(line.unit_price, "unit price")
    for option in line.options:
        _check(option.amount, "option surcharge")
    if not isinstance(line.quantity, int) or not 0 < line.quantity <= 1_000_000:
        raise MoneyError(f"quantity out of range: {line.quantity}")
    unit_total = line.unit_price + sum(o.amount for o in line.options)
    amount = unit_total * line.quantity
    _check(amount, "line amount")
    rate = tax_rate_percent(line.tax_category, on)
    return LineAmounts(
        key=line.key,
        unit_price=line.unit_price,
        options=tuple(line.options),
        unit_total=unit_total,
        quantity=line.quantity,
        amount=amount,
        amount_incl=including_tax(amount, rate, rounding),
        tax_category=_category(line.tax_category),
        rate_percent=rate,
        reduced=is_reduced(line.tax_category, on),
    )


def compute(
    lines: Iterable[LineInput],
    *,
    on: date,
    rounding: TaxRounding | str = TaxRounding.FLOOR,
    coupon: CouponInput | None = None,
    shipping: Iterable[ShippingInput] = (),
    points: int = 0,
) -> Breakdown:
    """The breakdown of one document: lines, coupon, shipping, tax once per rate, total."""
    rounding = _rounding(rounding)
    priced = tuple(line_amounts(line, on, rounding) for line in lines)
    eligible = {line.key for line in lines if line.coupon_eligible}
    rates: dict[int, _Rate] = {}
    for line in priced:
        r = rates.setdefault(line.rate_percent, _Rate(line.rate_percent, line.reduced))
        r.goods += line.amount
        if line.key in eligible:
            r.eligible += line.amount

    coupon_amounts = _apply_coupon(coupon, rates, rounding) if coupon else None

    standard = tax_rate_percent(TaxCategory.STANDARD, on)
    shipped = []
    for charge in shipping:
        _check(charge.fee, "shipping fee")
        fee = 0 if charge.free else charge.fee
        excl = excluding_tax(fee, standard, rounding) if charge.fee_includes_tax else fee
        if excl:
            rates.setdefault(standard, _Rate(standard, False)).shipping += excl
        shipped.append(
            ShippingAmounts(
                key=charge.key,
                amount=excl,
                amount_incl=fee if charge.fee_includes_tax else including_tax(fee, standard),
                free=charge.free,
                goods_amount_incl=charge.goods_amount_incl,
                threshold=charge.threshold,
            )
        )

    per_rate = []
    for percent in sorted(rates, reverse=True):
        r = rates[percent]
        base = r.goods - r.discount + r.shipping
        per_rate.append(
            RateTotal(
                rate_percent=percent,
                reduced=r.reduced,
                goods=r.goods,
                discount=r.discount,
                shipping=r.shipping,
                base=base,
                tax=tax_on(base, percent, rounding),
            )
        )
    total_excl = sum(r.base for r in per_rate)
    tax_total = sum(r.tax for r in per_rate)
    total = total_excl + tax_total
    _check(points, "points")
    points = min(points, total)
    return Breakdown(
        lines=priced,
        coupon=coupon_amounts,
        shipping=tuple(shipped),
        per_rate=tuple(per_rate),
        rounding=rounding.value,
        subtotal=sum(line.amount for line in priced),
        subtotal_incl=sum(r.goods + tax_on(r.goods, r.percent, rounding) for r in rates.values()),
        discount_total=sum(r.discount for r in rates.values()),
        shipping_total=sum(s.amount for s in shipped),
        shipping_total_incl=sum(s.amount_incl for s in shipped),
        tax_total=tax_total,
        total_excl=total_excl,
        total=total,
        points=points,
        amount_due=total - points,
    )


def _apply_coupon(
    coupon: CouponInput, rates: dict[int, _Rate], rounding: TaxRounding
) -> CouponAmounts:
    _check(coupon.amount, "coupon amount")
    order = sorted(rates)
    if coupon.tax_included:
        weights = [rates[p].eligible + tax_on(rates[p].eligible, p, rounding) for p in order]
        wanted = min(coupon.amount, sum(weights))
        shares_incl = allocate(wanted, weights)
        # Each rate's tax-included share becomes a reduction of that rate's base.
        shares = [
            min(rates[p].eligible, excluding_tax(s, p, rounding))
            for p, s in zip(order, shares_incl, strict=True)
        ]
    else:
        weights = [rates[p].eligible for p in order]
        shares = allocate(min(coupon.amount, sum(weights)), weights)
    for p, share in zip(order, shares, strict=True):
        rates[p].discount = share
    return CouponAmounts(
        code=coupon.code,
        amount=sum(shares),
        amount_incl=sum(including_tax(s, p, rounding) for p, s in zip(order, shares, strict=True)),
        per_rate=tuple((p, s) for p, s in zip(order, shares, strict=True) if s),
    )
