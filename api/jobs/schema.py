"""Staff read the progress of long jobs (`jobRuns`); the jobs write it via `track()`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.graphql.connections import Page, connection
from api.graphql.pagination import Connection
from api.graphql.permissions import IsStaff
from api.graphql.rows import FromRow
from api.jobs import queries, states

strawberry.enum(states.JobRunStatus, name="JobRunStatus")
strawberry.enum(states.JobOrigin, name="JobOrigin")
JobRunStatus = states.JobRunStatus
JobOrigin = states.JobOrigin


@strawberry.type(
    name="JobRun",
    description="One run of a long job (a catalog seed, a billing close, a bulk resend) "
    "and how far it got; updated about once a second while it runs.",
)
class JobRunType(FromRow, relay.Node):
    id: relay.NodeID[int]
    name: str = strawberry.field(description="The job, e.g. seed_catalog.")
    origin: JobOrigin  # type: ignore[valid-type]
    status: JobRunStatus  # type: ignore[valid-type]
    total: int | None = strawberry.field(description="Items to do; null until counted.")
    done: int
    unit: str = strawberry.field(description="What the items are, e.g. products.")
    message: str = strawberry.field(description="The outcome, or why it failed.")
    started_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @strawberry.field(description="done / total in percent (0-100); null while unknown.")
    def percent(self) -> float | None:
        if not self.total:
            return None
        return round(min(100.0, 100.0 * self.done / self.total), 1)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[JobRunType | None]:
        rows = await queries.job_runs_by_keys(await info.context.actor(), list(node_ids))
        return [cls.from_row(r) if r else None for r in rows]


@strawberry.input
class JobRunFilter:
    name: str | None = None
    status: JobRunStatus | None = None  # type: ignore[valid-type]


@strawberry.type
class JobsQuery:
    @connection(permission_classes=[IsStaff], description="Staff: runs of long jobs, newest first.")
    async def job_runs(
        self, info: strawberry.Info, filter: JobRunFilter | None = None
    ) -> Connection[JobRunType]:
        rows = queries.job_runs(
            await info.context.actor(),
            name=filter.name if filter else None,
            status=filter.status if filter else None,
        )
        return Page(rows, JobRunType.from_row)  # type: ignore[return-value]
