"""Money, tax and shipping: table tests from the manuals, properties with hypothesis."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from api import money
from api.money import (
    CouponInput,
    LineInput,
    MoneyError,
    OptionCharge,
    ShippingInput,
    TaxRounding,
    allocate,
    compute,
    tax_on,
    tax_rate_percent,
)
from api.stores.policy import ShippingPolicy, ShippingRule, load_policy
from api.stores.shipping import ShippableLine, shipping_charges

TODAY = date(2026, 12, 2)


def line(key: str, price: int, qty: int = 1, category: str = "standard", **kw) -> LineInput:
    return LineInput(key=key, unit_price=price, quantity=qty, tax_category=category, **kw)


# ---- table tests -------------------------------------------------------------------------


def test_tax_once_per_rate_not_per_line():
    # 3 × ¥105 at 10 %: per line ¥10.5 → ¥10 each, ¥30; once on ¥315 → ¥31.
    b = compute([line("a", 105), line("b", 105), line("c", 105)], on=TODAY)
    assert b.tax_total == 31 and b.total == 346
    b = compute([line("a", 105, qty=3)], on=TODAY)
    assert b.tax_total == 31
    assert [r.base for r in b.per_rate] == [315]


def test_rates_by_date():
    assert tax_rate_percent("standard", date(2019, 9, 30)) == 8
    assert tax_rate_percent("standard", date(2019, 10, 1)) == 10
    assert tax_rate_percent("reduced", date(2019, 10, 1)) == 8
    assert tax_rate_percent("reduced", date(2014, 3, 31)) == 5
    assert money.is_reduced("reduced", TODAY) and not money.is_reduced("reduced", date(2019, 9, 1))
    with pytest.raises(MoneyError):
        tax_rate_percent("standard", date(1980, 1, 1))
    with pytest.raises(MoneyError):
        tax_rate_percent("luxury", TODAY)


@pytest.mark.parametrize(
    ("rounding", "tax"),
    [(TaxRounding.FLOOR, 31), (TaxRounding.HALF_UP, 32), (TaxRounding.CEIL, 32)],
)
def test_rounding_modes(rounding, tax):
    assert tax_on(315, 10, rounding) == tax
    assert tax_on(314, 10, TaxRounding.HALF_UP) == 31
    assert tax_on(300, 10, rounding) == 30  # exact amounts never move


def test_two_rates_each_rounded_once_and_marked():
    b = compute([line("food", 1_099, qty=3, category="reduced"), line("pen", 333, qty=3)], on=TODAY)
    standard, reduced = b.per_rate
    assert (standard.rate_percent, standard.base, standard.tax) == (10, 999, 99)
    assert (reduced.rate_percent, reduced.base, reduced.tax, reduced.reduced) == (
        8,
        3297,
        263,
        True,
    )
    assert b.total == 999 + 99 + 3297 + 263
    assert [ln.reduced for ln in b.lines] == [True, False]


def test_options_and_both_displays():
    b = compute(
        [line("a", 1000, qty=2, options=(OptionCharge("gift", 200), OptionCharge("ink", 55)))],
        on=TODAY,
    )
    [ln] = b.lines
    assert (ln.unit_price, ln.unit_total, ln.amount, ln.amount_incl) == (1000, 1255, 2510, 2761)
    assert (b.subtotal, b.subtotal_incl, b.total_excl, b.total) == (2510, 2761, 2510, 2761)


def test_coupon_allocated_across_rates_remainder_to_largest():
    lines = [
        line("food", 1000, category="reduced", coupon_eligible=True),
        line("pen", 2000, coupon_eligible=True),
        line("other", 5000),
    ]
    b = compute(lines, on=TODAY, coupon=CouponInput("SALE", 1001, tax_included=False))
    assert b.coupon is not None and b.coupon.amount == 1001
    assert dict(b.coupon.per_rate) == {8: 333, 10: 668}  # floors 333 + 667, +1 to the largest
    assert b.rate(10).base == 7000 - 668 and b.rate(8).base == 1000 - 333


def test_tax_included_coupon_takes_its_face_value_off():
    b = compute([line("a", 10_000, coupon_eligible=True)], on=TODAY)
    c = compute(
        [line("a", 10_000, coupon_eligible=True)],
        on=TODAY,
        coupon=CouponInput("500OFF", 500, tax_included=True),
    )
    # Tax once on the reduced base: the saving is the face value, or ¥1 more (rounded down).
    assert b.total - c.total in (500, 501)
    assert c.coupon.amount == 455 and c.coupon.amount_incl == 500


def test_coupon_never_below_zero_and_points_are_payment():
    lines = [line("a", 300, coupon_eligible=True), line("b", 700)]
    b = compute(lines, on=TODAY, coupon=CouponInput("BIG", 10**6, tax_included=False), points=10**6)
    assert b.coupon.amount == 300 and b.rate(10).base == 700
    assert b.tax_total == 70 and b.total == 770
    assert b.points == 770 and b.amount_due == 0
    # Points do not change the tax: same tax with and without them.
    assert compute(lines, on=TODAY, points=500).tax_total == compute(lines, on=TODAY).tax_total


def test_hostile_amounts_refused():
    for bad in (line("a", -1), line("a", 1, qty=0), line("a", 10**13), line("a", 1, qty=10**7)):
        with pytest.raises(MoneyError):
            compute([bad], on=TODAY)
    with pytest.raises(MoneyError):
        compute([line("a", 100)], on=TODAY, points=-5)


# ---- shipping ----------------------------------------------------------------------------

GOODS = load_policy("goods-b2c")


def _ship(policy: ShippingPolicy, *lines: ShippableLine) -> list[ShippingInput]:
    return shipping_charges(policy, lines)


@pytest.mark.parametrize(
    ("excl", "incl", "fee"),
    [(13_637, 15_000, 0), (13_636, 14_999, 500), (20_000, 22_000, 0), (100, 110, 500)],
)
def test_goods_b2c_free_from_15000_tax_included(excl, incl, fee):
    [charge] = _ship(GOODS.shipping, ShippableLine("store", None, excl, 10))
    assert charge.goods_amount_incl == incl
    b = compute([line("a", excl)], on=TODAY, shipping=[charge])
    [shipped] = b.shipping
    assert shipped.amount_incl == fee and shipped.free == (fee == 0)
    assert b.shipping_total_incl == fee
    # The fee's base joins the 10 % base and is taxed once with it: ¥500, or ¥1 more.
    assert b.total - incl in (fee, fee + 1)


def test_threshold_2000_is_expressible_and_groups_are_separate():
    policy = ShippingPolicy(
        store=ShippingRule(fee=500, free_threshold=2000),
        maker_direct=ShippingRule(fee=800),
        makers={"イワタ": ShippingRule(fee=1200, free_threshold=30_000)},
    )
    charges = _ship(
        policy,
        ShippableLine("store", None, 1819, 10),  # ¥2,000 tax included
        ShippableLine("maker_direct", "イワタ", 10_000, 10),
        ShippableLine("maker_direct", "他社", 10_000, 10),
        ShippableLine("none", None, 99_999, 10),  # a subscription ships nothing
    )
    assert [(c.key, c.free, c.fee) for c in charges] == [
        ("store", True, 500),
        ("maker_direct:イワタ", False, 1200),
        ("maker_direct:他社", False, 800),
    ]
    assert _ship(policy, ShippableLine("store", None, 1818, 10))[0].free is False  # ¥1,999


def test_subscriptions_ship_nothing():
    assert _ship(load_policy("saas-b2b").shipping, ShippableLine("none", None, 50_000, 10)) == []


# ---- properties --------------------------------------------------------------------------

lines_strategy = st.lists(
    st.builds(
        LineInput,
        key=st.uuids().map(str),
        unit_price=st.integers(0, 2_000_000),
        quantity=st.integers(1, 1000),
        tax_category=st.sampled_from(["standard", "reduced"]),
        options=st.lists(
            st.builds(OptionCharge, code=st.just("o"), amount=st.integers(0, 50_000)), max_size=3
        ).map(tuple),
        coupon_eligible=st.booleans(),
    ),
    min_size=0,
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(
    lines=lines_strategy,
    coupon=st.none()
    | st.builds(
        CouponInput,
        code=st.just("C"),
        amount=st.integers(0, 10**9),
        tax_included=st.booleans(),
    ),
    fees=st.lists(st.tuples(st.integers(0, 5000), st.booleans(), st.booleans()), max_size=3),
    points=st.integers(0, 10**9),
    rounding=st.sampled_from(list(TaxRounding)),
    on=st.dates(date(2014, 4, 1), date(2030, 12, 31)),
)
def test_breakdown_adds_up(lines, coupon, fees, points, rounding, on):
    shipping = [ShippingInput(f"s{i}", fee, incl, free) for i, (fee, incl, free) in enumerate(fees)]
    b = compute(lines, on=on, rounding=rounding, coupon=coupon, shipping=shipping, points=points)
    # The sum in the chosen convention: bases tax excluded, tax once per rate on top.
    assert b.total == b.subtotal - b.discount_total + b.shipping_total + b.tax_total
    assert b.amount_due == b.total - b.points
    # Tax is computed once per rate, on that rate's base.
    assert len({r.rate_percent for r in b.per_rate}) == len(b.per_rate)
    for r in b.per_rate:
        assert r.tax == tax_on(r.base, r.rate_percent, rounding)
        assert r.base == r.goods - r.discount + r.shipping
    assert b.tax_total == sum(r.tax for r in b.per_rate)
    # Nothing negative; a coupon or points never take the total below zero.
    amounts = [b.total, b.amount_due, b.tax_total, b.discount_total, b.points, b.shipping_total]
    amounts += [x for r in b.per_rate for x in (r.base, r.tax, r.goods, r.discount)]
    amounts += [ln.amount for ln in b.lines]
    assert all(a >= 0 for a in amounts)
    eligible = sum(ln.amount for ln, src in zip(b.lines, lines, strict=True) if src.coupon_eligible)
    assert b.discount_total <= eligible
    if coupon is not None and not coupon.tax_included:
        assert b.discount_total == min(coupon.amount, eligible)
    assert b.points == min(points, b.total)


@given(amount=st.integers(0, 10**9), weights=st.lists(st.integers(0, 10**7), min_size=1))
def test_allocation_sums_exactly(amount, weights):
    if sum(weights) == 0:
        assert allocate(0, weights) == [0] * len(weights)
        return
    shares = allocate(amount, weights)
    assert sum(shares) == amount and all(s >= 0 for s in shares)


@given(
    amount=st.integers(0, 10**9),
    rate=st.sampled_from([8, 10]),
    rounding=st.sampled_from(list(TaxRounding)),
)
def test_tax_inside_and_on_agree(amount, rate, rounding):
    excl = money.excluding_tax(amount, rate, rounding)
    assert 0 <= excl <= amount
    # Rounding down both ways gives the tax-included amount back to within ¥1.
    assert abs(money.including_tax(excl, rate, rounding) - amount) <= 1
