"""Quote PDF of 30 lines: PDFs per second on one core (target: at least 20).

The real path from a stored quote to bytes: `api.quotes.service.quote_document`
(the snapshot as the renderer sees it, in-memory rows, no database round trip) and
`api.documents.pdf.render_pdf` (reportlab, IPAex Gothic subset embedded). The quote is
priced by the cart's own pricing (30 lines with options, a coupon, points, both tax
rates), so the document has what a real one has. One process, one thread: the figure
is CPU time per PDF (process_time), with wall time beside it for a loaded machine.

    make bench-quote-pdf
    .venv/bin/python bench/quote_pdf.py --lines 100 --rounds 50 --out /tmp/quote.pdf
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from dataclasses import asdict, replace
from datetime import UTC, date, datetime, timedelta

from tortoise import Tortoise

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
from api.db import tortoise_config
from api.documents.fonts import register_font
from api.documents.pdf import render_pdf
from api.quotes.models import Quote, QuoteLine
from api.quotes.pricing import breakdown_to_json
from api.quotes.service import _options_json, quote_document
from api.settings import Settings
from api.stores.policy import load_policy


def priced(lines: int, policy):  # noqa: ANN001, ANN201
    products, items = {}, []
    for i in range(1, lines + 1):
        products[i] = CatalogProduct(
            id=i,
            code=f"EC-{i:04}",
            name=f"業務用コーヒー豆 スペシャルブレンド No.{i}",
            name_en=f"Coffee beans blend {i}",
            kind="physical",
            plan=None,
            tax_category="reduced" if i % 3 == 0 else "standard",
            price=1200 + i * 37,
            visible=True,
            min_quantity=1,
            max_quantity=None,
            quantity_step=1,
            fixed_quantity=None,
            lead_time_days=0,
            shipping_class="store",
            groups=(CatalogGroup(i * 10, "挽き方", "Grind", 0, 2),),
            options=tuple(
                CatalogOption(i * 100 + k, i * 10, f"o{k}", f"中挽き{k}", f"Grind {k}", 50 * k, 0)
                for k in (1, 2)
            ),
        )
        items.append(CartItem(i, i, (i * 100 + 1, i * 100 + 2), 1 + i % 4))
    today = date(2026, 12, 3)
    lines_ = price_lines(
        items, products, on=today, policy=policy, calendar=BusinessCalendar(), today=today
    )
    coupon = EvaluatedCoupon(1, "WINTER", 1500, frozenset(range(1, lines + 1, 2)))
    return price_cart(
        lines_,
        policy=policy,
        on=today,
        priced_at=datetime(2026, 12, 3, tzinfo=UTC),
        coupon=coupon,
        points=PricedPoints(requested=700, used=700, balance=5000),
    )


async def build(lines: int, profile: str):  # noqa: ANN201
    policy = load_policy(profile)
    await Tortoise.init(
        config=tortoise_config(Settings(_env_file=None, database_url="sqlite://:memory:"))
    )
    cart = priced(lines, policy)
    position = {str(line.id): str(i) for i, line in enumerate(cart.lines, 1)}
    b = cart.breakdown
    b = replace(b, lines=tuple(replace(x, key=position[x.key]) for x in b.lines))
    quote = Quote(
        id=1,
        number="EC20261203Q0001",
        user_id=1,
        company_id=1,
        issue_date=cart.priced_on,
        valid_until=cart.priced_on + timedelta(days=policy.quotes.validity_days),
        customer={
            "name": "山田 太郎",
            "company_name": "株式会社サンプル商事",
            "department": "情報システム部",
            "postal_code": "100-0005",
            "prefecture": "東京都",
            "address_line1": "千代田区丸の内1-1-1",
        },
        address=None,
        payment_method="bank_transfer",
        payment_method_name="銀行振込",
        points=b.points,
        comment="年度内の納品を希望します。",
        tax_display=cart.tax_display,
        tax_rounding=b.rounding,
        breakdown=breakdown_to_json(b),
        pricing_inputs={},
        subtotal=b.subtotal,
        tax_total=b.tax_total,
        total=b.total,
        amount_due=b.amount_due,
        line_count=len(cart.lines),
        title=cart.lines[0].name,
    )
    rows = [
        QuoteLine(
            id=i,
            quote_id=1,
            position=i,
            **{
                k: v
                for k, v in asdict(line).items()
                if k
                in {
                    "product_id", "product_code", "name", "name_en", "kind", "plan", "quantity",
                    "unit_price", "unit_total", "amount", "amount_incl", "tax_category",
                    "tax_rate_percent", "reduced", "desired_date", "time_slot", "shipping_class",
                    "maker_name",
                }
            },
            options=_options_json(line),
        )
        for i, line in enumerate(cart.lines, 1)
    ]  # fmt: skip
    await Tortoise.close_connections()
    return policy, quote, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--profile", default="members-shop")
    parser.add_argument("--out", default="")
    args = parser.parse_args()
    policy, quote, rows = asyncio.run(build(args.lines, args.profile))

    started = time.perf_counter()
    register_font()
    pdf = render_pdf(quote_document(policy, quote, rows, "ja"))
    first = time.perf_counter() - started
    if args.out:
        with open(args.out, "wb") as f:
            f.write(pdf)

    cpu, wall = [], []
    for _ in range(args.rounds):
        c0, w0 = time.process_time(), time.perf_counter()
        render_pdf(quote_document(policy, quote, rows, "ja"))
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    cpu_ms = statistics.median(cpu) * 1000
    wall_ms = statistics.median(wall) * 1000
    print(f"quote PDF, {args.lines} lines, profile {args.profile}, {len(pdf):,} bytes")
    print(f"  first PDF (font parsed): {first * 1000:.0f} ms")
    print(
        f"  CPU per PDF: median {cpu_ms:.1f} ms, p90 {sorted(cpu)[int(len(cpu) * 0.9)] * 1000:.1f}"
        f" ms -> {1000 / cpu_ms:.1f} PDFs/s on one core (target >= 20)"
    )
    print(f"  wall per PDF: median {wall_ms:.1f} ms -> {1000 / wall_ms:.1f} PDFs/s")


if __name__ == "__main__":
    main()
