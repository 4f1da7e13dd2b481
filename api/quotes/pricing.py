"""A quote's money, kept as issued and re-rated for the order date. Pure: no database.

The breakdown is stored as JSON exactly as `api.money.compute` returned it at issue
(documents are never re-priced). Ordering from the quote uses the same amounts; only
the consumption-tax rate is the one in force on the order date (seed 000 §3: 消費税に
つきましては、ご注文手続き時点の消費税率が適用されます). `rerate` keeps every
tax-excluded amount (unit prices, line amounts, the coupon's share per tax category,
shipping) and computes the tax again, once per rate, at the order date's rates.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from api import money
from api.money import (
    Breakdown,
    CouponAmounts,
    LineAmounts,
    OptionCharge,
    RateTotal,
    ShippingAmounts,
    TaxCategory,
)


def breakdown_to_json(b: Breakdown) -> dict[str, Any]:
    return dataclasses.asdict(b)


def breakdown_from_json(data: dict[str, Any]) -> Breakdown:
    lines = tuple(
        LineAmounts(**{**line, "options": tuple(OptionCharge(**o) for o in line["options"])})
        for line in data["lines"]
    )
    coupon = data.get("coupon")
    return Breakdown(
        **{
            **data,
            "lines": lines,
            "coupon": (
                CouponAmounts(
                    code=coupon["code"],
                    amount=coupon["amount"],
                    amount_incl=coupon["amount_incl"],
                    per_rate=tuple((int(p), int(s)) for p, s in coupon["per_rate"]),
                )
                if coupon
                else None
            ),
            "shipping": tuple(ShippingAmounts(**s) for s in data["shipping"]),
            "per_rate": tuple(RateTotal(**r) for r in data["per_rate"]),
        }
    )


def rates_change(b: Breakdown, on: date) -> bool:
    """Whether any line's tax rate on `on` differs from the one the quote was issued with."""
    if any(money.tax_rate_percent(line.tax_category, on) != line.rate_percent for line in b.lines):
        return True
    standard_now = money.tax_rate_percent(TaxCategory.STANDARD, on)
    return any(r.shipping and r.rate_percent != standard_now for r in b.per_rate)


def rerate(
    b: Breakdown, on: date, *, drop_coupon: bool = False, points: int | None = None
) -> Breakdown:
    """The quoted amounts taxed at the rates in force on `on` (tax once per rate).

    `drop_coupon` prices the quote without its coupon (a coupon that expired before the
    order); `points` replaces the points used (capped at the total).
    """
    if not drop_coupon and points is None and not rates_change(b, on):
        return b
    rounding = money.TaxRounding(b.rounding)
    # Each quoted rate belongs to the tax category of its lines; its coupon share and
    # shipping follow that category to its rate on the order date.
    category_of_rate: dict[int, str] = {}
    for line in b.lines:
        category_of_rate.setdefault(line.rate_percent, line.tax_category)
    totals: dict[int, dict[str, Any]] = {}

    def bucket(category: str) -> dict[str, Any]:
        percent = money.tax_rate_percent(category, on)
        return totals.setdefault(
            percent,
            {"reduced": money.is_reduced(category, on), "goods": 0, "discount": 0, "shipping": 0},
        )

    lines = []
    for line in b.lines:
        rate = money.tax_rate_percent(line.tax_category, on)
        bucket(line.tax_category)["goods"] += line.amount
        lines.append(
            dataclasses.replace(
                line,
                rate_percent=rate,
                reduced=money.is_reduced(line.tax_category, on),
                amount_incl=money.including_tax(line.amount, rate, rounding),
            )
        )
    coupon = None if drop_coupon else b.coupon
    if coupon is not None:
        shares = []
        for old_percent, share in coupon.per_rate:
            category = category_of_rate.get(old_percent, TaxCategory.STANDARD.value)
            bucket(category)["discount"] += share
            shares.append((money.tax_rate_percent(category, on), share))
        coupon = dataclasses.replace(
            coupon,
            per_rate=tuple(shares),
            amount_incl=sum(money.including_tax(s, p, rounding) for p, s in shares),
        )
    standard = money.tax_rate_percent(TaxCategory.STANDARD, on)
    shipping = []
    for charge in b.shipping:
        if charge.amount:
            bucket(TaxCategory.STANDARD.value)["shipping"] += charge.amount
        shipping.append(
            dataclasses.replace(
                charge, amount_incl=money.including_tax(charge.amount, standard, rounding)
            )
        )
    per_rate = []
    for percent in sorted(totals, reverse=True):
        t = totals[percent]
        base = t["goods"] - t["discount"] + t["shipping"]
        per_rate.append(
            RateTotal(
                rate_percent=percent,
                reduced=t["reduced"],
                goods=t["goods"],
                discount=t["discount"],
                shipping=t["shipping"],
                base=base,
                tax=money.tax_on(base, percent, rounding),
            )
        )
    total_excl = sum(r.base for r in per_rate)
    tax_total = sum(r.tax for r in per_rate)
    total = total_excl + tax_total
    used = min(b.points if points is None else points, total)
    return Breakdown(
        lines=tuple(lines),
        coupon=coupon,
        shipping=tuple(shipping),
        per_rate=tuple(per_rate),
        rounding=b.rounding,
        subtotal=b.subtotal,
        subtotal_incl=sum(
            r.goods + money.tax_on(r.goods, r.rate_percent, rounding) for r in per_rate
        ),
        discount_total=sum(r.discount for r in per_rate),
        shipping_total=sum(s.amount for s in shipping),
        shipping_total_incl=sum(s.amount_incl for s in shipping),
        tax_total=tax_total,
        total_excl=total_excl,
        total=total,
        points=used,
        amount_due=total - used,
    )
