"""Tortoise configuration, transactions and after-commit hooks.

Every domain's models live in one Tortoise app (`models`) whose migrations are
committed in `api/migrations`. `unit_of_work()` is the one way services write:
it opens a transaction and runs the callbacks registered with `after_commit`
only once the transaction has committed (that is how an outbox row becomes an
arq job without ever enqueueing a mail for a change that rolled back).
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise
from tortoise.transactions import in_transaction

from api.settings import Settings

MODEL_MODULES = [
    "api.accounts.models",
    "api.companies.models",
    "api.legal.models",
    "api.notifications.models",
    "api.audit.models",
]


def tortoise_config(settings: Settings) -> dict[str, Any]:
    url = settings.database_url
    if url.startswith("sqlite://"):
        path = url.removeprefix("sqlite://").split("?", 1)[0]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        # Query parameters become PRAGMAs: wait for a writer instead of failing.
        if "busy_timeout" not in url:
            url += ("&" if "?" in url else "?") + "busy_timeout=5000"
    elif url.startswith(("postgres://", "postgresql://")) and "maxsize" not in url:
        url += ("&" if "?" in url else "?") + f"maxsize={settings.db_pool_max}"
    return {
        "connections": {"default": url},
        "apps": {
            "models": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "api.migrations",
            },
            # Newer domains own their apps, so their migrations never mix with others'.
            "catalog": {
                "models": ["api.catalog.models"],
                "default_connection": "default",
                "migrations": "api.catalog.migrations",
            },
            "calendar": {
                "models": ["api.calendar.models"],
                "default_connection": "default",
                "migrations": "api.calendar.migrations",
            },
            "support": {
                "models": ["api.support.models"],
                "default_connection": "default",
                "migrations": "api.support.migrations",
            },
            # Progress of long jobs (issue 15).
            "jobs": {
                "models": ["api.jobs.models"],
                "default_connection": "default",
                "migrations": "api.jobs.migrations",
            },
            # Carts (issue 11).
            "carts": {
                "models": ["api.carts.models"],
                "default_connection": "default",
                "migrations": "api.carts.migrations",
            },
            # Document numbers (quotes, orders, invoices; issue 11).
            "numbering": {
                "models": ["api.numbering.models"],
                "default_connection": "default",
                "migrations": "api.numbering.migrations",
            },
            # Orders (issue 12).
            "orders": {
                "models": ["api.orders.models"],
                "default_connection": "default",
                "migrations": "api.orders.migrations",
            },
            # Closing-date billing (issue 14).
            "billing": {
                "models": ["api.billing.models"],
                "default_connection": "default",
                "migrations": "api.billing.migrations",
            },
        },
        "use_tz": True,
        "timezone": "UTC",
    }


def _default_config() -> dict[str, Any]:
    return tortoise_config(Settings())


# For the `tortoise` CLI: `tortoise -c api.db.TORTOISE_ORM makemigrations`.
TORTOISE_ORM = _default_config()


async def init_db(settings: Settings) -> None:
    # One database per process: requests run in other tasks than the lifespan
    # that opened it, so the context must be global, not a contextvar.
    await Tortoise.init(config=tortoise_config(settings), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def migrate_db(settings: Settings) -> None:
    from tortoise.migrations.api import migrate

    await migrate(config=tortoise_config(settings))


def is_postgres() -> bool:
    from tortoise import connections

    return connections.get("default").capabilities.dialect == "postgres"


_after_commit: contextvars.ContextVar[list[Callable[[], Awaitable[None]]] | None] = (
    contextvars.ContextVar("after_commit", default=None)
)


def after_commit(callback: Callable[[], Awaitable[None]]) -> None:
    """Run `callback` once the surrounding unit of work has committed."""
    pending = _after_commit.get()
    if pending is None:
        raise RuntimeError("after_commit() called outside unit_of_work()")
    pending.append(callback)


def in_unit_of_work() -> bool:
    """Whether the caller runs inside `unit_of_work()` (its transaction)."""
    return _after_commit.get() is not None


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[Any]:
    """One transaction; after-commit callbacks run only if it commits.

    Nested units join the outer one, and their callbacks wait for the outer
    commit too.
    """
    outer = _after_commit.get()
    if outer is not None:
        async with in_transaction() as conn:
            yield conn
        return
    pending: list[Callable[[], Awaitable[None]]] = []
    token = _after_commit.set(pending)
    try:
        async with in_transaction() as conn:
            yield conn
    finally:
        _after_commit.reset(token)
    for callback in pending:
        await callback()


async def rows_by_keys(model: Any, keys: list[str], scope: dict[str, Any] | None) -> list[Any]:
    """Rows for global-ID keys (strings of digits) within a visibility scope, in key order;
    None for a key that is malformed, missing or outside the scope (None: nothing visible)."""
    if scope is None:
        return [None] * len(keys)
    wanted = [row_key(k) for k in keys]
    ids = {i for i in wanted if i is not None}
    found = {o.pk: o for o in await model.filter(id__in=ids, **scope)} if ids else {}
    return [found.get(i) if i is not None else None for i in wanted]


MAX_ROW_ID = 2**31 - 1  # integer primary keys (PostgreSQL `integer`)


def row_key(key: str) -> int | None:
    """A primary key from text: ASCII digits within the column's range, else None."""
    if not (key.isascii() and key.isdigit()) or len(key) > 10:
        return None
    value = int(key)
    return value if 0 < value <= MAX_ROW_ID else None
