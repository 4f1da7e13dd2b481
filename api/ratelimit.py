"""Fixed-window counters in Redis, shared by every API process, with a per-process
fallback while Redis is unreachable.

When Redis fails, a limit neither opens (that would let password guessing and
mail flooding through during an outage) nor closes (that would take sign-up,
sign-in and password resets down with Redis, although their data is in the
database): every bucket is counted in the process's own memory with the same
limit and window. With N API processes an attacker gets at most N times the
limit while Redis is down. After a failure Redis is not asked again for
`retry_seconds`, so an outage does not add a connection timeout to every request.
"""

from __future__ import annotations

import logging
import time

from redis.asyncio import Redis

from api.errors import DomainError
from api.metrics import RATE_LIMIT_REFUSALS

log = logging.getLogger(__name__)


class LocalWindows:
    """Fixed windows in this process's memory (the fallback), bounded in size."""

    def __init__(self, max_keys: int = 100_000) -> None:
        self.max_keys = max_keys
        self._counts: dict[str, tuple[float, int]] = {}

    def hit(self, name: str, window_seconds: int) -> tuple[int, int]:
        """Count one attempt: (count in the window, seconds until it ends)."""
        now = time.monotonic()
        ends, count = self._counts.get(name, (0.0, 0))
        if ends <= now:
            if len(self._counts) >= self.max_keys:
                self._prune(now)
            ends, count = now + window_seconds, 0
        count += 1
        self._counts[name] = (ends, count)
        return count, max(int(ends - now), 1)

    def reset(self, name: str) -> None:
        self._counts.pop(name, None)

    def _prune(self, now: float) -> None:
        self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
        if len(self._counts) >= self.max_keys:  # all live: drop the oldest half
            keep = sorted(self._counts.items(), key=lambda kv: kv[1][0])[self.max_keys // 2 :]
            self._counts = dict(keep)


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str = "rl", retry_seconds: float = 5.0) -> None:
        self.redis = redis
        self.prefix = prefix
        self.retry_seconds = retry_seconds
        self.local = LocalWindows()
        self._redis_down_until = 0.0

    @property
    def degraded(self) -> bool:
        """True while counting falls back to this process (Redis failed recently)."""
        return time.monotonic() < self._redis_down_until

    def recovered(self) -> None:
        """Ask Redis again at once and drop the fallback counts (tests, operators)."""
        self._redis_down_until = 0.0
        self.local = LocalWindows()

    async def hit(self, bucket: str, key: str, limit: int, window_seconds: int) -> None:
        """Count one attempt; raise RATE_LIMITED once `limit` is exceeded in the window."""
        if limit <= 0:
            return
        name = f"{self.prefix}:{bucket}:{key}"
        counted = await self._hit_redis(name, window_seconds)
        count, ttl = counted if counted is not None else self.local.hit(name, window_seconds)
        if count > limit:
            RATE_LIMIT_REFUSALS.labels(bucket).inc()
            raise DomainError.of("RATE_LIMITED", retry_after=max(int(ttl), 1))

    async def _hit_redis(self, name: str, window_seconds: int) -> tuple[int, int] | None:
        if self.degraded:
            return None
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.incr(name)
                pipe.expire(name, window_seconds, nx=True)
                pipe.ttl(name)
                count, _, ttl = await pipe.execute()
        except Exception:
            self._redis_down_until = time.monotonic() + self.retry_seconds
            log.warning("rate limits fall back to this process: Redis failed", exc_info=True)
            return None
        return int(count), int(ttl)

    async def reset(self, bucket: str, key: str) -> None:
        name = f"{self.prefix}:{bucket}:{key}"
        self.local.reset(name)
        if self.degraded:
            return
        try:
            await self.redis.delete(name)
        except Exception:
            self._redis_down_until = time.monotonic() + self.retry_seconds
            log.warning("could not reset a rate limit in Redis", exc_info=True)
