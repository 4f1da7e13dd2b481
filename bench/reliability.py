"""Reliability benchmark: mail bursts through three disturbances, counted at the far end.

Issue 10's "done when": during a burst of N mails (default 1,000) each of these
happens once, and the SMTP sink counts what arrives by `X-Torihiki-Outbox-Id`:

  kill9      the `torihiki worker` process is killed with SIGKILL while it sends;
             a new one is started at once (as a supervisor such as systemd or a
             container runtime would).
  redis      Redis goes away for --outage seconds (default 20) and comes back. The
             shared Redis server is never stopped: the API side and the worker reach
             it through a loopback TCP proxy that this benchmark cuts and restores.
  greylist   the relay answers `451 4.7.1` at RCPT for --greylist seconds (default 60).

For each: lost (rows not SENT, or SENT but never received), doubled (an outbox id
received twice), and "recovery" = seconds from the end of the disturbance (worker
restarted, Redis back, relay accepting) to the last mail received. The run exits 1
if anything is lost or doubled, or a recovery takes more than --within (60 s).

Production settings are used (OUTBOX_STALE_SECONDS=45, sweep every 15 s, retry
backoff 5 s doubling): the figures are what an operator would see.

Needs the local PostgreSQL and Redis. It shares bench/mail_throughput.py's database
(`torihiki_bench`, schema rebuilt per scenario: do not run the two at once) and claims
a Redis database no test suite holds, with the suites' own claim key.

    .venv/bin/python bench/reliability.py
    .venv/bin/python bench/reliability.py --mails 1000 --only kill9
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from aiosmtpd.controller import Controller  # noqa: E402
from arq.connections import RedisSettings  # noqa: E402
from mail_throughput import (  # noqa: E402
    CountingSink,
    WorkerProcess,
    bench_settings,
    free_port,
    prepare_database,
    write_rows,
)

from api.db import close_db, init_db, migrate_db  # noqa: E402
from api.notifications.models import OutboxMessage, OutboxStatus  # noqa: E402
from api.runtime import Runtime  # noqa: E402

REDIS_SERVER = os.environ.get("BENCH_REDIS_SERVER", "redis://127.0.0.1:6379")
CLAIM_KEY = "torihiki:test-suite-claim"  # the key test suites use to claim a database


def claim_redis_db() -> int:
    """A Redis database no test suite holds, claimed the way tests/conftest.py claims
    one (from 1 up; suites search from 15 down), so flushing it disturbs nobody."""
    import redis as redis_sync

    for db in range(1, 16):
        client = redis_sync.Redis.from_url(f"{REDIS_SERVER}/{db}")
        try:
            if client.set(CLAIM_KEY, os.getpid(), nx=True, ex=3600):
                return db
        finally:
            client.close()
    raise SystemExit("no free Redis database for the benchmark")


def release_redis_db(db: int) -> None:
    import redis as redis_sync

    client = redis_sync.Redis.from_url(f"{REDIS_SERVER}/{db}")
    try:
        if client.get(CLAIM_KEY) == str(os.getpid()).encode():
            client.delete(CLAIM_KEY)
    finally:
        client.close()


class GreylistingSink(CountingSink):
    """The counting sink, answering 451 at RCPT while `greylisting` is on."""

    def __init__(self) -> None:
        super().__init__()
        self.greylisting = False
        self.refused = 0
        self.last_received = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, ANN201, N802
        if self.greylisting:
            with self.lock:
                self.refused += 1
            return "451 4.7.1 Greylisted, please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        answer = await super().handle_DATA(server, session, envelope)
        self.last_received = time.monotonic()
        return answer


class TcpProxy:
    """Loopback proxy to Redis that can be cut (connections dropped, new ones refused)."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = free_port()
        self.cut = False
        self.writers: set[asyncio.StreamWriter] = set()
        self.server: asyncio.Server | None = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    def cut_off(self) -> None:
        self.cut = True
        for writer in list(self.writers):
            writer.close()
        self.writers.clear()

    def restore(self) -> None:
        self.cut = False

    async def close(self) -> None:
        self.cut_off()
        if self.server is not None:
            self.server.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.cut:
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return
        self.writers |= {writer, up_writer}

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self.writers -= {writer, up_writer}


async def count_sent() -> int:
    return await OutboxMessage.filter(status=OutboxStatus.SENT).count()


async def wait_all_sent(n: int, limit: float, worker: WorkerProcess) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if await count_sent() >= n:
            return True
        if worker.died():
            print("  !", worker.died())
            return False
        await asyncio.sleep(0.25)
    return False


async def scenario(name: str, args: argparse.Namespace) -> dict[str, Any]:
    sink = GreylistingSink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    proxy: TcpProxy | None = None
    settings = bench_settings(await prepare_database(), controller.port, None)
    settings.redis_url = f"{REDIS_SERVER}/{args.redis_db}"
    if name == "redis":
        target = RedisSettings.from_dsn(settings.redis_url)
        proxy = TcpProxy(target.host, target.port)
        await proxy.start()
        settings.redis_url = f"redis://127.0.0.1:{proxy.port}/{target.database}"
    await migrate_db(settings)
    await close_db()
    await init_db(settings)
    rt = await Runtime.start(settings)
    await rt.redis.flushdb()
    await rt.redis.set(CLAIM_KEY, os.getpid(), ex=3600)  # still ours after the flush
    log_dir = Path(tempfile.mkdtemp(prefix=f"reliability-{name}-"))
    worker = WorkerProcess(settings, log_dir / "worker-1.log", None)
    await worker.start(rt)
    n = args.mails
    result: dict[str, Any] = {"scenario": name, "mails": n}
    started = time.monotonic()
    writing = asyncio.create_task(write_rows(rt, n, 8))
    try:
        if name == "kill9":
            while sink.received() < n // 3:  # noqa: ASYNC110 - the sink runs in a thread
                await asyncio.sleep(0.01)
            os.kill(worker.proc.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            held = await OutboxMessage.filter(status=OutboxStatus.SENDING).count()
            await worker.proc.wait()
            worker.log.close()
            worker = WorkerProcess(settings, log_dir / "worker-2.log", None)
            await worker.start(rt)
            recovered_at = time.monotonic()
            result["held by the killed worker"] = held
            result["restart took s"] = round(recovered_at - killed_at, 1)
        elif name == "redis":
            while sink.received() < n // 3:  # noqa: ASYNC110 - the sink runs in a thread
                await asyncio.sleep(0.01)
            proxy.cut_off()
            await asyncio.sleep(args.outage)
            proxy.restore()
            recovered_at = time.monotonic()
            result["outage s"] = args.outage
        else:  # greylist
            sink.greylisting = True
            await asyncio.sleep(args.greylist)
            sink.greylisting = False
            recovered_at = time.monotonic()
            result["451 answers"] = sink.refused
            result["greylisting s"] = args.greylist
        with contextlib.suppress(Exception):
            await writing
        done = await wait_all_sent(n, args.within + 120, worker)
        rows = await OutboxMessage.all().count()
        sent = await count_sent()
        received = set(sink.ids)
        sent_ids = {
            str(i)
            for i in await OutboxMessage.filter(status=OutboxStatus.SENT).values_list(
                "id", flat=True
            )
        }
        result["rows"] = rows
        result["lost"] = (rows - sent) + len(sent_ids - received)
        result["doubled"] = sum(c - 1 for c in sink.ids.values() if c > 1)
        result["recovery s"] = (
            round(max(sink.last_received - recovered_at, 0.0), 1) if done else None
        )
        result["burst total s"] = round(sink.last_received - started, 1)
        result["worker alive"] = worker.died() is None
    finally:
        await worker.stop()
        await rt.close()
        await close_db()
        controller.stop()
        if proxy is not None:
            await proxy.close()
    return result


async def run(args: argparse.Namespace) -> int:
    names = args.only or ["kill9", "redis", "greylist"]
    failed = False
    results = []
    for name in names:
        print(f"--- {name}: {args.mails} mails", flush=True)
        r = await scenario(name, args)
        results.append(r)
        for key, value in r.items():
            print(f"  {key:28} {value}")
        bad = r["lost"] or r["doubled"] or r["recovery s"] is None or r["recovery s"] > args.within
        failed = failed or bool(bad)
        print("  ->", "FAIL" if bad else "ok", flush=True)
    print()
    print(f"{'scenario':10} {'mails':>6} {'lost':>5} {'doubled':>8} {'recovery s':>11}")
    for r in results:
        recovery = str(r["recovery s"])
        print(f"{r['scenario']:10} {r['mails']:>6} {r['lost']:>5} {r['doubled']:>8} {recovery:>11}")
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--only", action="append", choices=["kill9", "redis", "greylist"])
    parser.add_argument("--outage", type=float, default=20.0, help="Redis outage, seconds")
    parser.add_argument("--greylist", type=float, default=60.0, help="451 at RCPT, seconds")
    parser.add_argument("--within", type=float, default=60.0, help="allowed recovery, seconds")
    args = parser.parse_args()
    args.redis_db = claim_redis_db()
    try:
        return asyncio.run(run(args))
    finally:
        release_redis_db(args.redis_db)


if __name__ == "__main__":
    raise SystemExit(main())
