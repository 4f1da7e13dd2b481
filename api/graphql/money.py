"""Money in the schema: integer yen, never floats."""

from __future__ import annotations

import strawberry


@strawberry.type(description="An amount of money in the smallest unit of its currency (yen).")
class Money:
    amount: int
    currency: str = "JPY"
