"""Closing-date billing in the worker: the closing run spread over every worker process.

`close_billing_periods` (cron, every ten minutes, unique across workers) opens a run for
everything due up to today (the days the worker was down included) and queues one
`billing_close_batch` job per batch of accounts, so every running worker takes a share.
A batch job is idempotent (api.billing.service.run_batch): killed mid-way, arq runs it
again once its in-progress key expires, and it closes only what is still due; each
period is closed once behind its unique run record whoever runs it. The same cron run
re-queues the unfinished batches of a run still in progress (a job lost with Redis),
and starts no second run while one is going.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from api.actor import Actor
from api.billing import service
from api.runtime import Runtime

log = logging.getLogger(__name__)

BATCH_JOB = "billing_close_batch"
BATCH_JOB_PREFIX = "billing:"
BATCH_TIMEOUT_SECONDS = 120  # a batch of 200 accounts takes about a second
RESEND_AFTER = timedelta(minutes=2)  # a batch untouched this long may have lost its job


def batch_job_id(run_id: int, number: int) -> str:
    return f"{BATCH_JOB_PREFIX}{run_id}:{number}"


async def _enqueue(rt: Runtime, pairs: list[tuple[int, int]]) -> int:
    queued = 0
    for run_id, number in pairs:
        queued += await rt.queue.enqueue(
            BATCH_JOB, run_id, number, job_id=batch_job_id(run_id, number)
        )
    return queued


async def close_billing_periods(ctx: dict[str, Any]) -> dict[str, int]:
    rt: Runtime = ctx["rt"]
    await service.abandon_stale_runs()
    pending = await service.pending_batches(older_than=RESEND_AFTER)
    if await service.run_in_progress():
        requeued = await _enqueue(rt, pending)
        return {"requeued": requeued, "batches": 0}
    run, batches = await service.start_run(Actor.for_system(), trigger="cron", record_empty=False)
    if run is None:
        return {"requeued": 0, "batches": 0}
    queued = await _enqueue(rt, [(run.id, b.number) for b in batches])
    log.info(
        "billing run started",
        extra={"run": run.id, "periods": run.periods_due, "batches": len(batches)},
    )
    return {"requeued": 0, "batches": queued}


async def billing_close_batch(ctx: dict[str, Any], run_id: int, number: int) -> dict[str, int]:
    rt: Runtime = ctx["rt"]
    batch = await service.run_batch(rt, run_id, number)
    if batch is None:
        return {"invoices": 0}
    return {"invoices": batch.invoices_made, "failures": len(batch.failures)}


async def remind_overdue_invoices(ctx: dict[str, Any]) -> dict[str, int]:
    """Hourly: unpaid invoices past their due date become OVERDUE and get their reminder
    mails on the store's days; a missed day is caught up with one mail, not a burst."""
    from api.billing.invoices import mark_overdue_and_remind

    result = await mark_overdue_and_remind(ctx["rt"])
    if any(result.values()):
        log.info("overdue invoices", extra=result)
    return result
