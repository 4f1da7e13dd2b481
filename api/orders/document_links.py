"""Signed, short-lived links to an order's documents (the pattern of api/quotes/links.py).

The SPA's cookie and a mobile app's bearer header do not travel with an `<a href>`
download or a hand-off to the phone's PDF viewer, so the link itself is the credential:
HMAC-SHA256 with the server's secret over the order, the kind, the document (receipts:
each issue is its own), the user, the language and the expiry. It is good for a few
minutes and names no session token; the download checks again that the user may still
read the order and that the document is still available.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

from api import clock
from api.crypto import keyed_hash

LINK_SECONDS = 300
PATH = "/documents/orders/{order_id}/{kind}.pdf"


def _signature(
    secret: str,
    order_id: int,
    kind: str,
    document_id: int,
    user_id: int,
    language: str,
    expires: int,
) -> str:
    return keyed_hash(
        secret, "order-document", order_id, kind, document_id, user_id, language, expires
    )


def document_link(
    rt: Any, actor: Any, order_id: int, kind: str, document_id: int = 0, base_url: str = ""
) -> tuple[str, datetime]:
    """(url, expires_at) for the actor; `base_url` is the API's origin ('' for a path)."""
    expires_at = clock.now().replace(microsecond=0) + timedelta(seconds=LINK_SECONDS)
    expires = int(expires_at.timestamp())
    user_id = actor.user_id or 0
    language = "en" if actor.language == "en" else "ja"
    sig = _signature(
        rt.settings.secret_key, order_id, kind, document_id, user_id, language, expires
    )
    path = PATH.format(order_id=order_id, kind=kind.replace("_", "-"))
    query = f"u={user_id}&l={language}&e={expires}&s={sig}"
    if document_id:
        query = f"d={document_id}&{query}"
    return f"{base_url}{path}?{query}", expires_at


def check_link(
    secret: str,
    order_id: int,
    kind: str,
    document_id: int,
    user_id: int,
    language: str,
    expires: int,
    sig: str,
) -> str | None:
    """None when the link is genuine and current, else why not ('invalid' or 'expired')."""
    expected = _signature(secret, order_id, kind, document_id, user_id, language, expires)
    if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "replace")):
        return "invalid"
    if datetime.fromtimestamp(expires, UTC) < clock.now():
        return "expired"
    return None
