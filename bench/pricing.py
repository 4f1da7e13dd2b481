"""Pricing a 50-line cart with options, a coupon and points: CPU time per pricing.

Pure pricing (api.carts.pricing.price_lines + price_cart, which calls
api.money.compute): the catalog rows are built in memory, so the figure is the
pricing itself, not the database. Target: under 2 ms per pricing.

    make bench-pricing
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

from api.calendar.service import BusinessCalendar
from api.carts.pricing import (
    CartItem,
    CatalogGroup,
    CatalogOption,
    CatalogProduct,
    EvaluatedCoupon,
    PricedPoints,
    price_cart,
    price_lines,
)
from api.stores.policy import load_policy

LINES = 50
ROUNDS = 2000


def cart() -> tuple[list[CartItem], dict[int, CatalogProduct]]:
    products = {}
    items = []
    for i in range(1, LINES + 1):
        products[i] = CatalogProduct(
            id=i,
            code=f"P{i:03}",
            name=f"商品{i}",
            name_en=f"Product {i}",
            kind="physical",
            plan=None,
            tax_category="reduced" if i % 5 == 0 else "standard",
            price=1000 + i * 37,
            visible=True,
            min_quantity=1,
            max_quantity=None,
            quantity_step=1,
            fixed_quantity=None,
            lead_time_days=i % 4,
            shipping_class="maker_direct" if i % 7 == 0 else "store",
            maker_name="メーカーA" if i % 7 == 0 else None,
            groups=(CatalogGroup(i * 10, "オプション", "Options", 0, 3),),
            options=tuple(
                CatalogOption(
                    i * 100 + k, i * 10, f"o{k}", f"オプション{k}", f"Option {k}", 100 * k, k
                )
                for k in range(1, 4)
            ),
        )
        items.append(CartItem(i, i, (i * 100 + 1, i * 100 + 2), 1 + i % 3, None, None))
    return items, products


def main() -> None:
    policy = load_policy("goods-b2c")
    items, products = cart()
    calendar = BusinessCalendar()
    today = date(2026, 12, 2)
    now = datetime(2026, 12, 2, tzinfo=UTC)
    coupon = EvaluatedCoupon(1, "bench", 1500, frozenset(range(1, LINES + 1, 2)))
    points = PricedPoints(requested=700, used=700, balance=5000)

    def price() -> object:
        lines = price_lines(
            items, products, on=today, policy=policy, calendar=calendar, today=today
        )
        return price_cart(
            lines, policy=policy, on=today, priced_at=now, coupon=coupon, points=points
        )

    for _ in range(100):
        price()
    start = time.process_time()
    for _ in range(ROUNDS):
        result = price()
    spent = time.process_time() - start
    b = result.breakdown  # type: ignore[attr-defined]
    print(f"{LINES} lines, options, coupon and points: total ¥{b.total:,}, due ¥{b.amount_due:,}")
    print(f"CPU per pricing: {spent / ROUNDS * 1000:.3f} ms over {ROUNDS} pricings (target < 2 ms)")


if __name__ == "__main__":
    main()
