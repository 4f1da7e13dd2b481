"""Tortoise configuration, transactions and after-commit hooks.

Every domain's models live in one Tortoise app (`models`) whose migrations are
committed in `api/migrations`. `unit_of_work()` is the one way services write:
it opens a transaction and runs the callbacks registered with `after_commit`
only once the transaction has committed (that is how an outbox row becomes an
arq job without ever enqueueing a mail for a change that rolled back).
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.client import TransactionalDBClient
from tortoise.transactions import in_transaction

from api.keys import MAX_ROW_ID, row_key  # noqa: F401 - re-exported for the domains
from api.settings import Settings

log = logging.getLogger(__name__)

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
            # Issued order documents: delivery notes, simplified invoices, receipts (issue 12).
            "order_documents": {
                "models": ["api.orders.document_models"],
                "default_connection": "default",
                "migrations": "api.orders.document_migrations",
            },
            # Subscription contracts (issue 13).
            "contracts": {
                "models": ["api.contracts.models"],
                "default_connection": "default",
                "migrations": "api.contracts.migrations",
            },
            # Closing-date billing (issue 14).
            "billing": {
                "models": ["api.billing.models"],
                "default_connection": "default",
                "migrations": "api.billing.migrations",
            },
            # Coupons (issue 11).
            "coupons": {
                "models": ["api.coupons.models"],
                "default_connection": "default",
                "migrations": "api.coupons.migrations",
            },
            # Quotes (issue 11).
            "quotes": {
                "models": ["api.quotes.models"],
                "default_connection": "default",
                "migrations": "api.quotes.migrations",
            },
            # Payments (issue 12).
            "payments": {
                "models": ["api.payments.models"],
                "default_connection": "default",
                "migrations": "api.payments.migrations",
            },
            # Points (issue 11).
            "points": {
                "models": ["api.points.models"],
                "default_connection": "default",
                "migrations": "api.points.migrations",
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
    commit too. Guarded against two ways a task's transaction state goes wrong:

    * BEGIN fails (the server dropped the connection): Tortoise has already set
      the task's connection context to the new transaction and holds a pooled
      connection (on SQLite, the transaction lock), and never undoes either, so
      every later unit of work in that task would fail or hang. `_begin` undoes
      both before the error propagates.
    * The outermost unit finds a transaction already open in its task: a leftover
      of such a failure elsewhere (finalized, or its connection closed) is
      dropped; a live one (raw `in_transaction()` around a unit of work) is a
      misuse, refused, because the callbacks would run before that commit.
    """
    outer = _after_commit.get()
    if outer is not None:
        async with in_transaction() as conn:
            yield conn
        return
    _check_no_open_transaction()
    pending: list[Callable[[], Awaitable[None]]] = []
    token = _after_commit.set(pending)
    try:
        context = in_transaction()
        conn = await _begin(context)
        try:
            yield conn
        except BaseException as e:
            await context.__aexit__(type(e), e, e.__traceback__)
            raise
        else:
            await context.__aexit__(None, None, None)
    finally:
        _after_commit.reset(token)
    for callback in pending:
        await callback()


def _check_no_open_transaction() -> None:
    current = connections.get("default")
    if not isinstance(current, TransactionalDBClient):
        return
    raw = getattr(current, "_connection", None)
    closed = raw is None or (callable(getattr(raw, "is_closed", None)) and raw.is_closed())
    if getattr(current, "_finalized", False) or closed:
        log.warning("dropping a transaction context left behind in this task")
        connections.set("default", current._parent)  # type: ignore[attr-defined]
        return
    raise RuntimeError(
        "unit_of_work() entered inside a transaction it did not open; use unit_of_work() "
        "for the outer transaction too, so after-commit callbacks wait for the real commit"
    )


async def _begin(context: Any) -> Any:
    """Enter a Tortoise transaction context; if BEGIN fails, undo what it left set."""
    try:
        return await context.__aenter__()
    except BaseException:
        # The token is set after the connection (or SQLite's lock) was taken and just
        # before BEGIN: only then is there something of ours to give back.
        token = getattr(context, "token", None)
        if token is None:
            raise
        with contextlib.suppress(Exception):
            connections.reset(token)
        client = getattr(context, "client", None)  # pooled backends (asyncpg)
        pool = getattr(getattr(client, "_parent", None), "_pool", None)
        raw = getattr(client, "_connection", None)
        if pool is not None and raw is not None:
            with contextlib.suppress(Exception):
                await pool.release(raw)
        lock = getattr(context, "_trxlock", None)  # SQLite: one transaction at a time
        if lock is not None and lock.locked():
            lock.release()
        raise


async def rows_by_keys(model: Any, keys: list[str], scope: dict[str, Any] | None) -> list[Any]:
    """Rows for global-ID keys (strings of digits) within a visibility scope, in key order;
    None for a key that is malformed, missing or outside the scope (None: nothing visible)."""
    if scope is None:
        return [None] * len(keys)
    wanted = [row_key(k) for k in keys]
    ids = {i for i in wanted if i is not None}
    found = {o.pk: o for o in await model.filter(id__in=ids, **scope)} if ids else {}
    return [found.get(i) if i is not None else None for i in wanted]
