"""The worker and the outbox under the disturbances of issue 10.

A worker killed mid-job, SMTP servers that answer 4xx (greylisting), a database
blip between SMTP's "250 OK" and marking the row, a BEGIN that fails, a Redis that
goes away: each case checks what the SMTP server finally received (nothing lost,
nothing twice) and how long the system took to recover.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import uuid

import pytest
from arq.constants import in_progress_key_prefix
from redis.asyncio import Redis
from tortoise import connections

from api import clock
from api.db import unit_of_work
from api.notifications import outbox
from api.notifications.models import OutboxMessage, OutboxStatus
from tests.conftest import free_port
from workers.settings import build_worker


async def _queue(rt, to="a@example.jp", template="application_received"):
    async with unit_of_work():
        message = await outbox.queue_mail(rt, template, to, {"name": "テスト 太郎"})
    return message


def _ids(inbox):
    return [m["X-Torihiki-Outbox-Id"] for m in inbox.messages]


async def _sent(message_id) -> bool:
    return (await OutboxMessage.get(id=message_id)).status == OutboxStatus.SENT


async def _run_until(rt, done, within: float = 10) -> None:
    """Run a (non-burst) worker until `done()` holds, then stop it."""
    worker = build_worker(rt, cron_jobs=False, handle_signals=False)
    task = asyncio.create_task(worker.async_run())
    try:
        async with asyncio.timeout(within):
            while not await done():  # noqa: ASYNC110 - polling the database
                await asyncio.sleep(0.02)
    finally:
        worker.handle_sig(15)
        with contextlib.suppress(asyncio.CancelledError):
            await task


# ---- a killed worker -------------------------------------------------------------------


async def test_a_running_mail_job_is_marked_in_progress_for_the_mail_timeout_only(rt, inbox):
    """arq marked each job in progress for the LARGEST timeout of all functions (610 s,
    from the token purge): a job of a killed worker could not run again for ten minutes."""
    # The SMTP server runs its own loop in aiosmtpd's thread: an asyncio.Event set from
    # the test's loop would not wake it, so the hold is a thread-safe event polled there.
    release = threading.Event()
    original = inbox.handle_DATA

    async def slow_data(server, session, envelope):
        while not release.is_set():  # noqa: ASYNC110 - another thread sets it
            await asyncio.sleep(0.01)
        return await original(server, session, envelope)

    inbox.handle_DATA = slow_data
    try:
        message = await _queue(rt)
        worker = build_worker(rt, burst=True, cron_jobs=False, handle_signals=False)
        task = asyncio.create_task(worker.async_run())
        key = in_progress_key_prefix + outbox.job_id(message.id)
        for _ in range(200):
            ttl = await rt.redis.pttl(key)
            if ttl > 0:
                break
            await asyncio.sleep(0.01)
        assert 0 < ttl <= (rt.settings.mail_job_timeout_seconds + 10) * 1000
        # The long cron job keeps its own, longer mark.
        with_cron = build_worker(rt, burst=True, handle_signals=False)
        assert with_cron.in_progress_seconds("cron:purge_expired_tokens:1") == 610
        assert with_cron.in_progress_seconds(outbox.job_id(message.id)) == 40
        release.set()
        await asyncio.wait_for(task, 10)
    finally:
        release.set()
        del inbox.handle_DATA
    assert _ids(inbox) == [str(message.id)]


async def test_mail_held_by_a_killed_worker_is_requeued_under_a_fresh_job_id(rt, inbox, run_worker):
    message = await _queue(rt)
    job = outbox.job_id(message.id)
    # A worker took the job (arq's in-progress key) and claimed the row, then was killed.
    await rt.redis.psetex(in_progress_key_prefix + job, 40_000, b"1")
    assert await outbox.claim(str(message.id)) is not None
    clock.travel(rt.settings.outbox_stale_seconds + 1)
    result = await outbox.sweep(rt)
    # arq refuses the old id while its job key lives: the sweeper uses a new one.
    assert (result["reclaimed"], result["enqueued"]) == (1, 1)
    # The dead worker's job stays queued until its mark expires: a burst run would wait.
    await _run_until(rt, lambda: _sent(message.id))
    assert _ids(inbox) == [str(message.id)]
    # Sweeping again while the new job waits adds nothing: the same attempt, the same id.
    assert outbox.job_id(message.id, 1) == f"mail:{message.id}:1"


async def test_stale_seconds_stay_above_the_mail_job_timeout(settings):
    from api.settings import Settings

    with pytest.raises(ValueError, match="OUTBOX_STALE_SECONDS"):
        Settings(_env_file=None, outbox_stale_seconds=30, mail_job_timeout_seconds=30)
    # The defaults recover a killed worker's mail within a minute (sweep every 15 s).
    defaults = Settings(_env_file=None)
    assert defaults.outbox_stale_seconds + 15 <= 60
    assert defaults.outbox_stale_seconds > defaults.mail_job_timeout_seconds


# ---- SMTP: 4xx is temporary at every step ---------------------------------------------


async def test_greylisting_451_at_rcpt_is_retried_not_failed(rt, inbox, run_worker):
    answered = []

    async def greylist(server, session, envelope, address, rcpt_options):
        if len(answered) < 3:
            answered.append(address)
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    inbox.handle_RCPT = greylist
    try:
        message = await _queue(rt, to="grey@example.jp")
        await run_worker()
    finally:
        del inbox.handle_RCPT
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 4)
    assert _ids(inbox) == [str(message.id)]


async def test_451_at_mail_from_is_retried_and_550_at_rcpt_is_permanent(rt, inbox, run_worker):
    busy = []

    async def mail_from(server, session, envelope, address, mail_options):
        if len(busy) < 2:
            busy.append(address)
            return "451 4.3.0 Local problem, try later"
        envelope.mail_from = address
        return "250 OK"

    inbox.handle_MAIL = mail_from
    inbox.refuse.add("nobody@example.jp")
    try:
        ok = await _queue(rt, to="busy@example.jp")
        refused = await _queue(rt, to="nobody@example.jp")
        await run_worker()
    finally:
        del inbox.handle_MAIL
    assert (await OutboxMessage.get(id=ok.id)).status == OutboxStatus.SENT
    row = await OutboxMessage.get(id=refused.id)
    # Failed at its first 550, whether or not a 451 at MAIL FROM came first.
    assert row.status == OutboxStatus.FAILED and row.attempts <= 3
    assert "550" in row.last_error
    assert _ids(inbox) == [str(ok.id)]


async def test_retry_horizon_is_hours_with_capped_backoff():
    from api.settings import Settings

    s = Settings(_env_file=None)
    delays = []
    attempts = 1
    while not outbox.retries_exhausted(s, attempts):
        delays.append(outbox.retry_delay(s, attempts))
        attempts += 1
    assert delays[:4] == [5, 10, 20, 40]
    assert max(delays) == s.outbox_retry_max_delay_seconds
    # The waits add up to the horizon (a day), not to the 2.5 minutes of six attempts.
    assert s.outbox_retry_horizon_seconds - s.outbox_retry_max_delay_seconds < sum(delays)
    assert sum(delays) <= s.outbox_retry_horizon_seconds
    short = Settings(_env_file=None, outbox_retry_horizon_seconds=60)
    assert outbox.retries_exhausted(short, 4)  # 5 + 10 + 20 + 40 > 60
    assert not outbox.retries_exhausted(short, 3)


async def test_a_relay_outage_longer_than_six_attempts_still_delivers(rt, inbox, run_worker):
    refused = []

    async def down(server, session, envelope, address, rcpt_options):
        if len(refused) < 8:
            refused.append(address)
            return "421 4.3.2 Service not available"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    inbox.handle_RCPT = down
    old = rt.settings.outbox_max_attempts, rt.settings.outbox_retry_max_delay_seconds
    rt.settings.outbox_max_attempts = 100
    rt.settings.outbox_retry_max_delay_seconds = 0.05
    try:
        message = await _queue(rt, to="patient@example.jp")
        await run_worker()
    finally:
        del inbox.handle_RCPT
        rt.settings.outbox_max_attempts, rt.settings.outbox_retry_max_delay_seconds = old
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 9)


# ---- a database blip after SMTP accepted the mail --------------------------------------


async def test_mark_sent_is_retried_through_a_database_blip(rt, inbox, run_worker, monkeypatch):
    real = outbox.mark_sent
    failures = []

    async def flaky(message):
        if len(failures) < 2:
            failures.append(message.id)
            raise ConnectionError("connection to the database was lost")
        return await real(message)

    monkeypatch.setattr(outbox, "mark_sent", flaky)
    message = await _queue(rt)
    await run_worker()
    monkeypatch.undo()
    assert len(failures) == 2
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT
    clock.travel(rt.settings.outbox_stale_seconds + 1)
    await outbox.sweep(rt)
    await run_worker()
    assert _ids(inbox) == [str(message.id)]


async def test_a_mail_sent_but_never_marked_is_not_sent_again(rt, inbox, run_worker, monkeypatch):
    async def down(message):
        raise ConnectionError("the database is down")

    monkeypatch.setattr(outbox, "mark_sent", down)
    monkeypatch.setattr(rt.settings, "mail_mark_sent_retry_seconds", 0.2)
    message = await _queue(rt)
    await run_worker()
    monkeypatch.undo()
    assert _ids(inbox) == [str(message.id)]
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENDING
    # The database is back; the sweeper reclaims the row and the next attempt only marks it.
    clock.travel(rt.settings.outbox_stale_seconds + 1)
    assert (await outbox.sweep(rt))["reclaimed"] == 1
    await run_worker()
    row = await OutboxMessage.get(id=message.id)
    assert row.status == OutboxStatus.SENT
    assert _ids(inbox) == [str(message.id)]


# ---- unit_of_work guard -----------------------------------------------------------------


def _transaction_class():
    context = connections.get("default")._in_transaction()
    return type(getattr(context, "client", None) or context.connection)


async def test_a_failed_begin_does_not_poison_the_task(rt, monkeypatch):
    cls = _transaction_class()
    real_begin = cls.begin
    calls = []

    async def dropped(self):
        calls.append(1)
        raise ConnectionResetError("server closed the connection at BEGIN")

    monkeypatch.setattr(cls, "begin", dropped)
    with pytest.raises(ConnectionResetError):
        async with unit_of_work():
            pass
    monkeypatch.setattr(cls, "begin", real_begin)
    assert calls == [1]

    async def write():
        async with unit_of_work():
            return await _queue(rt, to="after@example.jp")

    # The same task goes on working (before: later units failed, or hung on SQLite).
    message = await asyncio.wait_for(write(), 5)
    assert await OutboxMessage.filter(id=message.id).exists()
    # ... and other tasks too (a fresh context: before, SQLite's transaction lock was
    # never released and every other task's transaction waited for ever).
    fresh = asyncio.create_task(write(), context=contextvars.Context())
    other = await asyncio.wait_for(fresh, 5)
    assert await OutboxMessage.filter(id=other.id).exists()


async def test_unit_of_work_inside_a_foreign_transaction_is_refused(rt):
    from tortoise.transactions import in_transaction

    with pytest.raises(RuntimeError, match="did not open"):
        async with in_transaction():
            async with unit_of_work():
                pass
    # Nesting units of work stays allowed; callbacks wait for the outer commit.
    ran = []
    async with unit_of_work():
        async with unit_of_work():
            from api.db import after_commit

            async def done():
                ran.append(1)

            after_commit(done)
        assert ran == []
    assert ran == [1]


# ---- /readyz ----------------------------------------------------------------------------


async def test_readyz_names_the_dependency_without_exception_names(http, rt, monkeypatch):
    dead = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    monkeypatch.setattr(rt, "redis", dead)
    try:
        response = await http.get("/readyz")
    finally:
        monkeypatch.undo()
        await dead.aclose()
    assert response.status_code == 503
    body = response.json()
    assert body == {"status": "unavailable", "database": "ok", "redis": "unavailable"}
    assert "Error" not in response.text


def test_job_ids_stay_apart_per_generation():
    row = uuid.uuid4()
    assert outbox.job_id(row) == f"mail:{row}"
    assert len({outbox.job_id(row, n) for n in range(5)}) == 5


# ---- Redis outages: the worker stays up and resumes by itself ---------------------------


class TcpProxy:
    """A loopback TCP proxy to the shared Redis that the test can cut and restore,
    so an outage is simulated without stopping the server other suites use."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()
        self.cut = False

    async def start(self) -> None:
        """Listen (once) and pass traffic through."""
        self.cut = False
        if self.server is None:
            self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def cut_off(self) -> None:
        """Drop every connection and refuse new ones, as a Redis that went away."""
        self.cut = True
        for writer in list(self.writers):
            writer.close()
        self.writers.clear()

    async def stop(self) -> None:
        await self.cut_off()
        if self.server is not None:
            self.server.close()
            self.server = None

    async def _handle(self, reader, writer) -> None:
        if self.cut:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src, dst) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


class RedisOutage:
    """A runtime whose Redis can be taken away: fakeredis disconnected, or real Redis
    reached through a TcpProxy."""

    def __init__(self, rt) -> None:
        self.base = rt
        self.fake = None
        self.proxy: TcpProxy | None = None

    async def __aenter__(self):
        import dataclasses

        from arq.connections import ArqRedis, RedisSettings, create_pool

        from api.queue import JobQueue
        from api.ratelimit import RateLimiter

        settings = self.base.settings
        if settings.uses_fakeredis:
            from fakeredis import FakeAsyncRedis, FakeServer

            self.fake = FakeServer()
            redis = ArqRedis(connection_pool=FakeAsyncRedis(server=self.fake).connection_pool)
        else:
            target = RedisSettings.from_dsn(settings.redis_url)
            self.proxy = TcpProxy(target.host, target.port)
            await self.proxy.start()
            redis = await create_pool(
                RedisSettings(
                    host="127.0.0.1",
                    port=self.proxy.port,
                    database=target.database,
                    conn_timeout=1,
                    conn_retries=0,
                )
            )
        self.rt = dataclasses.replace(
            self.base, redis=redis, queue=JobQueue(redis), limiter=RateLimiter(redis)
        )
        return self

    async def down(self) -> None:
        if self.fake is not None:
            self.fake.connected = False
        else:
            await self.proxy.cut_off()

    async def up(self) -> None:
        if self.fake is not None:
            self.fake.connected = True
        else:
            await self.proxy.start()

    async def __aexit__(self, *exc) -> None:
        await self.up()
        with contextlib.suppress(Exception):
            await self.rt.redis.flushdb()
        with contextlib.suppress(Exception):
            await self.rt.redis.aclose()
        if self.proxy is not None:
            await self.proxy.stop()


async def _until(condition, within: float = 15) -> None:
    async with asyncio.timeout(within):
        while not await condition():  # noqa: ASYNC110 - polling the database
            await asyncio.sleep(0.02)


async def test_worker_rides_out_a_redis_outage_and_mail_resumes(rt, inbox):
    from workers.supervisor import Supervisor

    async with RedisOutage(rt) as outage:
        ort = outage.rt
        supervisor = Supervisor(ort, cron_jobs=False, initial_delay=0.05)
        task = asyncio.create_task(supervisor.run())
        try:
            first = await _queue(ort, to="before@example.jp")
            await _until(lambda: _sent(first.id))
            await outage.down()
            during = await _queue(ort, to="during@example.jp")  # enqueue fails; row kept
            await asyncio.sleep(0.6)
            assert not task.done(), "the worker stopped when Redis went away"
            await outage.up()

            async def restarted() -> bool:
                return supervisor.restarts >= 1 and supervisor.worker is not None

            await _until(restarted)
            # The cron sweeper finds the row after OUTBOX_STALE_SECONDS; here at once.
            await outbox.sweep(ort, stale_seconds=0)
            await _until(lambda: _sent(during.id))
            after = await _queue(ort, to="after@example.jp")
            await _until(lambda: _sent(after.id))
        finally:
            supervisor.request_stop()
            await asyncio.wait_for(task, 15)
    assert sorted(_ids(inbox)) == sorted(str(m.id) for m in (first, during, after))


async def test_sigterm_finishes_the_send_in_flight_then_stops(rt, inbox):
    import signal

    from workers.supervisor import Supervisor

    original = inbox.handle_DATA

    async def slow_data(server, session, envelope):
        await asyncio.sleep(0.5)  # the SMTP server's own loop (aiosmtpd's thread)
        return await original(server, session, envelope)

    inbox.handle_DATA = slow_data
    try:
        supervisor = Supervisor(rt, cron_jobs=False)
        task = asyncio.create_task(supervisor.run())
        message = await _queue(rt)

        async def claimed() -> bool:
            return (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENDING

        await _until(claimed)
        supervisor.request_stop(signal.SIGTERM)
        await asyncio.wait_for(task, 15)  # returns normally: `torihiki worker` exits 0
    finally:
        del inbox.handle_DATA
    row = await OutboxMessage.get(id=message.id)
    assert (row.status, row.attempts) == (OutboxStatus.SENT, 1)
    assert _ids(inbox) == [str(message.id)]


@pytest.mark.skipif(
    __import__("os").environ.get("TORIHIKI_TEST_BACKENDS", "sqlite") != "services",
    reason="`torihiki worker` needs a real Redis",
)
async def test_torihiki_worker_exits_0_on_sigterm_after_its_send(rt, inbox, settings):
    import os
    import signal
    import sys

    original = inbox.handle_DATA

    async def slow_data(server, session, envelope):
        await asyncio.sleep(1.0)
        return await original(server, session, envelope)

    env = {
        **os.environ,
        "ENVIRONMENT": "test",
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        "SMTP_HOST": settings.smtp_host,
        "SMTP_PORT": str(settings.smtp_port),
        "STORE_PROFILE": settings.store_profile,
        "WORKER_METRICS_PORT": "0",
        "EMBEDDED_SMTP_SINK": "false",
    }
    inbox.handle_DATA = slow_data
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.cli",
        "worker",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        message = await _queue(rt)

        async def claimed() -> bool:
            return (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENDING

        await _until(claimed, within=30)
        process.send_signal(signal.SIGTERM)
        _, stderr = await asyncio.wait_for(process.communicate(), 30)
    finally:
        del inbox.handle_DATA
        if process.returncode is None:
            process.kill()
    assert process.returncode == 0, stderr.decode()[-2000:]
    assert (await OutboxMessage.get(id=message.id)).status == OutboxStatus.SENT
    assert _ids(inbox) == [str(message.id)]
