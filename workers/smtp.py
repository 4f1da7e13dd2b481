"""Sending through SMTP with aiosmtplib, sorting failures into retry or give up.

`Mailer` keeps SMTP sessions open and reuses them for the next mail: one TCP
(+ TLS + AUTH) + EHLO handshake and one QUIT per connection instead of per mail.
On loopback that handshake was most of the cost of a send, for the worker and
for the server (bench/README.md). `send()` is the one-shot form (one connection
per mail) for callers that hold no Mailer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass

import aiosmtplib

from api.settings import Settings
from workers.rendering import OutgoingMail

log = logging.getLogger(__name__)


class PermanentMailError(Exception):
    """The server refused for good (bad recipient, bad credentials): do not retry."""


class TemporaryMailError(Exception):
    """The server answered 4xx (greylisting, busy, over a limit): retry later."""


def _client(settings: Settings) -> aiosmtplib.SMTP:
    return aiosmtplib.SMTP(
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        # Explicit in production: a server that does not offer STARTTLS fails the send.
        start_tls=True if settings.smtp_starttls else False,
        use_tls=settings.smtp_use_tls,
        timeout=settings.smtp_timeout_seconds,
    )


def _classify(e: Exception) -> Exception:
    """The exception to raise: PermanentMailError for a refusal that retrying cannot fix.

    The reply code decides, at every step (MAIL FROM, RCPT TO, DATA, AUTH): 5xx is
    permanent, 4xx temporary (greylisting answers 451 at RCPT; a relay over its
    limits answers 421/452). Errors without a code (connection refused or dropped,
    timeouts) are temporary too; only a missing extension (STARTTLS not offered)
    is permanent, since retrying the same server cannot change it.
    """
    if isinstance(e, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in e.recipients]
        if any(500 <= code < 600 for code in codes):
            return PermanentMailError(str(e))
        return TemporaryMailError(str(e))
    if isinstance(e, aiosmtplib.SMTPNotSupported):
        return PermanentMailError(str(e))
    if isinstance(e, aiosmtplib.SMTPResponseException):
        if 500 <= e.code < 600:
            return PermanentMailError(f"{e.code} {e.message}")
        if 400 <= e.code < 500:
            return TemporaryMailError(f"{e.code} {e.message}")
    return e


async def send(settings: Settings, message: OutgoingMail) -> None:
    """One connection for one mail."""
    try:
        await aiosmtplib.send(
            message.data,
            sender=message.sender,
            recipients=list(message.recipients),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            start_tls=True if settings.smtp_starttls else False,
            use_tls=settings.smtp_use_tls,
            timeout=settings.smtp_timeout_seconds,
        )
    except Exception as e:
        raised = _classify(e)
        if raised is e:
            raise
        raise raised from e


def _server_key(settings: Settings) -> tuple[object, ...]:
    # Read on every send, so a settings change (or a test pointing at another port)
    # never reuses a session opened with the old values.
    return (
        settings.smtp_host,
        settings.smtp_port,
        settings.smtp_username,
        settings.smtp_password,
        settings.smtp_starttls,
        settings.smtp_use_tls,
        settings.smtp_timeout_seconds,
    )


@dataclass
class _Session:
    key: tuple[object, ...]
    client: aiosmtplib.SMTP
    sent: int = 0
    idle_since: float = 0.0


class Mailer:
    """A small pool of open SMTP sessions, owned by one worker (one event loop).

    * At most `max_connections` sessions at once (relays limit connections per
      client); a send waits for a free one.
    * A session is reused only if it is still connected, idled less than
      `max_idle_seconds` (far below the 5 minutes RFC 5321 asks servers to wait)
      and has carried fewer than `max_messages` mails (some relays cap that).
    * A session that saw any error is closed, never reused: the next mail gets a
      fresh one. The failed mail takes the normal retry path, so delivery stays
      at-least-once until the row is marked SENT, exactly as with `send()`.
    """

    def __init__(
        self, max_connections: int = 10, max_messages: int = 100, max_idle_seconds: float = 30.0
    ) -> None:
        self.max_messages = max_messages
        self.max_idle_seconds = max_idle_seconds
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: list[_Session] = []
        self.connections_opened = 0

    def _take_idle(self, key: tuple[object, ...]) -> _Session | None:
        now = time.monotonic()
        while self._idle:
            session = self._idle.pop()  # most recently used first
            fresh = now - session.idle_since < self.max_idle_seconds
            if session.key == key and fresh and session.client.is_connected:
                return session
            self._discard(session)
        return None

    def _discard(self, session: _Session) -> None:
        # close() drops the transport without a QUIT round trip; the server sees EOF.
        session.client.close()

    async def send(self, settings: Settings, message: OutgoingMail) -> None:
        key = _server_key(settings)
        async with self._slots:
            session = self._take_idle(key)
            if session is None:
                session = _Session(key=key, client=_client(settings))
                try:
                    await session.client.connect()
                except Exception as e:
                    session.client.close()
                    raised = _classify(e)
                    if raised is e:
                        raise
                    raise raised from e
                self.connections_opened += 1
            try:
                await session.client.sendmail(
                    message.sender, list(message.recipients), message.data
                )
            except BaseException as e:  # also CancelledError: the session state is unknown
                self._discard(session)
                raised = _classify(e) if isinstance(e, Exception) else e
                if raised is e:
                    raise
                raise raised from e
            session.sent += 1
            if session.sent >= self.max_messages:
                await self._quit(session)
            else:
                session.idle_since = time.monotonic()
                self._idle.append(session)

    async def _quit(self, session: _Session) -> None:
        try:
            await asyncio.wait_for(session.client.quit(), timeout=2)
        except Exception:
            session.client.close()

    async def close(self) -> None:
        """Close every idle session (QUIT politely, briefly)."""
        idle, self._idle = self._idle, []
        await asyncio.gather(*(self._quit(s) for s in idle), return_exceptions=True)
