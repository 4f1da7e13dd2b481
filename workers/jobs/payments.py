"""Payment jobs: bank-transfer deadlines, and the sandbox processor's deliveries and expiry.

`payment_deadlines` sends the reminders and expires the unpaid transfers of
everything due up to today (missed days caught up; twice changes nothing).
`deliver_sandbox_webhook` posts one signed sandbox event to torihiki's webhook
endpoint; a refused delivery is retried with backoff, like a processor does.
`sandbox_konbini_expiry` is the sandbox processor's own nightly run (it does
nothing unless the sandbox is the processor).
"""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry

from api.payments import sandbox
from api.payments.service import bank_transfer_deadlines

log = logging.getLogger(__name__)

MAX_DELIVERY_TRIES = 8


async def payment_deadlines(ctx: dict[str, Any]) -> dict[str, int]:
    return await bank_transfer_deadlines(ctx["rt"])


async def deliver_sandbox_webhook(ctx: dict[str, Any], body: str) -> int:
    status = await sandbox.deliver(ctx["rt"], body)
    if status >= 300:
        tries = ctx.get("job_try", 1)
        log.warning("sandbox webhook refused", extra={"status": status, "try": tries})
        if tries < MAX_DELIVERY_TRIES:
            raise Retry(defer=min(2**tries, 300))
    return status


async def sandbox_konbini_expiry(ctx: dict[str, Any]) -> dict[str, int]:
    rt = ctx["rt"]
    if rt.settings.payment_processor != sandbox.NAME:
        return {"expired": 0}
    return {"expired": await sandbox.expire_konbini_slips(rt)}
