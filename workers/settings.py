"""The arq worker: the list of jobs and cron entries, and how to build it.

`build_worker(rt)` is used by `torihiki worker` (its own process, real Redis),
by the embedded dev profile (inside the API process, on fakeredis) and by the
tests, so all three run exactly the same jobs.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any
from zoneinfo import ZoneInfo

import arq.worker as arq_worker
from arq import cron
from arq.constants import in_progress_key_prefix
from arq.cron import CronJob
from arq.utils import timestamp_ms
from arq.worker import Function, Worker, func
from redis.exceptions import ResponseError, WatchError

from api.metrics import instrumented
from api.queue import QUEUE_NAME
from api.runtime import Runtime
from workers.jobs.billing import (
    BATCH_JOB_PREFIX,
    BATCH_TIMEOUT_SECONDS,
    billing_close_batch,
    close_billing_periods,
    remind_overdue_invoices,
)
from workers.jobs.commerce import expire_member_points, purge_stale_guest_carts
from workers.jobs.contracts import contract_dates
from workers.jobs.mail import send_mail
from workers.jobs.maintenance import purge_expired_tokens, sweep_outbox
from workers.jobs.payments import (
    deliver_sandbox_webhook,
    payment_deadlines,
    sandbox_konbini_expiry,
)
from workers.jobs.quotes import expire_quotes
from workers.smtp import Mailer

log = logging.getLogger(__name__)

TOKYO = ZoneInfo("Asia/Tokyo")

# keep_result=0: a finished mail job leaves no result key behind, so the same
# row can be enqueued again (staff re-send, sweeper) under the same job id.
# Attempts are counted on the outbox row, so arq's own limit is only a backstop.
# send_mail's timeout is replaced by MAIL_JOB_TIMEOUT_SECONDS in build_worker().
# Each function's timeout is also how long its job stays marked in progress
# (TorihikiWorker.start_jobs), so a long cron job never holds mail back.
FUNCTIONS = [
    func(instrumented(send_mail), keep_result=0, max_tries=100, timeout=60),
    # One batch of a closing run (issue 14); idempotent, so a retry after a kill is safe.
    func(
        instrumented(billing_close_batch),
        keep_result=0,
        max_tries=20,
        timeout=BATCH_TIMEOUT_SECONDS,
    ),
    # The sandbox processor's webhook calls (api/payments/sandbox.py), retried on refusal.
    func(instrumented(deliver_sandbox_webhook), keep_result=0, max_tries=10, timeout=30),
]

# Queued jobs whose ids start with a prefix here are marked in progress for their own
# function's timeout, not the largest of the others (a killed worker's batch is taken
# up again two minutes later, and a long batch timeout never holds mail back).
JOB_ID_PREFIXES = {BATCH_JOB_PREFIX: "billing_close_batch"}

CRON_JOBS = [
    # Every 15 s: with OUTBOX_STALE_SECONDS=45 a mail held by a killed worker is sent
    # again within a minute.
    cron(instrumented(sweep_outbox), second={0, 15, 30, 45}, unique=True, timeout=120),
    cron(instrumented(purge_expired_tokens), hour={3}, minute={15}, unique=True, timeout=600),
    # Quotes past their last valid day (issue 11); hourly so a restart catches up soon.
    cron(instrumented(expire_quotes), minute={5}, unique=True, timeout=600),
    # Contracts (issue 13): just after midnight Tokyo, and hourly so a missed night catches up.
    cron(instrumented(contract_dates), minute={7}, unique=True, timeout=600),
    # Points expiry (000 §5) just after midnight Tokyo; stale guest carts at night.
    cron(instrumented(expire_member_points), hour={0}, minute={10}, unique=True, timeout=600),
    cron(instrumented(purge_stale_guest_carts), hour={4}, minute={20}, unique=True, timeout=600),
    # Closing-date billing (issue 14): every ten minutes, so the night after a closing
    # date is billed soon after midnight and a lost batch job is queued again.
    cron(
        instrumented(close_billing_periods),
        minute=set(range(3, 60, 10)),
        unique=True,
        timeout=300,
    ),
    cron(instrumented(remind_overdue_invoices), minute={17}, unique=True, timeout=600),
    # Bank transfers (issue 12): reminders before the deadline, expiry after it; hourly so
    # a restart catches up soon. The sandbox processor expires its unpaid konbini slips.
    cron(instrumented(payment_deadlines), minute={12}, unique=True, timeout=600),
    cron(instrumented(sandbox_konbini_expiry), minute={14}, unique=True, timeout=600),
]


async def _no_redis_info(_redis: Any, log_func: Any) -> None:
    log_func("redis: in-process fakeredis")


class TorihikiWorker(Worker):
    """arq's Worker that closes the SMTP sessions it pooled when it stops, and marks
    each job in progress for its own function's timeout.

    `main()` is the task both `run()` and `async_run()` await: it returns at the end
    of a burst and is cancelled at shutdown, so its `finally` covers every way out
    (arq's `on_shutdown` only runs from `close()`, which burst runs in tests skip).

    arq 0.28 marks every job in progress for the largest timeout of all functions
    plus 10 s (610 s with the 600-s token purge beside a 30-s mail job); while that
    key lives, the job cannot run again, so mail held by a killed worker waited ten
    minutes. `start_jobs` below is arq's own with one change: a cron job's key lives
    for that cron function's timeout + 10 s, any other job's for the largest timeout
    of the queued (non-cron) functions + 10 s.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = set(JOB_ID_PREFIXES.values())
        queued = [
            f.timeout_s or self.job_timeout_s
            for f in self.functions.values()
            if not isinstance(f, CronJob) and f.name not in own
        ]
        self.queued_in_progress_s = (max(queued) if queued else self.job_timeout_s) + 10
        self.in_progress_timeout_s = self.queued_in_progress_s

    def in_progress_seconds(self, job_id: str) -> float:
        if job_id.startswith("cron:"):
            function = self.functions.get(job_id.rsplit(":", 1)[0])
            if function is not None:
                return (function.timeout_s or self.job_timeout_s) + 10
        for prefix, name in JOB_ID_PREFIXES.items():
            if job_id.startswith(prefix) and name in self.functions:
                return (self.functions[name].timeout_s or self.job_timeout_s) + 10
        return self.queued_in_progress_s

    async def start_jobs(self, job_ids: list[bytes]) -> None:
        for job_id_b in job_ids:
            await self.sem.acquire()
            if self.job_counter >= self.max_jobs:
                self.sem.release()
                return None
            self.job_counter = self.job_counter + 1
            job_id = job_id_b.decode()
            in_progress_key = in_progress_key_prefix + job_id
            async with self.pool.pipeline(transaction=True) as pipe:
                await pipe.watch(in_progress_key)
                ongoing_exists = await pipe.exists(in_progress_key)
                score = await pipe.zscore(self.queue_name, job_id)
                if ongoing_exists or not score or score > timestamp_ms():
                    # Running elsewhere, finished, or re-enqueued with a delay.
                    self.job_counter = self.job_counter - 1
                    self.sem.release()
                    continue
                pipe.multi()
                pipe.psetex(in_progress_key, int(self.in_progress_seconds(job_id) * 1000), b"1")
                try:
                    await pipe.execute()
                except (ResponseError, WatchError):
                    self.job_counter = self.job_counter - 1
                    self.sem.release()
                else:
                    t = self.loop.create_task(self.run_job(job_id, int(score)))
                    t.add_done_callback(lambda _: self._release_sem_dec_counter_on_complete())
                    self.tasks[job_id] = t

    async def main(self) -> None:
        try:
            await super().main()
        finally:
            mailer: Mailer | None = self.ctx.get("mailer")
            if mailer is not None:
                await mailer.close()


def functions(rt: Runtime) -> list[Function]:
    """FUNCTIONS with the timeouts that come from settings."""
    timeouts = {"send_mail": rt.settings.mail_job_timeout_seconds}
    return [
        dataclasses.replace(f, timeout_s=timeouts[f.name]) if f.name in timeouts else f
        for f in FUNCTIONS
    ]


def build_worker(
    rt: Runtime,
    *,
    burst: bool = False,
    cron_jobs: bool = True,
    handle_signals: bool = True,
    job_completion_wait: int = 0,
) -> Worker:
    if rt.settings.uses_fakeredis:
        # fakeredis has no INFO command, which arq calls once at start-up to log.
        arq_worker.log_redis_info = _no_redis_info
    return TorihikiWorker(
        functions=functions(rt),
        cron_jobs=CRON_JOBS if cron_jobs else None,
        queue_name=QUEUE_NAME,
        redis_pool=rt.redis,
        # One Mailer per worker: SMTP sessions are reused across its jobs.
        ctx={"rt": rt, "mailer": Mailer()},
        burst=burst,
        poll_delay=0 if burst else 0.2,
        max_jobs=rt.settings.worker_concurrency,
        handle_signals=handle_signals,
        # On a stop signal: take no new jobs, let running ones finish this long.
        job_completion_wait=job_completion_wait,
        health_check_interval=rt.settings.worker_health_check_seconds,
        timezone=TOKYO,
        keep_result=0,
        log_results=False,
    )
