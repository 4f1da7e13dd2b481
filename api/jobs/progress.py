"""`track(...)`: one progress object for a long job, drawn as a bar and kept as a row.

A job reports with `await progress.advance(n)`; the same calls move the
terminal bar of a CLI run (tqdm on stderr, silent off a terminal) and the
`JobRun` row that staff read as `jobRuns` while a worker runs it. The row is
written at most once per `WRITE_EVERY_SECONDS` (and at the end), in its own
short statements outside the job's transactions: progress must show while
the job is still working, and must never hold the job's locks.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from api import clock
from api.jobs.models import JobOrigin, JobRun, JobRunStatus

WRITE_EVERY_SECONDS = 1.0
MESSAGE_MAX = 500


class Progress:
    def __init__(self, run: JobRun, bar: Any | None) -> None:
        self.run = run
        self._bar = bar
        self._written = time.monotonic()
        self._dirty = False

    @property
    def done(self) -> int:
        return self.run.done

    async def set_total(self, total: int) -> None:
        self.run.total = max(0, total)
        if self._bar is not None:
            self._bar.total = total
            self._bar.refresh()
        await self._save(force=True)

    async def advance(self, n: int = 1) -> None:
        self.run.done += n
        if self._bar is not None:
            self._bar.update(n)
        self._dirty = True
        await self._save()

    async def _save(self, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and (not self._dirty or now - self._written < WRITE_EVERY_SECONDS):
            return
        self.run.updated_at = clock.now()
        await JobRun.filter(id=self.run.id).update(
            total=self.run.total,
            done=self.run.done,
            updated_at=self.run.updated_at,
        )
        self._written, self._dirty = now, False

    async def finish(self, status: JobRunStatus, message: str) -> None:
        now = clock.now()
        self.run.status, self.run.message = status, message[:MESSAGE_MAX]
        self.run.updated_at = self.run.finished_at = now
        await JobRun.filter(id=self.run.id).update(
            status=status,
            message=self.run.message,
            total=self.run.total,
            done=self.run.done,
            updated_at=now,
            finished_at=now,
        )


@asynccontextmanager
async def track(
    name: str,
    *,
    origin: JobOrigin,
    total: int | None = None,
    unit: str = "items",
    bar: bool = False,
) -> AsyncIterator[Progress]:
    """Record a run of `name`; it ends SUCCEEDED, or FAILED when the block raises.

    `bar=True` also draws a tqdm bar on stderr (CLI runs). Set
    `progress.run.message` inside the block for the outcome staff should read.
    """
    now = clock.now()
    run = await JobRun.create(
        name=name, origin=origin, total=total, unit=unit, started_at=now, updated_at=now
    )
    tqdm_bar = None
    if bar:
        import sys

        from tqdm import tqdm

        tqdm_bar = tqdm(total=total, unit=f" {unit}", disable=None, file=sys.stderr, desc=name)
    progress = Progress(run, tqdm_bar)
    try:
        yield progress
    except BaseException as error:
        # Staff read a short reason; the traceback is in the logs.
        reason = "interrupted" if not isinstance(error, Exception) else type(error).__name__
        if isinstance(error, Exception) and getattr(error, "code", None):
            reason = str(error.code)  # a DomainError's code
        await progress.finish(JobRunStatus.FAILED, f"failed: {reason}")
        raise
    else:
        done = f"{run.done:,} {unit}"
        await progress.finish(JobRunStatus.SUCCEEDED, run.message or done)
    finally:
        if tqdm_bar is not None:
            tqdm_bar.close()
