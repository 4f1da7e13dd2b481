"""Consumption tax on catalog prices: integer yen, rates by tax category.

Catalog prices are stored excluding tax. For display, tax is computed per
line and rounded down; documents (quotes, invoices) compute tax once per rate
on their totals, as the qualified-invoice rule requires, elsewhere.
"""

from __future__ import annotations

from api.catalog.models import TaxCategory

RATES_PERCENT = {TaxCategory.STANDARD: 10, TaxCategory.REDUCED: 8}


def rate_percent(category: TaxCategory | str) -> int:
    return RATES_PERCENT[TaxCategory(category)]


def including_tax(amount: int, category: TaxCategory | str) -> int:
    return amount + amount * RATES_PERCENT[TaxCategory(category)] // 100
