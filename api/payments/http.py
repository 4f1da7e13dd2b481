"""HTTP routes of payments: the processor's webhook endpoint and the sandbox's pages.

- `POST /webhooks/payments/{provider}`: the configured processor's signed calls
  (api/payments/webhooks.py). 200 once recorded (also for a repeated event),
  401 for a bad signature or timestamp, 400 for a malformed call, 404 for a
  processor that is not the configured one.
- `GET /sandbox/konbini/{slip}` and `POST /sandbox/konbini/{slip}/pay`: what
  the sandbox processor's own site would offer a developer (see a slip, mark it
  paid at the shop). Only mounted while the sandbox is the processor, which
  production refuses.
"""

from __future__ import annotations

import html
import re
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from api.payments import sandbox, webhooks
from api.settings import Settings

MAX_BODY = 256 * 1024
SLIP = re.compile(r"^\d{1,32}$")


async def payment_webhook(request: Request) -> Response:
    rt = request.app.state.rt
    provider = request.path_params["provider"]
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return JSONResponse({"error": "too_large"}, status_code=413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return JSONResponse({"error": "too_large"}, status_code=413)
    client = request.client.host if request.client else ""
    status, answer = await webhooks.receive(
        rt, provider[:32], dict(request.headers), body, remote_addr=client
    )
    return JSONResponse(answer, status_code=status, headers={"Cache-Control": "no-store"})


async def sandbox_slip(request: Request) -> Response:
    slip = request.path_params["slip"]
    if not SLIP.match(slip):
        return HTMLResponse("not found", status_code=404)
    safe = html.escape(slip)
    page = (
        "<!doctype html><meta charset=utf-8><title>SANDBOX konbini slip</title>"
        f"<h1>SANDBOX コンビニ払込票 {safe}</h1>"
        "<p>This is the sandbox payment processor: no money moves.</p>"
        f"<form method=post action='/sandbox/konbini/{safe}/pay'>"
        "<button>Mark paid at the shop (konbini.paid)</button></form>"
    )
    return HTMLResponse(page, headers={"Cache-Control": "no-store"})


async def sandbox_pay_konbini(request: Request) -> Response:
    slip = request.path_params["slip"]
    if not SLIP.match(slip):
        return JSONResponse({"paid": False}, status_code=404)
    paid = await sandbox.pay_konbini(request.app.state.rt, slip)
    return JSONResponse({"paid": paid, "slip": slip}, status_code=200 if paid else 404)


def routes(settings: Settings) -> list[Any]:
    found: list[Any] = [
        Route("/webhooks/payments/{provider}", payment_webhook, methods=["POST"]),
    ]
    if settings.payment_processor == sandbox.NAME and not settings.is_production:
        found += [
            Route("/sandbox/konbini/{slip}", sandbox_slip, methods=["GET"]),
            Route("/sandbox/konbini/{slip}/pay", sandbox_pay_konbini, methods=["POST"]),
        ]
    return found
