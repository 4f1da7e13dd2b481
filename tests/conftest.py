"""Test harness: the app over HTTP, a real SMTP server, a real worker, two backends.

TORIHIKI_TEST_BACKENDS selects the backend of this run:
  sqlite   (default) SQLite file + fakeredis
  services PostgreSQL + Redis (TEST_DATABASE_URL / TEST_REDIS_URL name the servers,
           defaults to the local ones; the run creates and drops a database
           torihiki_test_<pid> and claims a free Redis db); skipped when unreachable unless
           TORIHIKI_REQUIRE_SERVICES=1, as CI sets it.
`make test` runs both passes.
"""

from __future__ import annotations

import logging
import os
import re
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from tortoise import Tortoise, connections

from api import clock
from api.app import create_app
from api.db import close_db, init_db, migrate_db
from api.demo import DEMO_PASSWORD
from api.runtime import Runtime
from api.settings import Environment, Settings
from workers.settings import build_worker

BACKEND = os.environ.get("TORIHIKI_TEST_BACKENDS", "sqlite")
REQUIRE_SERVICES = os.environ.get("TORIHIKI_REQUIRE_SERVICES") == "1"
# The server the services pass uses; the suite creates a database of its own there
# (torihiki_test_<pid>) and drops it at the end, so it never touches another database.
PG_SERVER_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
# Redis: the first database from 15 down that no other running suite has claimed.
REDIS_SERVER_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_CLAIM_KEY = "torihiki:test-suite-claim"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# ---- SMTP: a real server that keeps what it receives -----------------------------------


class Inbox:
    def __init__(self) -> None:
        self.raw: list[bytes] = []
        self.refuse: set[str] = set()  # recipients answered with a permanent 550

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.raw.append(envelope.original_content or envelope.content)
        return "250 OK"

    @property
    def messages(self) -> list[EmailMessage]:
        return [BytesParser(policy=policy.default).parsebytes(r) for r in self.raw]  # type: ignore[misc]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]

    def clear(self) -> None:
        self.raw.clear()
        self.refuse.clear()


def body_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def body_html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


@pytest.fixture(scope="session")
def inbox() -> Iterator[Inbox]:
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.port = controller.port  # type: ignore[attr-defined]
    yield handler
    controller.stop()


# ---- settings, database, runtime, app -------------------------------------------------


@pytest.fixture(scope="session")
def settings(inbox: Inbox, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if BACKEND == "services":
        if not (_reachable("127.0.0.1", 5432) and _reachable("127.0.0.1", 6379)):
            if REQUIRE_SERVICES:
                pytest.exit("PostgreSQL and Redis are required for this run", returncode=1)
            pytest.skip("PostgreSQL/Redis not reachable", allow_module_level=True)
        database_url, redis_url = _own_postgres_database(), _claim_redis_db()
    else:
        database_url = f"sqlite://{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        redis_url = ""
    return Settings(
        _env_file=None,
        environment=Environment.TEST,
        database_url=database_url,
        redis_url=redis_url,
        smtp_host="127.0.0.1",
        smtp_port=inbox.port,  # type: ignore[attr-defined]
        embedded_smtp_sink=False,
        embedded_worker=False,
        mailbox_dir=Path(tmp_path_factory.mktemp("mailbox")),
        public_base_url="https://shop.example.test",
        store_profile="saas-b2b",
        # Cheap hashing keeps the suite fast; the cost is a setting and has its benchmark.
        argon2_time_cost=1,
        argon2_memory_cost_kib=1024,
        argon2_parallelism=1,
        outbox_retry_base_seconds=0.01,
        outbox_max_attempts=6,  # the outbox tests exhaust the attempts quickly
        session_cookie_secure=True,
        db_pool_max=20,
    )


def _server_and_name(url: str) -> tuple[str, str]:
    base, _, rest = url.rpartition("/")
    return base, rest.partition("?")[0]


def _own_postgres_database() -> str:
    base, _ = _server_and_name(PG_SERVER_URL)
    return f"{base}/torihiki_test_{os.getpid()}"


def _claim_redis_db() -> str:
    """Claim a Redis database number for this run (SET NX with a TTL, renewed per test)."""
    import redis as redis_sync

    for db in range(15, 0, -1):
        client = redis_sync.Redis.from_url(f"{REDIS_SERVER_URL}/{db}")
        try:
            if client.set(REDIS_CLAIM_KEY, os.getpid(), nx=True, ex=3600):
                return f"{REDIS_SERVER_URL}/{db}"
            holder = client.get(REDIS_CLAIM_KEY)
            if holder is not None and not _pid_alive(int(holder)):
                client.set(REDIS_CLAIM_KEY, os.getpid(), ex=3600)
                return f"{REDIS_SERVER_URL}/{db}"
        finally:
            client.close()
    pytest.exit("no free Redis database (1-15) for the test suite", returncode=1)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    base, name = _server_and_name(url)
    conn = await asyncpg.connect(f"{base}/postgres".replace("postgres://", "postgresql://", 1))
    try:
        await conn.execute(statement.format(name=name))
    finally:
        await conn.close()


@pytest.fixture(scope="session")
async def database(settings: Settings) -> AsyncIterator[None]:
    postgres = settings.database_url.startswith("postgres")
    if postgres:
        await _admin(settings.database_url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await _admin(settings.database_url, 'CREATE DATABASE "{name}"')
    # The committed migrations build the schema: the tests prove they work.
    await migrate_db(settings)
    await close_db()
    await init_db(settings)
    yield
    await close_db()
    if postgres:
        await _admin(settings.database_url, 'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def rt(settings: Settings, database: None) -> AsyncIterator[Runtime]:
    runtime = await Runtime.start(settings)
    yield runtime
    await runtime.close()


@pytest.fixture(scope="session")
async def app(settings: Settings, rt: Runtime) -> AsyncIterator[Any]:
    application = create_app(settings, runtime=rt)
    async with application.router.lifespan_context(application):
        yield application


def _tables() -> list[str]:
    return [m._meta.db_table for app in Tortoise.apps.values() for m in app.values()]


@pytest.fixture(autouse=True)
async def clean(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Every test starts from empty tables, an empty Redis, an empty inbox and real time."""
    if "rt" not in request.fixturenames:
        yield
        return
    rt: Runtime = request.getfixturevalue("rt")
    inbox: Inbox = request.getfixturevalue("inbox")
    conn = connections.get("default")
    tables = _tables()
    if conn.capabilities.dialect == "postgres":
        await conn.execute_script(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE;"
        )
    else:
        # Apps reference each other's tables: no delete order fits them all.
        deletes = "".join(f'DELETE FROM "{t}";' for t in tables)
        await conn.execute_script(f"PRAGMA foreign_keys=OFF;{deletes}PRAGMA foreign_keys=ON;")
    await rt.redis.flushdb()
    if BACKEND == "services":
        await rt.redis.set(REDIS_CLAIM_KEY, os.getpid(), ex=3600)
    inbox.clear()
    clock.reset()
    yield
    clock.reset()


# ---- the client's view ------------------------------------------------------------------


class GraphQLClient:
    def __init__(self, http: httpx.AsyncClient, inbox: Inbox, run_worker: Any) -> None:
        self.http = http
        self.inbox = inbox
        self.run_worker = run_worker
        self.token: str | None = None

    async def __call__(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        expect_errors: bool = False,
    ) -> dict[str, Any]:
        hdrs = dict(headers or {})
        bearer = token if token is not None else self.token
        if bearer:
            hdrs["Authorization"] = f"Bearer {bearer}"
        response = await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=hdrs
        )
        # This client authenticates by bearer token only; cookie sessions have their own tests.
        self.http.cookies.clear()
        body = response.json()
        if not expect_errors:
            assert "errors" not in body, body
            assert response.status_code == 200, body
        return body if expect_errors else body["data"]

    async def login(self, email: str, password: str = DEMO_PASSWORD) -> str:
        """Sign in as a client would, passing the emailed second factor when asked."""
        data = await self(LOGIN, {"input": {"loginId": email, "password": password}})
        payload = data["login"]
        assert payload["userErrors"] == [], payload
        if payload["session"]:
            return payload["session"]["token"]
        code = await self.emailed_code(payload["challenge"]["token"], email)
        data = await self(
            VERIFY_SECOND_FACTOR,
            {
                "input": {
                    "challenge": payload["challenge"]["token"],
                    "method": "EMAIL",
                    "code": code,
                }
            },
        )
        assert data["verifySecondFactor"]["userErrors"] == [], data
        return data["verifySecondFactor"]["session"]["token"]

    async def emailed_code(self, challenge: str, email: str) -> str:
        """Ask for the code mail, let the worker send it, read it (and take it out of the inbox)."""
        sent = await self(SEND_LOGIN_CODE, {"challenge": challenge})
        assert sent["sendLoginCode"]["userErrors"] == [], sent
        await self.run_worker()
        for raw, message in zip(list(self.inbox.raw), self.inbox.messages, strict=True):
            if message["To"] == email and "認証コード" in message["Subject"]:
                self.inbox.raw.remove(raw)
                return re.search(r"認証コード: (\d{6})", body_text(message)).group(1)
        raise AssertionError(f"no sign-in code mail for {email}")


LOGIN = """
mutation Login($input: LoginInput!) {
  login(input: $input) {
    session { token expiresAt }
    challenge { token methods expiresAt emailHint }
    user { id email kind }
    userErrors { field code message }
  }
}"""

SEND_LOGIN_CODE = """
mutation Send($challenge: String!) {
  sendLoginCode(input: {challenge: $challenge}) { sent codeExpiresAt userErrors { field code message } }
}"""

VERIFY_SECOND_FACTOR = """
mutation Verify($input: VerifySecondFactorInput!) {
  verifySecondFactor(input: $input) {
    session { token expiresAt }
    user { id email }
    trustedBrowserToken
    backupCodes
    backupCodesCsv
    userErrors { field code message }
  }
}"""


@pytest.fixture
async def http(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


@pytest.fixture
def gql(http: httpx.AsyncClient, inbox: Inbox, run_worker: Any) -> GraphQLClient:
    return GraphQLClient(http, inbox, run_worker)


@pytest.fixture
def set_policy(rt: Runtime) -> Iterator[Any]:
    """Change the store policy for one test: `set_policy(two_factor=...)`; restored after."""
    original = rt.policy

    def change(**updates: Any) -> None:
        rt.policy = rt.policy.model_copy(update=updates)

    yield change
    rt.policy = original


@pytest.fixture
def run_worker(rt: Runtime):  # noqa: ANN201
    """Run the real arq worker until the queue is empty (burst), as production runs it."""

    async def run() -> int:
        # Not worker.close(): that would close the Redis pool the app shares.
        worker = build_worker(rt, burst=True, cron_jobs=False, handle_signals=False)
        await worker.async_run()
        return worker.jobs_complete

    return run


# ---- SQL statement counting ----------------------------------------------------------------


class QueryCounter(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if text.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE", "WITH")):
            self.statements.append(text)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_queries() -> Iterator[QueryCounter]:
    logger = logging.getLogger("tortoise.db_client")
    counter = QueryCounter()
    level = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(counter)
    try:
        yield counter
    finally:
        logger.removeHandler(counter)
        logger.setLevel(level)


@pytest.fixture
def sql() -> Any:
    return count_queries


def pytest_report_header(config: pytest.Config) -> str:
    return f"torihiki test backend: {BACKEND}"
