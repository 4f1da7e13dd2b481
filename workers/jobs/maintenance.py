"""Periodic housekeeping: the outbox sweeper and expired-token purge.

Both process everything due, not just what became due since the last run,
so a worker that was down catches up, and running either twice changes nothing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from api import clock
from api.accounts.models import EmailToken, LoginChallenge, Session, TrustedBrowser
from api.notifications import outbox
from api.runtime import Runtime

log = logging.getLogger(__name__)


async def sweep_outbox(ctx: dict[str, Any]) -> dict[str, int]:
    rt: Runtime = ctx["rt"]
    result = await outbox.sweep(rt)
    if result["reclaimed"] or result["enqueued"]:
        log.info("outbox sweep", extra=result)
    return result


async def purge_expired_tokens(ctx: dict[str, Any]) -> dict[str, int]:
    """Drop secrets that can no longer be used (kept a week after expiry, for support)."""
    cutoff = clock.now() - timedelta(days=7)
    tokens = await EmailToken.filter(expires_at__lt=cutoff).delete()
    sessions = await Session.filter(expires_at__lt=cutoff).delete()
    challenges = await LoginChallenge.filter(expires_at__lt=cutoff).delete()
    browsers = await TrustedBrowser.filter(expires_at__lt=cutoff).delete()
    # Security events are the audit trail and are kept.
    return {
        "tokens": tokens,
        "sessions": sessions,
        "challenges": challenges,
        "trusted_browsers": browsers,
    }
