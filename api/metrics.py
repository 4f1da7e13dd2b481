"""Operators' numbers in the Prometheus text format.

One registry per process (metrics are process-wide by nature; Prometheus adds
the instance label when it scrapes). The API serves it at `/metrics`
(`api/app.py`); `torihiki worker` serves its own on `WORKER_METRICS_PORT`.
The embedded profile runs the worker inside the API process, so there the
API's `/metrics` carries the job counters too.

Label values a client chooses (the GraphQL operation name) are bounded, so a
client cannot grow the registry without limit: names that are not plain
identifiers, and names beyond the first `MAX_OPERATION_NAMES`, count as `other`.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

REGISTRY = CollectorRegistry(auto_describe=True)

OPERATIONS = Counter(
    "torihiki_graphql_operations",
    "GraphQL operations by name and outcome (ok, errors, not_executed).",
    ("operation", "outcome"),
    registry=REGISTRY,
)
LATENCY = Histogram(
    "torihiki_graphql_duration_seconds",
    "Time to execute one GraphQL operation (parse, validate, resolve).",
    ("operation",),
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
ERRORS = Counter(
    "torihiki_graphql_errors",
    "GraphQL errors in responses, by extensions.code.",
    ("code",),
    registry=REGISTRY,
)
CACHE_HITS = Counter(
    "torihiki_graphql_cache_hits",
    "Anonymous catalog answers served from the response cache (not counted as operations).",
    registry=REGISTRY,
)
RATE_LIMIT_REFUSALS = Counter(
    "torihiki_rate_limit_refusals",
    "Attempts refused by a rate limit, by bucket.",
    ("bucket",),
    registry=REGISTRY,
)
OUTBOX_ROWS = Gauge(
    "torihiki_outbox_messages",
    "Outbox rows by status, read from the database at scrape time.",
    ("status",),
    registry=REGISTRY,
)
OUTBOX_OLDEST_PENDING = Gauge(
    "torihiki_outbox_oldest_pending_age_seconds",
    "Age of the oldest mail still waiting to be sent (0 when none waits).",
    registry=REGISTRY,
)
JOBS = Counter(
    "torihiki_jobs",
    "Worker jobs finished, by job name and outcome (ok, failed).",
    ("job", "outcome"),
    registry=REGISTRY,
)
JOB_DURATION = Histogram(
    "torihiki_job_duration_seconds",
    "Time a worker job ran.",
    ("job",),
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0),
    registry=REGISTRY,
)

MAX_OPERATION_NAMES = 200
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
_seen_names: set[str] = set()


_DOCUMENT_NAME = re.compile(r"\b(?:query|mutation|subscription)\s+([A-Za-z_][A-Za-z0-9_]*)")


def operation_label(name: str | None, document: str = "") -> str:
    if not name and document:
        # Clients rarely send operationName for a one-operation document: read it
        # from the document (the first named operation, as the spec picks it).
        found = _DOCUMENT_NAME.search(document, 0, 4096)
        name = found.group(1) if found else None
    if not name:
        return "anonymous"
    if not _NAME.fullmatch(name):
        return "other"
    if name not in _seen_names:
        if len(_seen_names) >= MAX_OPERATION_NAMES:
            return "other"
        _seen_names.add(name)
    return name


def observe_operation(
    name: str | None,
    document: str,
    seconds: float,
    executed: bool,
    errors: list[dict[str, Any]],
) -> None:
    label = operation_label(name, document)
    LATENCY.labels(label).observe(seconds)
    outcome = "ok" if not errors else ("errors" if executed else "not_executed")
    OPERATIONS.labels(label, outcome).inc()
    for error in errors:
        code = (error.get("extensions") or {}).get("code") or "UNKNOWN"
        ERRORS.labels(str(code)[:64]).inc()


async def refresh_outbox() -> None:
    """Reads the outbox figures from the database (one grouped query, one MIN)."""
    from tortoise.functions import Count, Min

    from api.notifications.models import OutboxMessage, OutboxStatus

    rows = await (
        OutboxMessage.all().group_by("status").annotate(n=Count("id")).values("status", "n")
    )
    counts = {str(row["status"]): row["n"] for row in rows}
    for status in OutboxStatus:
        OUTBOX_ROWS.labels(status.value).set(counts.get(status.value, 0))
    oldest = await (
        OutboxMessage.filter(status=OutboxStatus.PENDING)
        .annotate(first=Min("created_at"))
        .first()
        .values("first")
    )
    first = oldest["first"] if oldest else None
    if first is None:
        OUTBOX_OLDEST_PENDING.set(0)
    else:
        if first.tzinfo is None:
            first = first.replace(tzinfo=UTC)
        OUTBOX_OLDEST_PENDING.set(max((datetime.now(UTC) - first).total_seconds(), 0.0))


def exposition() -> tuple[bytes, str]:
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def instrumented(job: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Wraps a worker job so its runs are counted and timed under the job's own name.

    A wrapper rather than arq's on_job_start/after_job_end hooks: those get the
    job's ctx without the function name or whether it failed.
    """
    name = job.__name__

    @functools.wraps(job)
    async def run(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        outcome = "failed"
        try:
            result = await job(ctx, *args, **kwargs)
            outcome = "ok"
            return result
        finally:
            JOB_DURATION.labels(name).observe(time.perf_counter() - started)
            JOBS.labels(name, outcome).inc()

    return run


def serve_worker_metrics(host: str, port: int) -> Any:
    """The worker's own /metrics (a daemon thread of prometheus_client's server).

    Returns the server so a caller (the tests) can shut it down.
    """
    from prometheus_client import start_http_server

    server, _thread = start_http_server(port, addr=host, registry=REGISTRY)
    return server
