"""Reads of coupons, scoped by the actor: staff only."""

from __future__ import annotations

from typing import Any

from api.companies.permissions import StaffPermission
from api.coupons.models import Coupon
from api.coupons.service import normalize_code
from api.coupons.states import CouponStatus
from api.db import rows_by_keys


def _scope(actor: Any) -> dict[str, Any] | None:
    return {} if actor.can(StaffPermission.MANAGE_CATALOG) else None


def coupons(actor: Any, *, status: CouponStatus | None = None, code: str | None = None) -> Any:
    """Staff: coupons, newest first; `code` matches the start of the normalised code."""
    actor.require(StaffPermission.MANAGE_CATALOG)
    rows = Coupon.all()
    if status is not None:
        rows = rows.filter(status=status)
    if code:
        rows = rows.filter(code__startswith=normalize_code(code[:64]))
    return rows.order_by("-id")


async def coupons_by_keys(actor: Any, keys: list[str]) -> list[Any]:
    return await rows_by_keys(Coupon, keys, _scope(actor))
