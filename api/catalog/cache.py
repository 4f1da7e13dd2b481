"""The catalog version, and a response cache for anonymous catalog reads.

Every catalog or calendar write replaces `catalog:version` in Redis after its
commit. A cached answer is stored under the version it was computed at, so a
write makes every older answer unreachable at once, in every API process.
Bumping after commit (never before) means a reader can never cache data older
than the version it files it under. A missing version (Redis flushed) starts a
new random one: stale answers can never come back.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

log = logging.getLogger(__name__)

VERSION_KEY = "catalog:version"


async def current_version(rt: Any) -> str:
    value = await rt.redis.get(VERSION_KEY)
    if value is None:
        await rt.redis.set(VERSION_KEY, secrets.token_hex(8), nx=True)
        value = await rt.redis.get(VERSION_KEY)
    return value.decode() if isinstance(value, bytes) else str(value)


async def bump_version(rt: Any) -> None:
    if rt is None:  # seeding outside a running service: no cache to invalidate
        return
    try:
        await rt.redis.set(VERSION_KEY, secrets.token_hex(8))
    except Exception:  # the entry TTL still bounds staleness; do not fail a committed write
        log.exception("could not bump the catalog version")
