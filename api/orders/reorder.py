"""Reorder (000 §6 「この注文商品をもう一度購入する」): an order's products back into the cart.

What is carried over: the products, and the options they were ordered with that the
product still offers (matched by option code: the catalog may have re-created them).
What is not (000 §6: 購入履歴の数量・配送先・お支払い方法は反映されません): quantities
(each line goes in with the product's minimum, or its fixed quantity), the delivery
address, the payment method, desired dates, the coupon and points.

A product no longer sold, or a choice the catalog now refuses, is reported for its
line with the catalog's codes, never dropped silently; the other lines still go in.
When no line can go in, nothing changes and the refusal is the whole answer.
Each line goes in through the cart's own service (`api.carts.service.add_line`),
so the cart's rules (line limit, total limit, guest rules) apply unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from api.actor import Actor
from api.carts import queries as cart_queries
from api.carts import service as carts
from api.carts.pricing import PricedCart
from api.db import unit_of_work
from api.errors import DomainError, Problem
from api.orders import queries


@dataclass(frozen=True)
class ReorderedLine:
    position: int  # the order line's position
    product_id: int
    product_code: str
    name: str
    quantity: int  # what went into the cart: the product's minimum
    dropped_options: tuple[str, ...] = ()  # option codes the product no longer offers


@dataclass(frozen=True)
class SkippedLine:
    position: int
    product_id: int
    product_code: str
    name: str
    problems: tuple[Problem, ...]  # why the cart refused it (PRODUCT_UNAVAILABLE, …)


@dataclass(frozen=True)
class ReorderResult:
    cart: PricedCart
    added: tuple[ReorderedLine, ...]
    skipped: tuple[SkippedLine, ...]

    def problems(self) -> list[Problem]:
        """Each skipped line's problems, placed at `lines.<position>`."""
        return [
            Problem(
                p.code,
                ("lines", str(s.position), *(p.field or ())),
                {**p.params, "position": s.position, "product_code": s.product_code},
            )
            for s in self.skipped
            for p in s.problems
        ]


def _starting_quantity(product: Any) -> int:
    if product.fixed_quantity:
        return int(product.fixed_quantity)
    return max(1, int(product.min_quantity))


async def reorder(rt: Any, actor: Actor, order_id: int) -> ReorderResult:
    if actor.is_staff:
        raise DomainError.of("FORBIDDEN")  # staff have no cart
    order = await queries.get_order(actor, order_id)
    lines = (await queries.lines_of([order.id]))[order.id]
    products = await cart_queries.catalog_products(line.product_id for line in lines)
    # One transaction: a refusal of the whole (the cart's limits, nothing available)
    # leaves the cart as it was.
    async with unit_of_work():
        added: list[ReorderedLine] = []
        skipped: list[SkippedLine] = []
        seen: set[tuple[int, tuple[int, ...]]] = set()
        for line in lines:
            product = products.get(line.product_id)
            if product is None or not product.visible:
                problem = Problem("PRODUCT_UNAVAILABLE", ("productId",))
                skipped.append(
                    SkippedLine(
                        line.position, line.product_id, line.product_code, line.name, (problem,)
                    )
                )
                continue
            by_code = {o.code: o.id for o in product.options}
            wanted = [str(o.get("code", "")) for o in line.options or []]
            option_ids = tuple(sorted({by_code[c] for c in wanted if c in by_code}))
            dropped = tuple(c for c in wanted if c not in by_code)
            if (line.product_id, option_ids) in seen:
                continue  # the same choice twice in one order goes in once
            seen.add((line.product_id, option_ids))
            quantity = _starting_quantity(product)
            try:
                await carts.add_line(
                    actor,
                    rt,
                    token=None,
                    product_id=line.product_id,
                    option_ids=option_ids,
                    quantity=quantity,
                )
            except DomainError as refused:
                if any(p.code in ("CART_FULL", "CART_TOTAL_TOO_LARGE") for p in refused.problems):
                    raise  # the cart's own limits: the whole reorder stops there
                skipped.append(
                    SkippedLine(
                        line.position,
                        line.product_id,
                        line.product_code,
                        line.name,
                        tuple(refused.problems),
                    )
                )
                continue
            added.append(
                ReorderedLine(
                    line.position, line.product_id, line.product_code, line.name, quantity, dropped
                )
            )
        result = ReorderResult(await carts.get_cart(actor, rt), tuple(added), tuple(skipped))
        if not added:
            raise DomainError(*(result.problems() or [Problem("CART_EMPTY")]))
    return result
