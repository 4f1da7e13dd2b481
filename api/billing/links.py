"""Signed, short-lived links to an invoice's PDF.

Why a signed link rather than an authenticated route: the SPA authenticates with a
cookie and mobile apps with a bearer header, and neither travels with a plain
`<a href>` download, `window.open` or a hand-off to the phone's PDF viewer. A link
signed with the server's secret (HMAC-SHA256 over the invoice, the user, the language
and the expiry) works for every client and leaks little: it is good for a few
minutes, names no session token, and the download checks again that the user may
still read the invoice (a member who left the company, or lost view_invoices, is refused).
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from api import clock
from api.crypto import keyed_hash

LINK_SECONDS = 300
PATH = "/documents/invoices/{invoice_id}.pdf"


def _signature(secret: str, invoice_id: int, user_id: int, language: str, expires: int) -> str:
    return keyed_hash(secret, "invoice-pdf", invoice_id, user_id, language, expires)


def pdf_link(rt: Any, actor: Any, invoice: Any, base_url: str = "") -> tuple[str, datetime]:
    """(url, expires_at) for the actor; `base_url` is the API's origin ('' for a path)."""
    expires_at = clock.now().replace(microsecond=0) + timedelta(seconds=LINK_SECONDS)
    expires = int(expires_at.timestamp())
    user_id = actor.user_id or 0
    language = "en" if actor.language == "en" else "ja"
    sig = _signature(rt.settings.secret_key, invoice.id, user_id, language, expires)
    path = PATH.format(invoice_id=invoice.id)
    return f"{base_url}{path}?u={user_id}&l={language}&e={expires}&s={sig}", expires_at


def check_link(
    secret: str, invoice_id: int, user_id: int, language: str, expires: int, sig: str
) -> str | None:
    """None when the link is genuine and current, else why not ('invalid' or 'expired')."""
    expected = _signature(secret, invoice_id, user_id, language, expires)
    if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        return "invalid"
    if datetime.fromtimestamp(expires, UTC) < clock.now():
        return "expired"
    return None
