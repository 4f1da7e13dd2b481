"""Sign-in benchmark: `login` over HTTP against `torihiki serve`, services profile.

What it measures is dominated by argon2id, by design: the hash cost is what
makes a stolen password table expensive, and it is a setting
(ARGON2_TIME_COST / ARGON2_MEMORY_COST_KIB / ARGON2_PARALLELISM). The figure
with the default cost is the one written down in bench/README.md.

Runs one uvicorn process (`torihiki serve`) on PostgreSQL database
`torihiki_bench_login` (rebuilt from the migrations each run) and Redis db 12,
with the store's 2FA off so every login issues a session. Each request is a
real GraphQL document over a loopback socket; N concurrent clients sign in
`--logins` times in all, each as its own user (so the per-account rate limit
does not interfere). Reports logins/s and latency percentiles.

    .venv/bin/python bench/login_throughput.py --logins 200 --concurrency 8
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from api.accounts.models import User, UserKind, UserStatus  # noqa: E402
from api.accounts.passwords import hash_password  # noqa: E402
from api.db import close_db, init_db, migrate_db  # noqa: E402
from api.settings import Settings  # noqa: E402

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB = "torihiki_bench_login"
DB_URL = f"postgres://postgres@127.0.0.1:5432/{DB}"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
PASSWORD = "Bench-pass-2026"
LOGIN = """mutation($input: LoginInput!) { login(input: $input) {
  session { token } userErrors { code } } }"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def prepare(settings: Settings, users: int) -> None:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DB}"')
    finally:
        await admin.close()
    await migrate_db(settings)
    await close_db()
    await init_db(settings)
    password_hash = hash_password(settings, PASSWORD)
    await User.bulk_create(
        [
            User(
                kind=UserKind.MEMBER,
                status=UserStatus.ACTIVE,
                email=f"u{i}@bench.example",
                password_hash=password_hash,
                family_name="負荷",
                given_name=str(i),
            )
            for i in range(users)
        ]
    )
    await close_db()
    import redis.asyncio as redis

    client = redis.from_url(REDIS_URL)
    await client.flushdb()
    await client.aclose()


async def run(args: argparse.Namespace) -> int:
    env_settings = {
        "DATABASE_URL": DB_URL,
        "REDIS_URL": REDIS_URL,
        "EMBEDDED_SMTP_SINK": "false",
        "EMBEDDED_WORKER": "false",
        "LOG_LEVEL": "WARNING",
        "STORE_PROFILE": str(ROOT / "bench" / "profiles" / "no-2fa.toml"),
        "LOGIN_LIMIT_PER_IP": "1000000",
    }
    settings = Settings(_env_file=None, database_url=DB_URL, redis_url=REDIS_URL)
    await prepare(settings, args.logins)
    port = free_port()
    server = subprocess.Popen(  # noqa: S603, ASYNC220 - our own CLI, for the whole run
        [sys.executable, "-m", "api.cli", "serve"],
        cwd=ROOT,
        env={**os.environ, **env_settings, "HTTP_PORT": str(port)},
    )
    latencies: list[float] = []
    failures = 0
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:
            for _ in range(200):
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)
            queue: asyncio.Queue[int] = asyncio.Queue()
            for i in range(args.logins):
                queue.put_nowait(i)

            async def client_loop() -> None:
                nonlocal failures
                while not queue.empty():
                    i = queue.get_nowait()
                    started = time.perf_counter()
                    response = await client.post(
                        "/graphql",
                        json={
                            "query": LOGIN,
                            "variables": {
                                "input": {"loginId": f"u{i}@bench.example", "password": PASSWORD}
                            },
                        },
                    )
                    latencies.append(time.perf_counter() - started)
                    body = response.json()
                    if not (body.get("data") or {}).get("login", {}).get("session"):
                        failures += 1

            started = time.perf_counter()
            await asyncio.gather(*[client_loop() for _ in range(args.concurrency)])
            elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    print(
        f"argon2id time_cost={settings.argon2_time_cost} "
        f"memory={settings.argon2_memory_cost_kib} KiB parallelism={settings.argon2_parallelism}"
    )
    print(
        f"logins: {len(latencies)} in {elapsed:.2f}s at concurrency {args.concurrency}: "
        f"{len(latencies) / elapsed:.1f} logins/s"
    )
    print(
        f"latency ms: p50 {pct(0.5):.0f}  p90 {pct(0.9):.0f}  p99 {pct(0.99):.0f}  "
        f"mean {statistics.mean(latencies) * 1000:.0f}"
    )
    print(f"failed: {failures}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
