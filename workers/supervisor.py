"""Keeps a worker running through Redis outages, and stops it gently on SIGTERM.

arq's poll loop does not reconnect: a Redis `ConnectionError` ends `Worker.main()`
and the process used to exit and stay down. `Supervisor.run()` instead waits for
Redis with capped backoff (0.5 s doubling up to WORKER_RECONNECT_MAX_DELAY_SECONDS,
for ever) and starts a fresh worker on the same runtime; the Redis pool reconnects
by itself. Jobs that were running when Redis went away finish their database work
first (their arq bookkeeping may fail; every job is idempotent). Rows that could not
be queued meanwhile are picked up by the sweeper.

On SIGTERM/SIGINT the worker stops taking jobs, lets the running ones finish (up
to WORKER_SHUTDOWN_WAIT_SECONDS; arq's completion wait), and `run()` returns, so
`torihiki worker` exits 0. A job still running after that wait is cancelled and
re-run later by another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable
from typing import Any

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from api.runtime import Runtime
from api.settings import Settings

log = logging.getLogger(__name__)

# What "Redis went away" looks like from redis-py and the socket underneath.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, OSError)


class Supervisor:
    def __init__(
        self,
        rt: Runtime,
        *,
        build: Callable[..., Any] | None = None,
        cron_jobs: bool = True,
        initial_delay: float = 0.5,
    ) -> None:
        from workers.settings import build_worker

        self.rt = rt
        self.build = build or build_worker
        self.cron_jobs = cron_jobs
        self.initial_delay = initial_delay
        self.worker: Any = None
        self.stopping = asyncio.Event()
        self.restarts = 0
        self.signal: signal.Signals | None = None

    # ---- signals -----------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.request_stop, sig)

    def request_stop(self, sig: signal.Signals = signal.SIGTERM) -> None:
        """Stop taking jobs; let running ones finish within the shutdown wait; then stop."""
        if self.stopping.is_set():
            return
        self.signal = sig
        self.stopping.set()
        log.info("worker stopping: waiting for running jobs", extra={"signal": sig.name})
        worker = self.worker
        if worker is not None:
            # arq's own completion wait: no new jobs, wait, cancel what is left, stop main.
            worker.handle_sig_wait_for_completion(sig)

    # ---- the loop ----------------------------------------------------------------------

    async def run(self) -> None:
        delay = self.initial_delay
        max_delay = self.rt.settings.worker_reconnect_max_delay_seconds
        while not self.stopping.is_set():
            worker = self.build(
                self.rt,
                cron_jobs=self.cron_jobs,
                handle_signals=False,
                job_completion_wait=self.rt.settings.worker_shutdown_wait_seconds,
            )
            self.worker = worker
            try:
                await worker.async_run()
                return  # a burst ended
            except asyncio.CancelledError:
                if self.stopping.is_set():
                    await self._drain(worker)
                    return
                raise
            except REDIS_DOWN as e:
                log.warning(
                    "Redis went away; the worker waits for it and starts again",
                    extra={"error": type(e).__name__},
                )
            except Exception as e:
                # redis-py reports a connection lost during WATCH as WatchError; anything
                # else that ends arq's loop is logged, and the worker starts again too.
                log.warning(
                    "the worker's loop ended; it starts again",
                    exc_info=True,
                    extra={"error": type(e).__name__},
                )
            finally:
                self.worker = None
            await self._drain(worker)
            self.restarts += 1
            delay = await self._wait_for_redis(delay, max_delay)
            if not self.stopping.is_set():
                log.info("Redis is back; worker restarting", extra={"restarts": self.restarts})

    async def _drain(self, worker: Any) -> None:
        """Let jobs that were running finish (bounded by their own timeouts)."""
        tasks = [t for t in worker.tasks.values() if not t.done()]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
        for t in worker.tasks.values():
            if t.done() and not t.cancelled():
                t.exception()  # retrieved: no "exception was never retrieved" noise
        mailer = worker.ctx.get("mailer")
        if mailer is not None:
            with contextlib.suppress(Exception):
                await mailer.close()

    async def _wait_for_redis(self, delay: float, max_delay: float) -> float:
        """Ping until Redis answers (or a stop is asked); returns the next first delay."""
        while not self.stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), delay)
            if self.stopping.is_set():
                break
            try:
                await asyncio.wait_for(self.rt.redis.ping(), timeout=max(delay, 1.0))
                return self.initial_delay
            except Exception:
                delay = min(delay * 2, max_delay)
        return self.initial_delay


async def start_runtime(settings: Settings) -> Runtime:
    """Runtime.start, waiting for Redis with capped backoff if it is down at start-up."""
    delay = 0.5
    while True:
        try:
            return await Runtime.start(settings)
        except REDIS_DOWN as e:
            log.warning(
                "Redis is not reachable; the worker waits for it",
                extra={"error": type(e).__name__, "delay": delay},
            )
            await asyncio.sleep(delay)
            delay = min(delay * 2, settings.worker_reconnect_max_delay_seconds)
