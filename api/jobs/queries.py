"""Reads of job runs: staff only, newest first."""

from __future__ import annotations

from typing import Any

from api.actor import Actor
from api.db import rows_by_keys
from api.jobs.models import JobRun, JobRunStatus


def job_runs(actor: Actor, *, name: str | None = None, status: JobRunStatus | None = None) -> Any:
    actor.require_staff()
    qs = JobRun.all()
    if name:
        qs = qs.filter(name=name)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-started_at", "-id")


async def job_runs_by_keys(actor: Actor, keys: list[str]) -> list[JobRun | None]:
    return await rows_by_keys(JobRun, keys, {} if actor.is_staff else None)
