"""Property tests of the price breakdown (hypothesis): the sums hold for any document.

total = Σ lines − discounts + shipping + Σ tax per rate; tax is computed once
per rate on that rate's base; nothing is negative; a coupon or points never
take the total (or the amount due) below zero.
"""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from api import money
from api.coupons.rules import CouponRule, discount_of
from api.coupons.states import CouponStatus, CouponTarget, DiscountKind

DAYS = st.dates(min_value=date(2014, 4, 1), max_value=date(2030, 12, 31))
ROUNDING = st.sampled_from(list(money.TaxRounding))

options = st.lists(
    st.builds(money.OptionCharge, st.sampled_from(["a", "b"]), st.integers(0, 50_000)),
    max_size=2,
)
lines = st.lists(
    st.builds(
        money.LineInput,
        key=st.uuids().map(str),
        unit_price=st.integers(0, 500_000),
        quantity=st.integers(1, 999),
        tax_category=st.sampled_from(["standard", "reduced"]),
        options=options.map(tuple),
        coupon_eligible=st.booleans(),
    ),
    min_size=0,
    max_size=12,
)
coupons = st.none() | st.builds(
    money.CouponInput, st.just("C"), st.integers(0, 10_000_000), st.booleans()
)
shipping = st.lists(
    st.builds(
        money.ShippingInput,
        key=st.sampled_from(["store", "maker:A"]),
        fee=st.integers(0, 5_000),
        fee_includes_tax=st.booleans(),
        free=st.booleans(),
    ),
    max_size=2,
)


def _amounts(b: money.Breakdown) -> list[int]:
    values = [
        b.subtotal,
        b.subtotal_incl,
        b.discount_total,
        b.shipping_total,
        b.shipping_total_incl,
        b.tax_total,
        b.total_excl,
        b.total,
        b.points,
        b.amount_due,
    ]
    for r in b.per_rate:
        values += [r.goods, r.discount, r.shipping, r.base, r.tax]
    for line in b.lines:
        values += [line.amount, line.amount_incl, line.unit_total]
    for s in b.shipping:
        values += [s.amount, s.amount_incl]
    if b.coupon:
        values += [b.coupon.amount, b.coupon.amount_incl]
    return values


@settings(max_examples=300, deadline=None)
@given(lines, coupons, shipping, st.integers(0, 100_000_000), DAYS, ROUNDING)
def test_breakdown_adds_up_for_any_document(items, coupon, fees, points, on, rounding):
    b = money.compute(items, on=on, rounding=rounding, coupon=coupon, shipping=fees, points=points)

    # total = Σ lines − discounts + shipping + Σ tax per rate
    assert b.subtotal == sum(line.amount for line in b.lines)
    assert b.total_excl == b.subtotal - b.discount_total + b.shipping_total
    assert b.total == b.total_excl + b.tax_total
    assert b.tax_total == sum(r.tax for r in b.per_rate)

    # Tax once per rate, on that rate's base, never per line.
    rates = [r.rate_percent for r in b.per_rate]
    assert len(rates) == len(set(rates))
    for r in b.per_rate:
        assert r.base == r.goods - r.discount + r.shipping
        assert r.tax == money.tax_on(r.base, r.rate_percent, rounding)
        assert r.goods == sum(x.amount for x in b.lines if x.rate_percent == r.rate_percent)

    # Nothing is negative.
    assert all(v >= 0 for v in _amounts(b)), b

    # A coupon takes at most the eligible goods; points at most the total.
    eligible = {i.key for i in items if i.coupon_eligible}
    eligible_amount = sum(x.amount for x in b.lines if x.key in eligible)
    assert b.discount_total <= eligible_amount
    for r in b.per_rate:
        assert r.discount <= r.goods
    assert b.points == min(points, b.total)
    assert b.amount_due == b.total - b.points >= 0
    if coupon is None:
        assert b.discount_total == 0


@settings(max_examples=200, deadline=None)
@given(lines, st.integers(0, 10_000_000), DAYS, ROUNDING)
def test_a_tax_included_coupon_never_takes_more_than_it_says(items, amount, on, rounding):
    without = money.compute(items, on=on, rounding=rounding)
    b = money.compute(items, on=on, rounding=rounding, coupon=money.CouponInput("C", amount, True))
    assert b.total <= without.total
    # The customer saves about the coupon's face value: never more than it plus two yen
    # per rate, the two roundings of each rate (the face value's tax-excluded share, then
    # the rate's tax on the lowered base); e.g. ¥850 off ¥850 + 8 % (¥918) leaves ¥66.
    assert without.total - b.total <= amount + 2 * len(b.per_rate)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(list(DiscountKind)),
    st.integers(1, 100_000_000),
    st.none() | st.integers(1, 100_000_000),
    st.integers(0, 10**10),
)
def test_a_coupon_discount_is_within_the_eligible_amount(kind, value, cap, eligible):
    rule = CouponRule(
        id=1,
        code="C",
        status=CouponStatus.ACTIVE,
        discount_kind=kind,
        discount_value=min(value, 100) if kind == DiscountKind.PERCENT else value,
        max_discount=cap,
        minimum_amount=0,
        target=CouponTarget.ALL,
        target_product_ids=frozenset(),
        target_category_ids=frozenset(),
        starts_at=None,
        ends_at=None,
        members_only=False,
        usage_limit=None,
        usage_limit_per_member=None,
        used_count=0,
    )
    discount = discount_of(rule, eligible)
    assert 0 <= discount <= eligible
    if kind == DiscountKind.PERCENT and cap is not None:
        assert discount <= cap


def test_the_two_roundings_of_a_tax_included_coupon():
    b = money.compute(
        [money.LineInput("1", 1, 850, "standard", coupon_eligible=True)],
        on=date(2014, 4, 1),
        coupon=money.CouponInput("C", 850, True),
    )
    assert (b.rate(8).discount, b.rate(8).base, b.rate(8).tax, b.total) == (788, 62, 4, 66)


def test_tax_once_per_rate_table():
    # 3 × ¥105 at 10 %: tax on ¥315 once is ¥31, not 3 × ¥10 = ¥30 (issue 11's example).
    b = money.compute([money.LineInput("1", 105, 3, "standard")], on=date(2026, 12, 3))
    assert b.rate(10).tax == 31 and b.total == 346
