"""The arq worker: the list of jobs and cron entries, and how to build it.

`build_worker(rt)` is used by `torihiki worker` (its own process, real Redis),
by the embedded dev profile (inside the API process, on fakeredis) and by the
tests, so all three run exactly the same jobs.
"""

from __future__ import annotations

import logging
from typing import Any
from zoneinfo import ZoneInfo

import arq.worker as arq_worker
from arq import cron
from arq.worker import Worker, func

from api.metrics import instrumented
from api.queue import QUEUE_NAME
from api.runtime import Runtime
from workers.jobs.mail import send_mail
from workers.jobs.maintenance import purge_expired_tokens, sweep_outbox
from workers.smtp import Mailer

log = logging.getLogger(__name__)

TOKYO = ZoneInfo("Asia/Tokyo")

# keep_result=0: a finished mail job leaves no result key behind, so the same
# row can be enqueued again (staff re-send, sweeper) under the same job id.
# Attempts are counted on the outbox row, so arq's own limit is only a backstop.
FUNCTIONS = [func(instrumented(send_mail), keep_result=0, max_tries=100, timeout=60)]

CRON_JOBS = [
    cron(instrumented(sweep_outbox), second={0, 30}, unique=True, timeout=120),
    cron(instrumented(purge_expired_tokens), hour={3}, minute={15}, unique=True, timeout=600),
]


async def _no_redis_info(_redis: Any, log_func: Any) -> None:
    log_func("redis: in-process fakeredis")


class TorihikiWorker(Worker):
    """arq's Worker that closes the SMTP sessions it pooled when it stops.

    `main()` is the task both `run()` and `async_run()` await: it returns at the end
    of a burst and is cancelled at shutdown, so its `finally` covers every way out
    (arq's `on_shutdown` only runs from `close()`, which burst runs in tests skip).
    """

    async def main(self) -> None:
        try:
            await super().main()
        finally:
            mailer: Mailer | None = self.ctx.get("mailer")
            if mailer is not None:
                await mailer.close()


def build_worker(
    rt: Runtime, *, burst: bool = False, cron_jobs: bool = True, handle_signals: bool = True
) -> Worker:
    if rt.settings.uses_fakeredis:
        # fakeredis has no INFO command, which arq calls once at start-up to log.
        arq_worker.log_redis_info = _no_redis_info
    return TorihikiWorker(
        functions=FUNCTIONS,
        cron_jobs=CRON_JOBS if cron_jobs else None,
        queue_name=QUEUE_NAME,
        redis_pool=rt.redis,
        # One Mailer per worker: SMTP sessions are reused across its jobs.
        ctx={"rt": rt, "mailer": Mailer()},
        burst=burst,
        poll_delay=0 if burst else 0.2,
        max_jobs=rt.settings.worker_concurrency,
        handle_signals=handle_signals,
        health_check_interval=rt.settings.worker_health_check_seconds,
        timezone=TOKYO,
        keep_result=0,
        log_results=False,
    )
