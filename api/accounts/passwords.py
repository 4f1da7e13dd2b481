"""Password hashing (argon2id) and the store's password policy."""

from __future__ import annotations

import asyncio
import string
from functools import lru_cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from api.errors import Problems
from api.settings import Settings
from api.stores.policy import PasswordCharset, PasswordPolicy

_COMMON_FILE = Path(__file__).with_name("common_passwords.txt")
_SYMBOLS = set(string.punctuation)
_ASCII_PRINTABLE = set(string.ascii_letters + string.digits + string.punctuation)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    lines = _COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def hasher(settings: Settings) -> PasswordHasher:
    return _hasher(
        settings.argon2_time_cost, settings.argon2_memory_cost_kib, settings.argon2_parallelism
    )


@lru_cache(maxsize=4)
def _hasher(time_cost: int, memory_cost: int, parallelism: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)


def hash_password(settings: Settings, password: str) -> str:
    return hasher(settings).hash(password)


def verify_password(settings: Settings, password_hash: str, password: str) -> bool:
    try:
        return hasher(settings).verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(settings: Settings, password_hash: str) -> bool:
    return hasher(settings).check_needs_rehash(password_hash)


# argon2 releases the GIL: hashing in a thread keeps the event loop serving other
# requests and lets both cores hash at once. Request paths use these.
async def hash_password_async(settings: Settings, password: str) -> str:
    return await asyncio.to_thread(hash_password, settings, password)


async def verify_password_async(settings: Settings, password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(verify_password, settings, password_hash, password)


def check_password(
    policy: PasswordPolicy, password: str, email: str, problems: Problems, field: str = "password"
) -> None:
    """Add every rule the password breaks to `problems`."""
    if len(password) < policy.min_length:
        problems.add("PASSWORD_TOO_SHORT", field, min=policy.min_length)
    if len(password) > policy.max_length:
        problems.add("PASSWORD_TOO_LONG", field, max=policy.max_length)
    if policy.charset == PasswordCharset.ASCII_PRINTABLE and not set(password) <= _ASCII_PRINTABLE:
        problems.add("PASSWORD_INVALID_CHARACTERS", field)
    if policy.required_classes:
        classes = sum(
            (
                any(c.isalpha() for c in password),
                any(c.isdigit() for c in password),
                any(c in _SYMBOLS for c in password),
                any(c.isupper() for c in password) and any(c.islower() for c in password),
            )
        )
        if classes < policy.required_classes:
            problems.add("PASSWORD_TOO_SIMPLE", field, classes=policy.required_classes)
    if policy.max_repeat and _longest_run(password) > policy.max_repeat:
        problems.add("PASSWORD_REPEATED_CHARACTERS", field, limit=policy.max_repeat + 1)
    if policy.reject_common and password.lower() in common_passwords():
        problems.add("PASSWORD_TOO_COMMON", field)
    if policy.reject_email and email:
        local = email.split("@", 1)[0]
        lowered = password.lower()
        if email in lowered or (len(local) >= 4 and local in lowered):
            problems.add("PASSWORD_CONTAINS_EMAIL", field)


def _longest_run(value: str) -> int:
    longest = run = 0
    previous = None
    for c in value:
        run = run + 1 if c == previous else 1
        previous = c
        longest = max(longest, run)
    return longest
