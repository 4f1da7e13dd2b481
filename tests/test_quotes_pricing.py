"""A quote's money: stored as issued, re-rated at the order date's tax rates (pure)."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from api import money
from api.money import CouponInput, LineInput, ShippingInput
from api.quotes.pricing import breakdown_from_json, breakdown_to_json, rates_change, rerate

BEFORE = date(2019, 9, 30)  # 8 % for everything, no reduced mark
AFTER = date(2019, 10, 1)  # 10 % standard, 8 % reduced (※)


def quoted(on: date, coupon: int = 0):  # noqa: ANN201
    return money.compute(
        [
            LineInput("1", 1000, 3, "standard", coupon_eligible=True),
            LineInput("2", 500, 2, "reduced", coupon_eligible=True),
        ],
        on=on,
        coupon=CouponInput("C", coupon, False) if coupon else None,
        shipping=[ShippingInput("store", 550, True)],
        points=100,
    )


def test_the_stored_breakdown_comes_back_equal():
    b = quoted(AFTER, coupon=300)
    assert breakdown_from_json(breakdown_to_json(b)) == b


def test_same_rates_mean_the_quote_as_issued():
    b = quoted(AFTER, coupon=300)
    assert not rates_change(b, date(2026, 12, 3))
    assert rerate(b, date(2026, 12, 3)) is b


def test_a_rate_change_between_quote_and_order_taxes_the_same_amounts_again():
    b = quoted(BEFORE)
    assert [r.rate_percent for r in b.per_rate] == [8] and not any(x.reduced for x in b.lines)
    assert rates_change(b, AFTER)
    r = rerate(b, AFTER)
    per = {x.rate_percent: x for x in r.per_rate}
    # Goods and shipping keep their tax-excluded amounts (¥550 incl. 8 % is ¥510 excl.).
    assert per[10].goods == 3000 and per[10].shipping == b.shipping_total == 510
    assert per[10].tax == (3000 + 510) * 10 // 100
    assert per[8].goods == 1000 and per[8].reduced and per[8].tax == 80
    assert [x.reduced for x in r.lines] == [False, True]
    assert r.subtotal == b.subtotal and r.total == r.total_excl + r.tax_total
    assert r.total > b.total and r.amount_due == r.total - 100


def test_dropping_the_coupon_and_short_points():
    b = quoted(AFTER, coupon=300)
    assert b.discount_total == 300
    without = rerate(b, AFTER, drop_coupon=True)
    assert without.discount_total == 0 and without.total > b.total
    assert without.total == quoted(AFTER).total
    short = rerate(b, AFTER, points=40)
    assert short.points == 40 and short.total == b.total and short.amount_due == b.total - 40


@given(
    prices=st.lists(st.integers(0, 100_000), min_size=1, max_size=8),
    coupon=st.integers(0, 50_000),
    points=st.integers(0, 200_000),
)
def test_rerating_onto_the_same_rates_changes_nothing(prices, coupon, points):
    lines = [
        LineInput(str(i), p, 1 + i % 3, "reduced" if i % 2 else "standard", coupon_eligible=True)
        for i, p in enumerate(prices)
    ]
    b = money.compute(
        lines, on=AFTER, coupon=CouponInput("C", coupon, False) if coupon else None, points=points
    )
    r = rerate(b, AFTER, points=b.points)
    assert (r.per_rate, r.total, r.tax_total, r.amount_due) == (
        b.per_rate,
        b.total,
        b.tax_total,
        b.amount_due,
    )
