"""Date-driven jobs of carts and points.

Both process everything due, not only what became due since the last run, so
a worker that was down catches up; running either twice changes nothing.
"""

from __future__ import annotations

from typing import Any

from api.carts.service import purge_guest_carts
from api.points.service import expire_points


async def expire_member_points(ctx: dict[str, Any]) -> dict[str, int]:
    """Post the expiry of every balance whose last usable day has passed (000 §5)."""
    return {"expired": await expire_points()}


async def purge_stale_guest_carts(ctx: dict[str, Any]) -> dict[str, int]:
    """Delete guest carts untouched for longer than their token lives (30 days)."""
    return {"deleted": await purge_guest_carts()}
