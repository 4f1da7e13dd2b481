"""Catalog read benchmark: anonymous product pages over HTTP against one `torihiki serve`.

    .venv/bin/python bench/catalog.py                      # 10,000 products, cache on and off
    .venv/bin/python bench/catalog.py --products 100000    # and keyword search latency at 100k

What it does:
- uses its own PostgreSQL database (torihiki_bench_catalog) and Redis db 10, never the
  test database; migrates it and tops it up to --products with `torihiki seed-catalog`;
- starts one uvicorn process (`torihiki serve`) per configuration (response cache on, off);
- drives it with a small keep-alive HTTP/1.1 client (asyncio streams, pre-encoded
  requests: cheaper than httpx, so the client steals less CPU from the server on a
  2-core machine) at --connections concurrent connections for --seconds per scenario;
- scenarios: the 20- and 100-product page with nested category, tags, options and
  prices ("same": one document and variables; "mixed": rotating over 50 pages and
  filters, so a cache sees many keys); then keyword search + filters one at a time
  with unique variables (never cached) for latency;
- prints req/s, p50 and p99 per scenario, and the plan PostgreSQL chose for a search.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
DB_NAME = os.environ.get("BENCH_CATALOG_DB", "torihiki_bench_catalog")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")

PAGE = """
query Page($first: Int!, $after: String, $filter: ProductFilter, $sort: ProductSort) {
  products(first: $first, after: $after, filter: $filter, sort: $sort) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id code name kind plan
      price { display { amount currency } includingTax { amount } taxIncluded }
      images { url alt }
      category { id name }
      tags { id name kind }
      optionGroups { name required options { id name price { display { amount } } } }
    } }
  }
}"""

SEARCH = """
query Search($filter: ProductFilter, $first: Int!) {
  products(filter: $filter, first: $first, sort: RELEVANCE) {
    totalCount
    edges { node { id code name price { display { amount } } category { name } } }
  }
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def db_url() -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{DB_NAME}"


def env_for(port: int, cache_seconds: float) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": db_url(),
        "REDIS_URL": REDIS_URL,
        "HTTP_PORT": str(port),
        "LOG_LEVEL": "WARNING",
        "STORE_PROFILE": "goods-b2c",
        "CATALOG_CACHE_SECONDS": str(cache_seconds),
        "DB_POOL_MAX": "10",
    }


async def run_cli(env: dict[str, str], *args: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "api.cli", *args, cwd=ROOT, env=env
    )
    if await process.wait() != 0:
        raise RuntimeError(f"torihiki {' '.join(args)} failed")


async def prepare(products: int) -> int:
    import asyncpg

    admin = await asyncpg.connect(PG_ADMIN.replace("postgres://", "postgresql://", 1))
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", DB_NAME):
            await admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await admin.close()
    env = env_for(0, 0)
    await run_cli(env, "migrate")
    conn = await asyncpg.connect(db_url().replace("postgres://", "postgresql://", 1))
    try:
        have = await conn.fetchval("SELECT count(*) FROM catalog_products")
    finally:
        await conn.close()
    if have < products:
        print(f"generating {products - have} products (have {have}) …", flush=True)
        await run_cli(env, "seed-catalog", "--products", str(products - have))
        conn = await asyncpg.connect(db_url().replace("postgres://", "postgresql://", 1))
        try:
            await conn.execute("ANALYZE")
        finally:
            await conn.close()
    return max(have, products)


class Server:
    def __init__(self, cache_seconds: float) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "serve"],
            cwd=ROOT,
            env=env_for(self.port, cache_seconds),
        )

    async def wait_ready(self) -> None:
        for _ in range(200):
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.write(b"GET /readyz HTTP/1.1\r\nHost: bench\r\n\r\n")
                await writer.drain()
                line = await reader.readline()
                writer.close()
                if b" 200 " in line:
                    return
            except OSError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("the server did not become ready")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def encode(port: int, query: str, variables: dict) -> bytes:
    body = orjson.dumps({"query": query, "variables": variables})
    head = (
        f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: application/json\r\nAccept: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    return head + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length = 0
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    return status, await reader.readexactly(length)


async def load(
    port: int, requests: list[bytes], connections: int, seconds: float, check: bool = True
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        i = offset
        try:
            while time.perf_counter() < deadline:
                request = requests[i % len(requests)]
                i += connections
                started = time.perf_counter()
                writer.write(request)
                status, body = await read_response(reader)
                latencies.append(time.perf_counter() - started)
                if status != 200 or (check and b'"errors"' in body[:20]):
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
        "errors": errors,
    }


async def ids(port: int) -> tuple[list[str], list[str]]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        encode(port, "{ categories { id children { id } } tagGroups { tags { id } } }", {})
    )
    _, body = await read_response(reader)
    writer.close()
    data = orjson.loads(body)["data"]
    categories = [c["id"] for root in data["categories"] for c in [root, *root["children"]]]
    tags = [t["id"] for g in data["tagGroups"] for t in g["tags"]]
    return categories, tags


def scenarios(port: int, categories: list[str], tags: list[str]) -> dict[str, list[bytes]]:
    out: dict[str, list[bytes]] = {}
    for size in (20, 100):
        out[f"page {size}, same"] = [encode(port, PAGE, {"first": size})]
        mixed = []
        for k in range(50):
            variables: dict = {"first": size, "sort": ["RELEVANCE", "PRICE_ASC", "NEWEST"][k % 3]}
            if k % 5 == 1:
                variables["filter"] = {"categoryId": categories[k % len(categories)]}
            elif k % 5 == 2:
                variables["filter"] = {"benefitTagIds": [tags[k % len(tags)]]}
            elif k % 5 == 3:
                variables["filter"] = {"minPrice": 1000 * k, "maxPrice": 1000 * k + 50000}
            mixed.append(encode(port, PAGE, variables))
        out[f"page {size}, mixed"] = mixed
    return out


def searches(port: int, tags: list[str], n: int) -> list[bytes]:
    words = ["勤怠", "くらうど", "ｾｷｭﾘﾃｨ", "Cloud", "請求書 プロ", "バックアップ", "換気", "分析"]
    out = []
    for k in range(n):
        variables: dict = {"first": 20, "filter": {"keyword": words[k % len(words)]}}
        if k % 2:
            variables["filter"]["benefitTagIds"] = [tags[k % len(tags)]]
            variables["filter"]["maxPrice"] = 200_000 + k  # unique: never a cache hit
        else:
            variables["filter"]["minPrice"] = k
        out.append(encode(port, SEARCH, variables))
    return out


async def explain() -> str:
    import asyncpg

    conn = await asyncpg.connect(db_url().replace("postgres://", "postgresql://", 1))
    try:
        rows = await conn.fetch(
            "EXPLAIN ANALYZE SELECT id FROM catalog_products WHERE status = 'published' "
            "AND CAST(search_text AS VARCHAR) LIKE '%バックアップ%' "
            "ORDER BY created_at DESC, id DESC LIMIT 21"
        )
    finally:
        await conn.close()
    return "\n".join("    " + r[0] for r in rows)


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (Linux /proc), 0 where unavailable."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def report(name: str, r: dict[str, float]) -> None:
    cpu = f"   server CPU {r['cpu_ms']:5.1f} ms/req" if r.get("cpu_ms") else ""
    print(
        f"  {name:<22} {r['rps']:8.1f} req/s   p50 {r['p50']:7.1f} ms   p99 {r['p99']:7.1f} ms"
        f"{cpu}   ({int(r['requests'])} requests, {int(r['errors'])} errors)",
        flush=True,
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--cache", choices=["both", "on", "off"], default="both")
    parser.add_argument("--searches", type=int, default=200)
    parser.add_argument(
        "--database",
        default=None,
        help="database name (default torihiki_bench_catalog; it only ever grows, so keep "
        "one per catalog size, e.g. torihiki_bench_catalog_10k)",
    )
    args = parser.parse_args()
    if args.database:
        global DB_NAME
        DB_NAME = args.database

    total = await prepare(args.products)
    print(f"catalog: {total} products; {args.connections} connections, {args.seconds:.0f} s each")
    modes = {"both": [30.0, 0.0], "on": [30.0], "off": [0.0]}[args.cache]
    for cache_seconds in modes:
        server = Server(cache_seconds)
        try:
            await server.wait_ready()
            categories, tags = await ids(server.port)
            print(f"response cache {'on' if cache_seconds else 'off'}:")
            for name, requests in scenarios(server.port, categories, tags).items():
                await load(server.port, requests, args.connections, 2)  # warm-up
                cpu = cpu_seconds(server.process.pid)
                result = await load(server.port, requests, args.connections, args.seconds)
                cpu = cpu_seconds(server.process.pid) - cpu
                result["cpu_ms"] = cpu * 1000 / max(1, result["requests"])
                report(name, result)
            if cache_seconds == 0:
                search = searches(server.port, tags, args.searches)
                result = await _sequential(server.port, search)
                print(
                    f"  keyword search + filters, one at a time over {len(search)} queries: "
                    f"p50 {result['p50']:.1f} ms, p99 {result['p99']:.1f} ms, "
                    f"mean {result['mean']:.1f} ms",
                    flush=True,
                )
        finally:
            server.stop()
    print("plan of a keyword search on PostgreSQL:")
    print(await explain())


async def _sequential(port: int, requests: list[bytes]) -> dict[str, float]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    latencies = []
    try:
        for request in requests:
            started = time.perf_counter()
            writer.write(request)
            status, body = await read_response(reader)
            latencies.append((time.perf_counter() - started) * 1000)
            if status != 200 or b'"errors"' in body[:20]:
                raise RuntimeError(body[:300])
    finally:
        writer.close()
    latencies.sort()
    return {
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "mean": statistics.fmean(latencies),
    }


if __name__ == "__main__":
    asyncio.run(main())
