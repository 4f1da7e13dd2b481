"""Mail pipeline benchmark: outbox rows -> arq -> worker -> SMTP, counted at the far end.

Services profile only (PostgreSQL + Redis), on resources of its own:
  * database `torihiki_bench` (created if missing, schema rebuilt from the migrations on
    every run; the `test` database the suite uses is never touched),
  * Redis db 14 (flushed at start),
  * an aiosmtpd sink on a free loopback port that counts messages by their
    `X-Torihiki-Outbox-Id` header, so a loss or a duplicate is seen where it matters.

The mails go through the real path: each row is written by
`api.notifications.outbox.queue_mail` inside `api.db.unit_of_work()` and enqueued after
commit; the worker is the real one from `workers.settings.build_worker`, by default as
its own `torihiki worker` process (as production runs it), `--worker inproc` runs it
inside this process instead (handy with `--profile`).

Modes:
  live     (default) the worker is up and idle first; producers then write the rows
           while it sends (what production looks like).
  backlog  all rows are written (and enqueued) first, then the worker is started.

Throughput = N / (first enqueue -> last `sent_at`). Exit status 1 if any mail is lost
(row not SENT, or SENT but never received) or duplicated (one outbox id received twice).

    make bench-mail
    .venv/bin/python bench/mail_throughput.py --mails 5000 --mode backlog
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402

from api.db import close_db, init_db, migrate_db, unit_of_work  # noqa: E402
from api.notifications import outbox  # noqa: E402
from api.notifications.models import OutboxMessage, OutboxStatus  # noqa: E402
from api.runtime import Runtime  # noqa: E402
from api.settings import Environment, Settings  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
BENCH_DB = "torihiki_bench"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

OUTBOX_ID = re.compile(rb"^X-Torihiki-Outbox-Id:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


# ---- the SMTP sink ----------------------------------------------------------------------


class CountingSink:
    """aiosmtpd handler: counts outbox ids from the header block; keeps no bodies."""

    def __init__(self) -> None:
        self.ids: Counter[str] = Counter()
        self.without_id = 0
        self.connections = 0
        self.lock = threading.Lock()

    async def handle_EHLO(  # noqa: N802
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.lock:
            self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        raw: bytes = envelope.original_content or envelope.content
        head = raw.split(b"\r\n\r\n", 1)[0]
        match = OUTBOX_ID.search(head)
        with self.lock:
            if match:
                self.ids[match.group(1).decode()] += 1
            else:
                self.without_id += 1
        return "250 OK"

    def received(self) -> int:
        with self.lock:
            return sum(self.ids.values())


def free_port() -> int:
    # aiosmtpd's Controller cannot take port 0 (its readiness probe connects to it).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- services --------------------------------------------------------------------------


async def prepare_database() -> str:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", BENCH_DB)
        if not exists:
            await admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    finally:
        await admin.close()
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    bench_url = f"{base}/{BENCH_DB}"
    conn = await asyncpg.connect(bench_url)
    try:
        # Only ever the bench database: a fresh schema per run, built by the migrations.
        assert await conn.fetchval("SELECT current_database()") == BENCH_DB
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()
    return bench_url.replace("postgresql://", "postgres://", 1)


def bench_settings(database_url: str, smtp_port: int, concurrency: int | None) -> Settings:
    extra: dict[str, Any] = {}
    if concurrency is not None:
        extra["worker_concurrency"] = concurrency
    return Settings(
        _env_file=None,
        environment=Environment.TEST,
        database_url=database_url,
        redis_url=REDIS_URL,
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        embedded_smtp_sink=False,
        embedded_worker=False,
        db_pool_max=20,
        **extra,
    )


def settings_env(settings: Settings) -> dict[str, str]:
    """The same settings as environment variables, for a `torihiki worker` process."""
    # Drop any setting this shell carries (DATABASE_URL=...) so only ours apply.
    fields = {name.upper() for name in Settings.model_fields}
    env = {k: v for k, v in os.environ.items() if k.upper() not in fields}
    env.update(
        {
            "ENVIRONMENT": settings.environment.value,
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "SMTP_HOST": settings.smtp_host,
            "SMTP_PORT": str(settings.smtp_port),
            "EMBEDDED_SMTP_SINK": "false",
            "EMBEDDED_WORKER": "false",
            "DB_POOL_MAX": str(settings.db_pool_max),
            "WORKER_CONCURRENCY": str(settings.worker_concurrency),
            "LOG_LEVEL": os.environ.get("BENCH_WORKER_LOG_LEVEL", "INFO"),
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


# ---- the worker --------------------------------------------------------------------------


class WorkerProcess:
    def __init__(self, settings: Settings, log_path: Path, profile_to: str | None) -> None:
        self.settings = settings
        self.log_path = log_path
        self.profile_to = profile_to
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, rt: Runtime) -> None:
        exe = ROOT / ".venv" / "bin" / "torihiki"
        cmd = [str(exe), "worker"] if exe.exists() else [sys.executable, "-m", "api.cli", "worker"]
        if self.profile_to:
            cmd = [sys.executable, "-m", "cProfile", "-o", self.profile_to, *cmd]
        self.log = self.log_path.open("wb")  # noqa: ASYNC230 - once, before the clock starts
        self.proc = await asyncio.create_subprocess_exec(
            *cmd, cwd=ROOT, env=settings_env(self.settings), stdout=self.log, stderr=self.log
        )
        # arq logs this line as it starts polling the queue.
        deadline = time.monotonic() + 30
        while b"Starting worker for" not in self.log_path.read_bytes():
            if self.proc.returncode is not None:
                raise RuntimeError(f"worker exited ({self.proc.returncode}); see {self.log_path}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start; see {self.log_path}")
            await asyncio.sleep(0.05)

    @property
    def pids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def died(self) -> str | None:
        if self.proc is not None and self.proc.returncode is not None:
            return f"worker exited with {self.proc.returncode}; see {self.log_path}"
        return None

    async def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)  # arq shuts down gracefully on SIGTERM
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        self.log.close()


class WorkerGroup:
    """Several `torihiki worker` processes on the same queue (one per core, say)."""

    def __init__(self, members: list[WorkerProcess]) -> None:
        self.members = members

    async def start(self, rt: Runtime) -> None:
        await asyncio.gather(*(m.start(rt) for m in self.members))

    @property
    def pids(self) -> list[int]:
        return [pid for m in self.members for pid in m.pids]

    def died(self) -> str | None:
        return next((d for m in self.members if (d := m.died())), None)

    async def stop(self) -> None:
        await asyncio.gather(*(m.stop() for m in self.members))


class WorkerInProcess:
    pids: list[int] = []

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.task: asyncio.Task[Any] | None = None

    async def start(self, rt: Runtime) -> None:
        from workers.settings import build_worker

        self.worker = build_worker(rt, burst=False, cron_jobs=False, handle_signals=False)
        self.task = asyncio.create_task(self.worker.async_run())
        await asyncio.sleep(0)

    def died(self) -> str | None:
        if self.task is not None and self.task.done():
            exc = None if self.task.cancelled() else self.task.exception()
            return f"worker task ended: {exc!r}"
        return None

    async def stop(self) -> None:
        if self.task is not None:
            task, self.task = self.task, None
            if task.done() and not task.cancelled() and task.exception() is not None:
                exc = task.exception()
                print(f"  worker task failed: {exc!r}", file=sys.stderr)
                import traceback

                traceback.print_exception(exc)
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, Exception):  # noqa: S110 - reported above
                pass


# ---- CPU accounting (Linux /proc) ---------------------------------------------------------


def cpu_seconds(pid: int | None = None) -> float:
    """user+system CPU seconds of a process (this one by default)."""
    if pid is None:
        t = os.times()
        return t.user + t.system
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# ---- the run -----------------------------------------------------------------------------


async def write_rows(rt: Runtime, n: int, producers: int) -> None:
    """N units of work, each writing one mail, from `producers` concurrent writers."""
    counter = iter(range(n))

    async def producer() -> None:
        for i in counter:
            async with unit_of_work():
                await outbox.queue_mail(
                    rt,
                    "verify_email",
                    f"bench{i:06d}@example.test",
                    {
                        "name": f"ベンチ 太郎{i}",
                        "verify_url": f"https://shop.example.test/verify-email?token=bench-{i:06d}",
                        "expires_hours": 24,
                    },
                    "ja",
                )

    await asyncio.gather(*(producer() for _ in range(producers)))


async def status_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for status in OutboxStatus:
        counts[status.value] = await OutboxMessage.filter(status=status).count()
    return counts


async def background_load(seconds: float = 1.0) -> float:
    """Cores busy before we start: other work on the machine skews every figure."""
    b0 = machine_busy()
    await asyncio.sleep(seconds)
    b1 = machine_busy()
    return (b1[0] - b0[0]) / max(b1[1] - b0[1], 1) * (os.cpu_count() or 1)


async def run(args: argparse.Namespace) -> int:
    load = await background_load()
    sink = CountingSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()

    database_url = await prepare_database()
    settings = bench_settings(database_url, port, args.concurrency)
    await migrate_db(settings)
    await close_db()
    await init_db(settings)
    rt = await Runtime.start(settings)
    await rt.redis.flushdb()

    # Record the moment the first job reaches Redis.
    first_enqueue: list[float] = []
    real_enqueue = rt.queue.enqueue

    async def timed_enqueue(*a: Any, **kw: Any) -> bool:
        if not first_enqueue:
            first_enqueue.append(time.time())
        return await real_enqueue(*a, **kw)

    rt.queue.enqueue = timed_enqueue  # type: ignore[method-assign]

    log_dir = Path(tempfile.gettempdir())
    log_path = log_dir / "torihiki-bench-worker-*.log"
    worker: WorkerGroup | WorkerInProcess
    if args.worker == "process":
        worker = WorkerGroup(
            [
                WorkerProcess(
                    settings,
                    log_dir / f"torihiki-bench-worker-{i}.log",
                    f"{args.worker_profile}.{i}" if args.worker_profile else None,
                )
                for i in range(args.workers)
            ]
        )
    else:
        worker = WorkerInProcess(settings)
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    n = args.mails
    print(
        f"mail_throughput: N={n} mode={args.mode} worker={args.worker} x{args.workers} "
        f"concurrency={settings.worker_concurrency} producers={args.producers} "
        f"cpus={os.cpu_count()} smtp=127.0.0.1:{port} db={BENCH_DB} redis={REDIS_URL}",
        flush=True,
    )
    print(f"  background load before start: {load:.2f} cores busy", flush=True)
    if load > 0.2:
        print("  WARNING: the machine is not idle; figures will be low", flush=True)
    exit_code = 0
    try:
        if profiler:
            profiler.enable()
        if args.mode == "live":
            await worker.start(rt)
        t_write0 = time.time()
        await write_rows(rt, n, args.producers)
        t_written = time.time()
        print(f"  wrote and enqueued {n} rows in {t_written - t_write0:.2f}s", flush=True)
        if args.mode == "backlog":
            t_worker0 = time.time()
            await worker.start(rt)
            print(f"  worker up after {time.time() - t_worker0:.2f}s", flush=True)

        worker_pids = worker.pids
        cpu0 = (cpu_seconds(), sum(map(cpu_seconds, worker_pids)), machine_busy())
        deadline = time.monotonic() + args.timeout
        sent = 0
        while time.monotonic() < deadline:
            sent = await OutboxMessage.filter(status=OutboxStatus.SENT).count()
            if sent >= n:
                break
            if problem := worker.died():
                print(f"  {problem}", file=sys.stderr)
                break
            await asyncio.sleep(0.05)
        if profiler:
            profiler.disable()
        cpu1 = (cpu_seconds(), sum(map(cpu_seconds, worker_pids)), machine_busy())
        # Let the last DATA replies land, and give a duplicate the chance to show up.
        await asyncio.sleep(args.settle)
        await worker.stop()

        counts = await status_counts()
        sent_ids = {
            str(i)
            for i in await OutboxMessage.filter(status=OutboxStatus.SENT).values_list(
                "id", flat=True
            )
        }
        all_ids = {str(i) for i in await OutboxMessage.all().values_list("id", flat=True)}
        last_sent: datetime | None = (
            await OutboxMessage.filter(status=OutboxStatus.SENT)
            .order_by("-sent_at")
            .first()
            .values_list("sent_at", flat=True)
        )
        first_claim: datetime | None = (
            await OutboxMessage.exclude(claimed_at=None)
            .order_by("claimed_at")
            .first()
            .values_list("claimed_at", flat=True)
        )
        attempts = sum(await OutboxMessage.all().values_list("attempts", flat=True))

        with sink.lock:
            received = Counter(sink.ids)
            without_id = sink.without_id
            connections = sink.connections
        duplicated = sum(c - 1 for c in received.values() if c > 1)
        not_sent = len(all_ids - sent_ids) + max(0, n - len(all_ids))
        not_received = len(sent_ids - set(received))
        unknown = len(set(received) - all_ids) + without_id
        lost = not_sent + not_received

        t0 = first_enqueue[0] if first_enqueue else t_write0
        t1 = last_sent.timestamp() if last_sent else time.time()
        elapsed = max(t1 - t0, 1e-9)
        print(f"  rows by status: {counts}; attempts: {attempts}; SMTP sessions: {connections}")
        if first_claim and last_sent:
            drain = (last_sent - first_claim).total_seconds()
            print(f"  first claim -> last SENT: {drain:.2f}s ({len(sent_ids) / drain:.1f} mails/s)")
        print(f"  first enqueue -> last SENT: {elapsed:.2f}s")
        busy = (cpu1[2][0] - cpu0[2][0]) / max(cpu1[2][1] - cpu0[2][1], 1) * (os.cpu_count() or 1)
        cpu_note = f"machine {busy:.2f} of {os.cpu_count()} cores busy"
        if worker_pids:
            per_mail = (cpu1[1] - cpu0[1]) * 1000 / max(len(sent_ids), 1)
            cpu_note += f"; worker processes {per_mail:.2f} ms CPU/mail"
        cpu_note += f"; bench process (sink, polling) {cpu1[0] - cpu0[0]:.1f}s CPU"
        print(f"  CPU while sending: {cpu_note}")
        print(
            f"RESULT mails/s={len(sent_ids) / elapsed:.1f} N={n} sent={len(sent_ids)} "
            f"received={sum(received.values())} lost={lost} (not sent {not_sent}, "
            f"sent but not received {not_received}) duplicated={duplicated} unknown={unknown}",
            flush=True,
        )
        if lost or duplicated or unknown:
            exit_code = 1
            if args.worker == "process":
                print(f"  worker log: {log_path}", file=sys.stderr)
        if profiler:
            import pstats

            pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    finally:
        await worker.stop()
        await rt.close()
        await close_db()
        controller.stop()
    return exit_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mails", type=int, default=2000, help="outbox rows to send (N)")
    parser.add_argument("--mode", choices=["live", "backlog"], default="live")
    parser.add_argument("--worker", choices=["process", "inproc"], default="process")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (process mode)")
    parser.add_argument("--concurrency", type=int, default=None, help="WORKER_CONCURRENCY")
    parser.add_argument("--producers", type=int, default=8, help="concurrent writers")
    parser.add_argument("--timeout", type=float, default=300, help="seconds to wait for SENT")
    parser.add_argument("--settle", type=float, default=1.0, help="seconds to wait after SENT")
    parser.add_argument("--profile", action="store_true", help="cProfile this process")
    parser.add_argument("--worker-profile", metavar="PATH", help="cProfile the worker process")
    args = parser.parse_args()
    return asyncio.run(run(args))


if __name__ == "__main__":
    sys.exit(main())
