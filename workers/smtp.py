"""Sending through SMTP with aiosmtplib, sorting failures into retry or give up."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib

from api.settings import Settings


class PermanentMailError(Exception):
    """The server refused for good (bad recipient, bad credentials): do not retry."""


async def send(settings: Settings, message: EmailMessage) -> None:
    try:
        await aiosmtplib.send(
            message,
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username or None,
            password=settings.smtp_password or None,
            # Explicit in production: a server that does not offer STARTTLS fails the send.
            start_tls=True if settings.smtp_starttls else False,
            use_tls=settings.smtp_use_tls,
            timeout=settings.smtp_timeout_seconds,
        )
    except (
        aiosmtplib.SMTPRecipientsRefused,
        aiosmtplib.SMTPAuthenticationError,
        aiosmtplib.SMTPSenderRefused,
        aiosmtplib.SMTPNotSupported,
    ) as e:
        raise PermanentMailError(str(e)) from e
    except aiosmtplib.SMTPResponseException as e:
        if 500 <= e.code < 600:
            raise PermanentMailError(f"{e.code} {e.message}") from e
        raise
