"""`torihiki` command line: dev, serve, worker, migrate, seed-demo, seed-catalog, export-schema,
create-staff, publish-legal, billing close."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from api.settings import Settings

SCHEMA_FILE = Path("schema.graphql")


def _settings() -> Settings:
    return Settings()


async def _with_db(settings: Settings, coro_factory):  # noqa: ANN001, ANN202
    from api.db import close_db, init_db

    await init_db(settings)
    try:
        return await coro_factory()
    finally:
        await close_db()


def cmd_migrate(args: argparse.Namespace) -> int:
    from api.db import close_db, migrate_db

    settings = _settings()

    async def run() -> None:
        try:
            await migrate_db(settings)
        finally:
            await close_db()

    asyncio.run(run())
    print("database is up to date")
    return 0


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from api.demo import DEMO_PASSWORD, seed_demo

    settings = _settings()
    if settings.is_production:
        # The demo staff account's password is published in the README.
        print("refusing to seed demo data in production (ENVIRONMENT=production)", file=sys.stderr)
        return 2
    done = asyncio.run(_with_db(settings, lambda: seed_demo(settings, store_catalog=True)))
    for line in done or ["demo data already present"]:
        print(f"  seeded: {line}" if done else f"  {line}")
    print(f"  demo password for every demo user: {DEMO_PASSWORD}")
    return 0


def cmd_seed_catalog(args: argparse.Namespace) -> int:
    import time

    from api.catalog.cache import VERSION_KEY
    from api.catalog.demo import generate_products
    from api.jobs.models import JobOrigin
    from api.jobs.progress import track

    settings = _settings()
    started = time.perf_counter()

    async def seed() -> int:
        # A bar on stderr (stdout keeps the summary line scripts read; silent off a
        # terminal), and the same progress as a job run staff can read (`jobRuns`).
        async with track(
            "seed_catalog", origin=JobOrigin.CLI, total=args.products, unit="products", bar=True
        ) as progress:
            made = await generate_products(args.products, progress=progress.advance)
            progress.run.message = f"{made:,} products generated"
            return made

    made = asyncio.run(_with_db(settings, seed))
    if settings.redis_url:
        # Running API processes drop their cached catalog answers.
        import secrets

        import redis

        client = redis.Redis.from_url(settings.redis_url)
        client.set(VERSION_KEY, secrets.token_hex(8))
        client.close()
    print(f"  generated {made} products in {time.perf_counter() - started:.1f} s")
    return 0


def cmd_billing(args: argparse.Namespace) -> int:
    """`torihiki billing close [--date D]`: the closing run in this process, with a bar.

    Closes every period due before D (default: today, Tokyo), the days the worker was
    down included; a second run finds nothing to do. Prints one summary line (stdout)
    and the failures, each with its reason; exits 1 when a period failed.
    """
    from datetime import date

    from api.actor import Actor
    from api.billing.service import close_due_periods
    from api.errors import DomainError
    from api.jobs.models import JobOrigin
    from api.jobs.progress import track
    from api.runtime import Runtime

    settings = _settings()
    try:
        as_of = date.fromisoformat(args.date) if args.date else None
    except ValueError:
        print(f"--date: not a date (YYYY-MM-DD): {args.date!r}", file=sys.stderr)
        return 2

    async def close():  # noqa: ANN202
        rt = await Runtime.start(settings)
        try:
            async with track(
                "billing_close", origin=JobOrigin.CLI, unit="periods", bar=True
            ) as progress:
                result = await close_due_periods(
                    rt, Actor.for_system(), as_of=as_of, trigger="cli", progress=progress
                )
                progress.run.message = (
                    f"{result.invoices_made:,} invoices, ¥{result.amount_total:,}, "
                    f"{len(result.failures)} failed"
                )
                return result
        finally:
            await rt.close()

    try:
        result = asyncio.run(_with_db(settings, close))
    except DomainError as error:
        problem = error.problems[0]
        print(f"refused: {problem.code} {problem.params}", file=sys.stderr)
        return 2
    print(
        f"  run {result.run_id}: {result.periods_done}/{result.periods_due} periods, "
        f"{result.invoices_made} invoices, ¥{result.amount_total:,}, "
        f"{result.skipped} closed elsewhere, {len(result.failures)} failed"
    )
    for failure in result.failures:
        print(
            f"  failed: {failure['account']} {failure['term']} {failure['closingDate']}: "
            f"{failure['code']} {failure['reason']}",
            file=sys.stderr,
        )
    return 1 if result.failures else 0


def cmd_create_staff(args: argparse.Namespace) -> int:
    from api.accounts.staff import create_staff
    from api.errors import DomainError
    from api.i18n import message

    settings = _settings()
    password = os.environ.get("TORIHIKI_STAFF_PASSWORD") or getpass.getpass("password: ")
    try:
        user = asyncio.run(
            _with_db(
                settings,
                lambda: create_staff(
                    settings,
                    args.email,
                    password,
                    args.family_name,
                    args.given_name,
                    role_key=args.role,
                ),
            )
        )
    except DomainError as e:
        for p in e.problems:
            print(
                f"{p.field[0] if p.field else 'input'}: {message(p.code, 'en', **p.params)}",
                file=sys.stderr,
            )
        return 1
    print(f"staff user {user.email} created")
    return 0


def cmd_publish_legal(args: argparse.Namespace) -> int:
    from datetime import datetime

    from api.actor import Actor
    from api.errors import DomainError
    from api.i18n import message
    from api.legal.service import publish_document
    from api.legal.states import LegalDocumentKind

    settings = _settings()
    body = Path(args.file).read_text(encoding="utf-8") if args.file != "-" else sys.stdin.read()
    try:
        effective_at = datetime.fromisoformat(args.effective_at) if args.effective_at else None
    except ValueError:
        print("--effective-at: an ISO 8601 time with its zone, e.g. 2027-04-01T00:00:00+09:00")
        return 1
    try:
        document = asyncio.run(
            _with_db(
                settings,
                lambda: publish_document(
                    Actor.for_system(),
                    LegalDocumentKind(args.kind),
                    args.title,
                    body,
                    effective_at=effective_at,
                ),
            )
        )
    except DomainError as e:
        for p in e.problems:
            field = p.field[0] if p.field else "input"
            print(f"{field}: {message(p.code, 'en', **p.params)}", file=sys.stderr)
        return 1
    print(
        f"published {document.kind.value} version {document.version}, "
        f"effective {document.effective_at.isoformat()}"
    )
    return 0


def cmd_export_schema(args: argparse.Namespace) -> int:
    from api.graphql.schema import export_schema

    sdl = export_schema()
    if args.check:
        current = SCHEMA_FILE.read_text(encoding="utf-8") if SCHEMA_FILE.exists() else ""
        if current != sdl:
            print("schema.graphql is stale: run `make schema` and commit it", file=sys.stderr)
            return 1
        print("schema.graphql is up to date")
        return 0
    SCHEMA_FILE.write_text(sdl, encoding="utf-8")
    print(f"wrote {SCHEMA_FILE}")
    return 0


def _serve(settings: Settings, reload: bool = False) -> None:
    import uvicorn

    from api.app import create_app
    from api.logs import setup_logging

    setup_logging(settings.log_level, settings.log_json)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=True,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings()
    if not settings.uses_fakeredis:
        # In the services profile the worker is its own process (`torihiki worker`).
        settings.embedded_worker = False
    _serve(settings)
    return 0


def cmd_dev(args: argparse.Namespace) -> int:
    from api.dev_mailbox import port_is_free

    settings = _settings()
    if settings.is_production:
        print(
            "torihiki dev is for development; in production run serve and worker", file=sys.stderr
        )
        return 2
    cmd_migrate(args)
    cmd_seed_demo(args)
    if settings.embedded_smtp_sink and not port_is_free(settings.smtp_host, settings.smtp_port):
        print(f"port {settings.smtp_port} is taken: set SMTP_PORT to a free port", file=sys.stderr)
        return 1
    base = f"http://{settings.http_host}:{settings.http_port}"
    print(
        f"""
torihiki is starting (store profile: {settings.store_profile})
  GraphiQL:  {base}/graphql
  Mailbox:   {base}/dev/mailbox
  Sign in as staff@example.com or member@example.com with the demo password above.
""",
        flush=True,
    )
    _serve(settings)
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from api.db import close_db, init_db
    from api.logs import setup_logging

    settings = _settings()
    settings.check_production()
    setup_logging(settings.log_level, settings.log_json)
    if settings.uses_fakeredis:
        print(
            "torihiki worker needs REDIS_URL (the embedded profile runs its worker "
            "inside `torihiki dev`)",
            file=sys.stderr,
        )
        return 1

    if settings.worker_metrics_port:
        from api.metrics import serve_worker_metrics

        serve_worker_metrics(settings.worker_metrics_host, settings.worker_metrics_port)

    async def run() -> None:
        from workers.supervisor import Supervisor, start_runtime

        await init_db(settings)
        rt = await start_runtime(settings)
        # Rides out Redis outages; SIGTERM finishes the running jobs, then exits 0.
        supervisor = Supervisor(rt)
        supervisor.install_signal_handlers()
        try:
            await supervisor.run()
        finally:
            await rt.close()
            await close_db()

    asyncio.run(run())
    return 0


def _legal_kinds() -> list:  # noqa: ANN202 (an enum's members, imported late)
    from api.legal.states import LegalDocumentKind

    return list(LegalDocumentKind)


def cmd_sandbox(args: argparse.Namespace) -> int:
    """What the sandbox processor's dashboard would do: pay a konbini slip, decide NP 保留."""
    from api.payments import sandbox
    from api.runtime import Runtime

    settings = _settings()
    if settings.payment_processor != sandbox.NAME or settings.is_production:
        print("the sandbox processor is not in use (PAYMENT_PROVIDER)", file=sys.stderr)
        return 1

    async def run() -> bool:
        rt = await Runtime.start(settings)
        try:
            if args.action == "pay-konbini":
                done = await sandbox.pay_konbini(rt, args.ref)
            else:
                done = await sandbox.settle_np(rt, args.ref, args.result)
            if done and settings.uses_fakeredis:
                # This process's in-memory queue: deliver the webhook from here.
                from workers.settings import build_worker

                worker = build_worker(rt, burst=True, cron_jobs=False, handle_signals=False)
                await worker.async_run()
            return done
        finally:
            await rt.close()

    if not asyncio.run(_with_db(settings, run)):
        print(f"sandbox: nothing open for {args.ref}", file=sys.stderr)
        return 1
    print(f"sandbox: {args.action} {args.ref}: webhook sent")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="torihiki", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("dev", help="migrate, seed demo data, serve with worker and mail sink")
    sub.add_parser("serve", help="serve the API (uvicorn)")
    sub.add_parser("worker", help="run the arq worker (needs REDIS_URL)")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed-demo", help="load demo data (idempotent)")
    catalog = sub.add_parser("seed-catalog", help="generate N published products fast (benchmarks)")
    catalog.add_argument("--products", type=int, default=10_000)
    export = sub.add_parser("export-schema", help="write schema.graphql")
    export.add_argument("--check", action="store_true", help="fail if schema.graphql is stale")
    staff = sub.add_parser(
        "create-staff",
        help="create a staff user (password from TORIHIKI_STAFF_PASSWORD or a prompt)",
    )
    staff.add_argument("email")
    staff.add_argument("--family-name", default="運営")
    staff.add_argument("--given-name", default="担当")
    staff.add_argument(
        "--role",
        default="operator_admin",
        help="operator_admin, operator, catalog_manager or billing",
    )
    billing = sub.add_parser("billing", help="closing-date billing")
    billing_sub = billing.add_subparsers(dest="billing_command", required=True)
    close = billing_sub.add_parser(
        "close", help="close every billing period due (catching up missed days), with a bar"
    )
    close.add_argument(
        "--date", help="close the periods due before this date (YYYY-MM-DD; default today)"
    )
    legal = sub.add_parser(
        "publish-legal", help="publish the next version of a terms or policy document"
    )
    legal.add_argument("--kind", required=True, choices=[k.value for k in _legal_kinds()])
    legal.add_argument("--title", required=True)
    legal.add_argument("--file", required=True, help="the text, UTF-8 (- for stdin)")
    legal.add_argument("--effective-at", help="ISO 8601 with zone; default: now")
    box = sub.add_parser("sandbox", help="the sandbox payment processor (development only)")
    actions = box.add_subparsers(dest="action", required=True)
    actions.add_parser("pay-konbini", help="mark a konbini slip paid").add_argument("ref")
    np_result = actions.add_parser("np-result", help="decide an NP screening on hold (保留)")
    np_result.add_argument("ref")
    np_result.add_argument("result", choices=["ok", "ng"])
    args = parser.parse_args(argv)
    handler = {
        "dev": cmd_dev,
        "serve": cmd_serve,
        "worker": cmd_worker,
        "migrate": cmd_migrate,
        "seed-demo": cmd_seed_demo,
        "seed-catalog": cmd_seed_catalog,
        "export-schema": cmd_export_schema,
        "create-staff": cmd_create_staff,
        "publish-legal": cmd_publish_legal,
        "billing": cmd_billing,
        "sandbox": cmd_sandbox,
    }[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
