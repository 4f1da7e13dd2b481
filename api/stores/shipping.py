"""Shipping charges from the store's shipping rules. Pure: no database.

Lines are grouped as they travel: all store-shipped goods in one parcel, each
maker's direct goods in that maker's parcel, services in none. Each group is
free from its rule's threshold on the group's goods amount tax included
(before coupons: the goods amount the customer sees, 商品合計, as most Japanese
carts compare it) and pays the rule's flat fee otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from api.money import ShippingInput, TaxRounding, tax_on
from api.stores.policy import ShippingPolicy, ShippingRule

STORE = "store"
MAKER_DIRECT = "maker_direct"
NONE = "none"


@dataclass(frozen=True)
class ShippableLine:
    shipping_class: str  # api.catalog.models.ShippingClass value
    maker_name: str | None
    amount: int  # tax excluded
    rate_percent: int


def group_key(shipping_class: str, maker_name: str | None) -> str | None:
    if shipping_class == STORE:
        return STORE
    if shipping_class == MAKER_DIRECT:
        return f"{MAKER_DIRECT}:{maker_name}" if maker_name else MAKER_DIRECT
    return None


def rule_for(policy: ShippingPolicy, key: str) -> ShippingRule:
    if key == STORE:
        return policy.store
    maker = key.partition(":")[2]
    return policy.makers.get(maker, policy.maker_direct) if maker else policy.maker_direct


def shipping_charges(
    policy: ShippingPolicy,
    lines: Iterable[ShippableLine],
    rounding: TaxRounding | str = TaxRounding.FLOOR,
) -> list[ShippingInput]:
    """One charge per shipping group present in the lines, in a stable order."""
    groups: dict[str, dict[int, int]] = {}
    for line in lines:
        key = group_key(line.shipping_class, line.maker_name)
        if key is None:
            continue
        per_rate = groups.setdefault(key, {})
        per_rate[line.rate_percent] = per_rate.get(line.rate_percent, 0) + line.amount
    charges = []
    for key in sorted(groups, key=lambda k: (k != STORE, k)):
        rule = rule_for(policy, key)
        goods_incl = sum(base + tax_on(base, rate, rounding) for rate, base in groups[key].items())
        reached = rule.free_threshold is not None and goods_incl >= rule.free_threshold
        charges.append(
            ShippingInput(
                key=key,
                fee=rule.fee,
                fee_includes_tax=policy.fees_include_tax,
                free=reached or rule.fee == 0,
                goods_amount_incl=goods_incl,
                threshold=rule.free_threshold,
            )
        )
    return charges
