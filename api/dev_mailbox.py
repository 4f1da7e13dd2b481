"""The embedded profile's mail catcher: an SMTP sink and a page that lists what it got.

The sink is aiosmtpd on a local port writing each message as an .eml file
under `var/mailbox/`; `/dev/mailbox` reads that folder. Mounted only in the
embedded profile, never in production.
"""

from __future__ import annotations

import html
import socket
import uuid
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from api import clock


class _SaveToFolder:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        name = f"{clock.now():%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}.eml"
        (self.folder / name).write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def port_is_free(host: str, port: int) -> bool:
    """Whether the sink could listen there: sockets in TIME-WAIT from the last run (a
    restart within a minute) do not count, as the sink reuses the address."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


class _ReusingController(Controller):
    """Binds with SO_REUSEADDR said out loud (asyncio's Unix default), so a restarted
    `make dev` gets its port back while the last run's sockets sit in TIME-WAIT."""

    def _create_server(self) -> Any:
        return self.loop.create_server(
            self._factory_invoker,
            host=self.hostname,
            port=self.port,
            ssl=self.ssl_context,
            reuse_address=True,
        )


class SmtpSink:
    def __init__(self, folder: Path, host: str, port: int) -> None:
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.controller = _ReusingController(_SaveToFolder(folder), hostname=host, port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


def _read(path: Path) -> EmailMessage:
    with path.open("rb") as f:
        return BytesParser(policy=policy.default).parse(f)  # type: ignore[return-value]


def _body(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    return part.get_content() if part is not None else ""


def mailbox_routes(folder: Path) -> list[Route]:
    def files() -> list[Path]:
        return sorted(folder.glob("*.eml"), reverse=True) if folder.exists() else []

    async def index(request: Request) -> Response:
        rows = []
        for path in files()[:500]:
            msg = _read(path)
            rows.append(
                f"<tr><td>{html.escape(path.stem[:15])}</td><td>{html.escape(str(msg['To']))}</td>"
                f"<td><a href='/dev/mailbox/{path.name}'>{html.escape(str(msg['Subject']))}</a>"
                f"</td><td><a href='/dev/mailbox/{path.name}/text'>text</a> · "
                f"<a href='/dev/mailbox/{path.name}/html'>html</a></td></tr>"
            )
        page = (
            "<!DOCTYPE html><meta charset=utf-8><title>torihiki mailbox</title>"
            "<style>body{font-family:sans-serif;margin:2em}td,th{padding:4px 12px;"
            "border-bottom:1px solid #ddd;text-align:left}</style>"
            f"<h1>torihiki dev mailbox</h1><p>{len(rows)} mail(s), newest first. "
            "Every mail the embedded SMTP sink received.</p><table><tr><th>received (UTC)"
            "</th><th>to</th><th>subject</th><th>views</th></tr>" + "".join(rows) + "</table>"
        )
        return HTMLResponse(page)

    def find(name: str) -> Path | None:
        path = folder / name
        if path.suffix != ".eml" or path.parent != folder or not path.is_file():
            return None
        return path

    async def show(request: Request) -> Response:
        path = find(request.path_params["name"])
        if path is None:
            return Response("not found", status_code=404)
        msg = _read(path)
        view = request.path_params.get("view")
        if view == "text":
            return Response(_body(msg, "plain"), media_type="text/plain; charset=utf-8")
        if view == "html":
            # Shown in a frame of the mail's page: its links open in the whole window.
            return HTMLResponse('<base target="_top">' + _body(msg, "html"))
        headers = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>"
            for k, v in msg.items()
        )
        page = (
            f"<!DOCTYPE html><meta charset=utf-8><title>{html.escape(str(msg['Subject']))}</title>"
            "<style>body{font-family:sans-serif;margin:2em}th{text-align:left;padding-right:1em}"
            "pre{background:#f4f4f5;padding:1em;white-space:pre-wrap}</style>"
            f"<p><a href='/dev/mailbox'>&larr; mailbox</a></p><table>{headers}</table>"
            f"<h2>Text</h2><pre>{html.escape(_body(msg, 'plain'))}</pre><h2>HTML</h2>"
            f"<iframe style='width:100%;height:600px;border:1px solid #ccc' "
            f"src='/dev/mailbox/{path.name}/html'></iframe>"
        )
        return HTMLResponse(page)

    return [
        Route("/dev/mailbox", index),
        Route("/dev/mailbox/{name}", show),
        Route("/dev/mailbox/{name}/{view}", show),
    ]
