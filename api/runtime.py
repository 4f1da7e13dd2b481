"""What a process holds for its lifetime: settings, store policy, Redis and the queue.

Built once at start-up by the API lifespan, the worker and the tests, and
passed explicitly to services (no module-level globals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from arq.connections import ArqRedis

from api.queue import JobQueue, connect_redis
from api.ratelimit import RateLimiter
from api.settings import Settings
from api.stores.policy import Policy, load_policy


@dataclass
class Runtime:
    settings: Settings
    policy: Policy
    redis: ArqRedis
    queue: JobQueue
    limiter: RateLimiter

    @classmethod
    async def start(cls, settings: Settings, fake_server: Any = None) -> Runtime:
        redis = await connect_redis(settings, fake_server)
        return cls(
            settings=settings,
            policy=load_policy(settings.store_profile),
            redis=redis,
            queue=JobQueue(redis),
            limiter=RateLimiter(redis),
        )

    async def close(self) -> None:
        await self.redis.aclose()
