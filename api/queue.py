"""The job queue: arq on Redis, or on an in-process fakeredis when REDIS_URL is empty.

Enqueueing stays behind this module so the rest of the code never imports
arq directly (arq is maintenance-only upstream; this is where a swap would go).
"""

from __future__ import annotations

import logging
from typing import Any

from arq.connections import ArqRedis, RedisSettings, create_pool

from api.settings import Settings

log = logging.getLogger(__name__)

QUEUE_NAME = "torihiki:queue"


async def connect_redis(settings: Settings, fake_server: Any = None) -> ArqRedis:
    if settings.uses_fakeredis:
        from fakeredis import FakeAsyncRedis, FakeServer

        server = fake_server or FakeServer()
        fake = FakeAsyncRedis(server=server)
        return ArqRedis(connection_pool=fake.connection_pool)
    return await create_pool(RedisSettings.from_dsn(settings.redis_url))


class JobQueue:
    def __init__(self, redis: ArqRedis) -> None:
        self.redis = redis

    async def enqueue(self, function: str, *args: Any, job_id: str, **kwargs: Any) -> bool:
        """Queue a job once per id; False when a job with that id is already known."""
        job = await self.redis.enqueue_job(
            function, *args, _job_id=job_id, _queue_name=QUEUE_NAME, **kwargs
        )
        return job is not None
