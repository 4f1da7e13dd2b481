"""Secrets handed to clients: random, shown once, stored only as a SHA-256 hash.

A hash is enough (no salt, no argon2) because the tokens are 256-bit random
values, not something a person chose, so they cannot be guessed from a list.
"""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """(raw token for the client, hash for the database)."""
    raw = secrets.token_urlsafe(32)
    return raw, hash_token(raw)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()
