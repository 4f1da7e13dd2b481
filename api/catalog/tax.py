"""Consumption tax on catalog prices, by way of `api.money` (the one place tax is computed).

Catalog prices are stored excluding tax. The stored tax-included column is a
display and sort aid computed per unit with today's rate, rounded down;
documents (carts, quotes, orders) compute tax once per rate on their totals
with `api.money.compute`.
"""

from __future__ import annotations

from api import clock, money
from api.catalog.models import TaxCategory


def rate_percent(category: TaxCategory | str) -> int:
    return money.tax_rate_percent(category, clock.business_today())


def including_tax(amount: int, category: TaxCategory | str) -> int:
    return money.including_tax(amount, rate_percent(category))
