"""Fixed-window counters in Redis, shared by every API process."""

from __future__ import annotations

from redis.asyncio import Redis

from api.errors import DomainError
from api.metrics import RATE_LIMIT_REFUSALS


class RateLimiter:
    def __init__(self, redis: Redis, prefix: str = "rl") -> None:
        self.redis = redis
        self.prefix = prefix

    async def hit(self, bucket: str, key: str, limit: int, window_seconds: int) -> None:
        """Count one attempt; raise RATE_LIMITED once `limit` is exceeded in the window."""
        if limit <= 0:
            return
        name = f"{self.prefix}:{bucket}:{key}"
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds, nx=True)
            pipe.ttl(name)
            count, _, ttl = await pipe.execute()
        if count > limit:
            RATE_LIMIT_REFUSALS.labels(bucket).inc()
            raise DomainError.of("RATE_LIMITED", retry_after=max(int(ttl), 1))

    async def reset(self, bucket: str, key: str) -> None:
        await self.redis.delete(f"{self.prefix}:{bucket}:{key}")
