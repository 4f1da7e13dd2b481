"""One row per run of a long job: a catalog seed, a billing close, a bulk resend."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

from api.jobs.states import JobOrigin, JobRunStatus

__all__ = ["JobOrigin", "JobRun", "JobRunStatus"]


class JobRun(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, db_index=True)  # the job, e.g. "billing_close"
    origin = fields.CharEnumField(JobOrigin, max_length=8)
    status = fields.CharEnumField(JobRunStatus, max_length=12, default=JobRunStatus.RUNNING)
    total = fields.IntField(null=True)  # unknown until counted
    done = fields.IntField(default=0)
    unit = fields.CharField(max_length=32, default="items")
    # A short outcome for staff ("1,234 invoices", or why it failed); never a traceback.
    message = fields.CharField(max_length=500, default="")
    started_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    finished_at = fields.DatetimeField(null=True)

    class Meta:
        table = "job_runs"
        indexes = (("started_at", "id"),)
