"""The ASGI application: `create_app(settings)`.

Routes: `/graphql` (POST/GET, GraphiQL for browsers, its assets under
`/graphql/assets/`), `/healthz` (the process is up), `/readyz` (database and
Redis answer) and, in the embedded profile, `/dev/mailbox` and stand-ins for the
pages mails link to (api/dev_links.py). The lifespan opens the database and Redis
and, in the embedded profile, starts the SMTP sink and an in-process arq worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from tortoise import connections

from api import metrics
from api.accounts.sessions import authenticate
from api.billing.http import routes as billing_routes
from api.catalog.cache import response_cache as catalog_response_cache
from api.db import close_db, init_db
from api.dev_links import dev_link_routes
from api.dev_mailbox import SmtpSink, mailbox_routes
from api.graphql import graphiql
from api.graphql.http import GraphQLEndpoint
from api.graphql.schema import build_schemas
from api.logs import new_request_id, request_id_var
from api.orders.document_http import routes as order_document_routes
from api.payments.http import routes as payment_routes
from api.quotes.http import routes as quote_routes
from api.runtime import Runtime
from api.settings import Settings

log = logging.getLogger(__name__)


class RequestIdMiddleware:
    """Gives every request an id (or keeps a sane one from X-Request-ID) for logs and jobs."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                incoming = value.decode("latin-1")
                break
        rid = incoming if incoming.isalnum() and 8 <= len(incoming) <= 64 else new_request_id()
        token = request_id_var.set(rid)

        async def send_with_id(message: Any) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", rid.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> Starlette:
    settings.check_production()
    schemas = build_schemas(settings)  # once per process, never per request
    embedded = settings.uses_fakeredis and not settings.is_production

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        owns_runtime = runtime is None
        if owns_runtime:
            await init_db(settings)
            rt = await Runtime.start(settings)
        else:
            rt = runtime
        app.state.rt = rt
        # The endpoint knows no domain: who a token stands for and what may be cached
        # are wired in here.
        app.state.graphql = GraphQLEndpoint(
            rt,
            schemas,
            authenticate=authenticate,
            response_cache=catalog_response_cache(rt),
        )
        sink = worker_task = None
        if embedded and settings.embedded_smtp_sink:
            sink = SmtpSink(settings.mailbox_dir, settings.smtp_host, settings.smtp_port)
            sink.start()
        if embedded and settings.embedded_worker:
            from workers.settings import build_worker

            worker_task = asyncio.create_task(build_worker(rt, handle_signals=False).async_run())
        # Objects made at start-up live for the process: keep the GC from rescanning them.
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if worker_task is not None:
                # Cancelled jobs are re-run later (arq); every job is idempotent.
                worker_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await worker_task
            if sink is not None:
                sink.stop()
            if owns_runtime:
                await rt.close()
                await close_db()

    async def graphql(request: Request) -> Any:
        return await request.app.state.graphql.handle(request)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> JSONResponse:
        # Each dependency answers "ok" or "unavailable"; what failed, and why, goes to
        # the log only (exception names tell an outsider which libraries run here).
        async def database() -> None:
            await connections.get("default").execute_query("SELECT 1")

        async def redis() -> None:
            await request.app.state.rt.redis.ping()

        checks: dict[str, str] = {}
        for name, probe in (("database", database), ("redis", redis)):
            try:
                await asyncio.wait_for(probe(), timeout=settings.readyz_timeout_seconds)
                checks[name] = "ok"
            except Exception:  # report, do not crash the probe
                log.warning("readiness check failed", exc_info=True, extra={"dependency": name})
                checks[name] = "unavailable"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if ready else "unavailable", **checks},
            status_code=200 if ready else 503,
        )

    async def metrics_page(request: Request) -> Response:
        if settings.is_production:
            given = request.headers.get("authorization", "")
            expected = f"Bearer {settings.metrics_token}"
            if not hmac.compare_digest(given.encode(), expected.encode()):
                return Response(
                    "metrics need the bearer token\n",
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        with contextlib.suppress(Exception):
            # The outbox figures come from the database; when it is down the last
            # known values are served and /readyz says what failed.
            await metrics.refresh_outbox()
        body, content_type = metrics.exposition()
        return Response(body, media_type=content_type)

    async def root(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    routes: list[Any] = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/", root),
    ]
    # Quote PDFs by signed link (api/quotes/links.py).
    routes += quote_routes()
    # Order documents (納品書, 請求書, 領収書) by signed link (api/orders/document_links.py).
    routes += order_document_routes()
    # Invoice PDFs by signed link, the accounting CSV for billing staff (api/billing/http.py).
    routes += billing_routes()
    # Processor webhooks, and the sandbox processor's pages in development (api/payments).
    routes += payment_routes(settings)
    if settings.metrics_enabled and (settings.metrics_token or not settings.is_production):
        routes.append(Route("/metrics", metrics_page))
    if settings.graphiql_enabled:
        routes += graphiql.routes()
    if embedded:
        routes += mailbox_routes(settings.mailbox_dir)
        # The client app's pages that mails link to, as GraphiQL filled in (api/dev_links.py).
        routes += dev_link_routes()
    app = Starlette(debug=settings.debug, routes=routes, lifespan=lifespan)
    if settings.allowed_origins:
        # The SPA on another origin sends the session cookie: credentials must be allowed.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.allowed_origins,
            allow_credentials=True,
            allow_methods=["GET", "POST"],
            allow_headers=["content-type", "authorization", "accept-language", "x-request-id"],
            expose_headers=["x-request-id"],
            max_age=600,
        )
    app.add_middleware(RequestIdMiddleware)
    return app
