"""The statuses of a job run and where it runs."""

from __future__ import annotations

from enum import StrEnum


class JobRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class JobOrigin(StrEnum):
    CLI = "cli"
    WORKER = "worker"
