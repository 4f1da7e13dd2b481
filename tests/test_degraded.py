"""The API while Redis (or the database) is unreachable.

Redis is replaced by a client pointed at a closed port for the length of a test, so
the shared server other suites use is never touched. Sign-up, sign-in and the
anonymous catalog keep working from the database; rate limits fall back to the
process's own counters; an outage that stops a request answers a coded 503, never
a plain 500.
"""

from __future__ import annotations

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from tortoise import connections
from tortoise.exceptions import DBConnectionError

from api.demo import DEMO_MEMBER_EMAIL
from api.notifications.models import OutboxMessage
from tests.conftest import free_port
from tests.helpers import REGISTER, application, seed

CATALOG = "{ products(first: 5) { totalCount nodes { id name } } }"
LOGIN = """mutation($input: LoginInput!) { login(input: $input) {
  session { token } userErrors { code params } } }"""


@pytest.fixture
async def redis_down(rt, app, monkeypatch):
    dead = Redis(host="127.0.0.1", port=free_port(), socket_connect_timeout=0.5)
    for holder in (rt, rt.queue, rt.limiter):
        monkeypatch.setattr(holder, "redis", dead)
    yield dead
    monkeypatch.undo()
    await dead.aclose()
    # Redis is back: forget the fallback state, so later tests count in Redis again.
    rt.limiter.recovered()
    cache = app.state.graphql.response_cache
    if cache is not None:
        cache._version_down_until = 0.0


async def _post(http, query, variables=None, headers=None):
    return await http.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers or {}
    )


async def test_anonymous_catalog_answers_from_the_database_without_redis(http, redis_down):
    for _ in range(2):  # the second one would be a cache hit: nothing is cached
        response = await _post(http, CATALOG)
        assert response.status_code == 200, response.text
        assert response.json() == {"data": {"products": {"totalCount": 0, "nodes": []}}}


async def test_sign_up_and_sign_in_work_without_redis_and_stay_limited(
    http, settings, rt, redis_down, monkeypatch
):
    await seed(settings)
    response = await _post(http, REGISTER, {"input": application()})
    assert response.status_code == 200, response.text
    assert response.json()["data"]["register"]["userErrors"] == []
    # The mail is in the outbox (its enqueue failed and is left to the sweeper).
    assert await OutboxMessage.filter(to_address="hanako.suzuki@example.co.jp").count() == 1

    wrong = {"input": {"loginId": DEMO_MEMBER_EMAIL, "password": "not-the-password-1"}}
    response = await _post(http, LOGIN, wrong)
    assert response.status_code == 200, response.text
    [error] = response.json()["data"]["login"]["userErrors"]
    assert error["code"] != "RATE_LIMITED"

    # The limits still hold, counted by this process while Redis is away: not fail-open.
    monkeypatch.setattr(rt.settings, "registration_limit_per_ip", 2)
    codes = []
    for i in range(3):
        response = await _post(http, REGISTER, {"input": application(email=f"x{i}@example.jp")})
        codes += [e["code"] for e in response.json()["data"]["register"]["userErrors"]]
    assert "RATE_LIMITED" in codes
    assert rt.limiter.degraded


async def test_an_outage_inside_a_resolver_is_a_coded_503(http, monkeypatch):
    client = type(connections.get("default"))

    async def unreachable(self, *args, **kwargs):
        raise DBConnectionError("could not connect to the database")

    monkeypatch.setattr(client, "execute_query", unreachable)
    monkeypatch.setattr(client, "execute_query_dict", unreachable)
    response = await _post(http, CATALOG, headers={"Accept-Language": "en"})
    monkeypatch.undo()
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert "temporarily unavailable" in error["message"]
    assert "DBConnectionError" not in response.text


async def test_an_outage_outside_execution_is_a_coded_503_not_a_plain_500(http, monkeypatch):
    from api.graphql.http import GraphQLEndpoint

    async def no_sessions(self, request):
        raise RedisConnectionError("Error 111 connecting to redis:6379")

    monkeypatch.setattr(GraphQLEndpoint, "_context", no_sessions)
    response = await _post(http, "mutation { __typename }")
    assert response.status_code == 503
    assert response.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"

    async def bug(self, request):
        raise KeyError("a bug")

    monkeypatch.setattr(GraphQLEndpoint, "_context", bug)
    response = await _post(http, "mutation { __typename }")
    assert response.status_code == 500
    assert response.json() == {
        "errors": [{"message": "Internal server error.", "extensions": {"code": "INTERNAL_ERROR"}}]
    }
