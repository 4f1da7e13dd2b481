"""Quote lifecycle: expire every valid quote past its last valid day (api.quotes.service)."""

from __future__ import annotations

import logging
from typing import Any

from api.quotes.service import expire_quotes as expire_due_quotes

log = logging.getLogger(__name__)


async def expire_quotes(ctx: dict[str, Any]) -> dict[str, int]:
    """Hourly (Tokyo): everything due up to today, so missed days are caught up; twice
    in a row the second run expires nothing."""
    expired = await expire_due_quotes()
    if expired:
        log.info("quotes expired", extra={"expired": expired})
    return {"expired": expired}
