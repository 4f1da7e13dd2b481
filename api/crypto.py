"""Secrets at rest: encryption for what must be read back, keyed hashes for the rest.

Both are derived from SECRET_KEY, so a copy of the database alone reveals
neither TOTP secrets nor (by brute force over 10^8 values) backup codes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    key = hashlib.sha256(b"torihiki:fernet:" + secret_key.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(secret_key: str, plaintext: str) -> str:
    return _fernet(secret_key).encrypt(plaintext.encode()).decode()


def decrypt(secret_key: str, token: str) -> str:
    return _fernet(secret_key).decrypt(token.encode()).decode()


def keyed_hash(secret_key: str, *parts: object) -> str:
    """HMAC-SHA256 of the parts: for short secrets (6/8-digit codes) a plain hash would expose."""
    message = "\x1f".join(str(p) for p in parts).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()
