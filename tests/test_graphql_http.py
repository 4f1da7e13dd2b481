"""GraphQL over HTTP as clients see it: transport, status codes, limits, masking, sessions."""

from __future__ import annotations

import pytest

from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.settings import IntrospectionPolicy
from api.stores.policy import TwoFactorRequirement
from tests.helpers import seed

GRAPHQL_RESPONSE = "application/graphql-response+json"


@pytest.fixture
async def store(settings):
    await seed(settings)


async def test_get_runs_queries_and_refuses_mutations(http, store):
    ok = await http.get("/graphql", params={"query": "{ store { code name } }"})
    assert ok.status_code == 200
    assert ok.json() == {"data": {"store": {"code": "saas-b2b", "name": "torihiki SaaSストア"}}}
    refused = await http.get("/graphql", params={"query": "mutation { logout { ok } }"})
    assert refused.status_code == 405
    assert refused.headers["allow"] == "POST"


async def test_graphql_response_media_type_and_status_codes(http):
    bad = {"query": "{ nope }"}
    as_json = await http.post("/graphql", json=bad)
    assert as_json.status_code == 200
    assert as_json.headers["content-type"].startswith("application/json")
    spec = await http.post("/graphql", json=bad, headers={"Accept": GRAPHQL_RESPONSE})
    assert spec.status_code == 400
    assert spec.headers["content-type"].startswith(GRAPHQL_RESPONSE)
    [error] = spec.json()["errors"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    good = await http.post(
        "/graphql", json={"query": "{ store { code } }"}, headers={"Accept": GRAPHQL_RESPONSE}
    )
    assert good.status_code == 200 and good.json()["data"]["store"]["code"] == "saas-b2b"


async def test_no_field_suggestions_outside_debug(http):
    response = await http.post("/graphql", json={"query": "{ stor { code } }"})
    message = response.json()["errors"][0]["message"]
    assert "Did you mean" not in message


async def test_malformed_requests_get_clear_http_errors(http, settings):
    assert (
        await http.post("/graphql", content=b"{", headers={"content-type": "application/json"})
    ).status_code == 400
    assert (
        await http.post("/graphql", content=b"query", headers={"content-type": "text/plain"})
    ).status_code == 415
    assert (await http.post("/graphql", json={"variables": {}})).status_code == 400
    big = "{ store { code } }" + " " * settings.graphql_max_body_bytes
    assert (await http.post("/graphql", json={"query": big})).status_code == 413
    assert (await http.put("/graphql")).status_code == 405


async def test_batches_are_limited(http, settings):
    one = {"query": "{ store { code } }"}
    ok = await http.post("/graphql", json=[one, one])
    assert [r["data"]["store"]["code"] for r in ok.json()] == ["saas-b2b", "saas-b2b"]
    too_many = await http.post("/graphql", json=[one] * (settings.graphql_max_batch + 1))
    assert too_many.status_code == 400


async def test_depth_alias_token_and_cost_limits(http, settings):
    aliases = (
        "{ "
        + " ".join(f"a{i}: store {{ code }}" for i in range(settings.graphql_max_aliases + 1))
        + " }"
    )
    body = (await http.post("/graphql", json={"query": aliases})).json()
    assert "aliases" in body["errors"][0]["message"]

    tokens = "{ " + "store { code } " * (settings.graphql_max_tokens // 3) + "}"
    body = (await http.post("/graphql", json={"query": tokens})).json()
    assert "token" in body["errors"][0]["message"].lower()

    costly = (
        "{ "
        + " ".join(
            f"m{i}: mails(first: 100) {{ edges {{ node {{ id toAddress status }} }} }}"
            for i in range(12)
        )
        + " }"
    )
    body = (await http.post("/graphql", json={"query": costly})).json()
    codes = {e["extensions"].get("code") for e in body["errors"]}
    assert "QUERY_TOO_COMPLEX" in codes


async def test_depth_limit(settings):
    from api.graphql.schema import build_schemas

    # Today's schema is shallow, so prove the rule with a lower limit.
    schemas = build_schemas(settings.model_copy(update={"graphql_max_depth": 3}))
    query = "{ registrationApplications { edges { node { company { id } } } } }"
    result = await schemas.full.execute(query)
    assert result.errors and "exceeds maximum operation depth" in result.errors[0].message


async def test_unexpected_errors_are_masked(gql, monkeypatch, store):
    from api.legal import service as legal_service

    async def broken():
        raise RuntimeError("secret database detail")

    monkeypatch.setattr(legal_service, "current_documents", broken)
    body = await gql("{ legalDocuments { version } }", expect_errors=True)
    [error] = body["errors"]
    assert error["message"] == "Internal server error."
    assert error["extensions"]["code"] == "INTERNAL_ERROR"
    assert "secret" not in str(body)


async def test_introspection_can_be_limited_to_staff(gql, rt, store):
    query = "{ __schema { queryType { name } } }"
    assert (await gql(query))["__schema"]["queryType"]["name"] == "Query"
    rt.settings.introspection = IntrospectionPolicy.STAFF
    try:
        anonymous = await gql(query, expect_errors=True)
        assert "introspection" in anonymous["errors"][0]["message"].lower()
        staff = await gql.login(DEMO_STAFF_EMAIL)
        assert (await gql(query, token=staff))["__schema"]["queryType"]["name"] == "Query"
    finally:
        rt.settings.introspection = None


async def test_graphiql_for_browsers(http):
    page = await http.get("/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()


async def test_health_and_readiness(http):
    assert (await http.get("/healthz")).json() == {"status": "ok"}
    ready = await http.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ok", "database": "ok", "redis": "ok"}


async def test_cookie_session_for_spa_and_logout_revokes(http, gql, store, set_policy):
    set_policy(two_factor=TwoFactorRequirement.OFF)
    response = await http.post(
        "/graphql",
        json={
            "query": """mutation { login(input: {
        loginId: "member@example.com", password: "Demo-pass-2026"}) { user { email } } }"""
        },
    )
    cookie = response.headers["set-cookie"]
    assert "torihiki_session=" in cookie
    for attribute in ("HttpOnly", "Secure", "SameSite=lax", "Path=/"):
        assert attribute.lower() in cookie.lower()
    me = await http.post("/graphql", json={"query": "{ me { email } }"})
    assert me.json()["data"]["me"] == {"email": DEMO_MEMBER_EMAIL}
    out = await http.post("/graphql", json={"query": "mutation { logout { ok } }"})
    assert out.json()["data"]["logout"]["ok"] is True
    assert (
        'torihiki_session=""' in out.headers["set-cookie"]
        or "max-age=0" in out.headers["set-cookie"].lower()
    )
    http.cookies.clear()
    token = response.json()  # the body holds no token unless asked for
    assert "session" not in token["data"]["login"]


async def test_bearer_token_for_mobile_and_revoked_token_is_anonymous(gql, store):
    token = await gql.login(DEMO_MEMBER_EMAIL)
    assert (await gql("{ me { email } }", token=token))["me"]["email"] == DEMO_MEMBER_EMAIL
    await gql("mutation { logout { ok } }", token=token)
    assert (await gql("{ me { email } }", token=token))["me"] is None
    assert (await gql("{ me { email } }", token="made-up"))["me"] is None


async def test_wrong_password_and_unknown_login_look_the_same(gql, store):
    unknown = await gql("""mutation { login(input: {loginId: "ghost@example.com",
        password: "whatever-1"}) { session { token } userErrors { field code message } } }""")
    wrong = await gql("""mutation { login(input: {loginId: "member@example.com",
        password: "whatever-1"}) { session { token } userErrors { field code message } } }""")
    assert unknown == wrong
    assert wrong["login"]["userErrors"][0]["code"] == "INVALID_CREDENTIALS"


async def test_node_lookup_respects_who_is_asking(gql, store):
    member = await gql.login(DEMO_MEMBER_EMAIL)
    me = await gql("{ me { id company { id } } }", token=member)
    my_id, company_id = me["me"]["id"], me["me"]["company"]["id"]
    staff = await gql.login(DEMO_STAFF_EMAIL)
    staff_me = (await gql("{ me { id } }", token=staff))["me"]["id"]
    query = "query($id: ID!) { node(id: $id) { id ... on User { email } } }"
    assert (await gql(query, {"id": my_id}, token=member))["node"]["email"] == DEMO_MEMBER_EMAIL
    assert (await gql(query, {"id": staff_me}, token=member))["node"] is None
    assert (await gql(query, {"id": my_id}))["node"] is None
    assert (await gql(query, {"id": my_id}, token=staff))["node"]["id"] == my_id
    company = "query($id: ID!) { node(id: $id) { ... on Company { name } } }"
    assert (await gql(company, {"id": company_id}, token=member))["node"]["name"]
    assert (await gql(company, {"id": company_id}))["node"] is None
    assert (await gql(query, {"id": "VW5rbm93bjox"}))["node"] is None


async def test_store_policy_is_for_staff(gql, store):
    query = (
        "{ storePolicy { profile twoFactor passwordReset store { registration { approval } } } }"
    )
    member = await gql.login(DEMO_MEMBER_EMAIL)
    body = await gql(query, token=member, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    staff = await gql.login(DEMO_STAFF_EMAIL)
    data = await gql(query, token=staff)
    assert data["storePolicy"] == {
        "profile": "saas-b2b",
        "twoFactor": "REQUIRED",
        "passwordReset": "TEMPORARY_PASSWORD",
        "store": {"registration": {"approval": "OPERATOR"}},
    }


async def test_public_store_rules_in_english(gql):
    data = await gql(
        "{ store { name passwordReset twoFactor passwordRules { minLength maxRepeat charset } } }",
        headers={"Accept-Language": "en"},
    )
    assert data["store"] == {
        "name": "torihiki SaaS Store",
        "passwordReset": "TEMPORARY_PASSWORD",
        "twoFactor": "REQUIRED",
        "passwordRules": {"minLength": 8, "maxRepeat": 2, "charset": "ASCII_PRINTABLE"},
    }


async def test_cookie_sessions_refuse_foreign_origins(http, store, set_policy):
    set_policy(two_factor=TwoFactorRequirement.OFF)
    login = """mutation { login(input: {loginId: "member@example.com",
        password: "Demo-pass-2026"}) { user { email } } }"""
    await http.post("/graphql", json={"query": login})
    me = {"query": "{ me { email } }"}
    foreign = await http.post("/graphql", json=me, headers={"Origin": "https://evil.example"})
    assert foreign.status_code == 403
    own = await http.post("/graphql", json=me, headers={"Origin": "https://testserver"})
    assert own.json()["data"]["me"] == {"email": DEMO_MEMBER_EMAIL}
    spa = await http.post("/graphql", json=me, headers={"Origin": "https://shop.example.test"})
    assert spa.json()["data"]["me"] == {"email": DEMO_MEMBER_EMAIL}
    http.cookies.clear()
    # Without a cookie there is nothing to forge: anonymous requests from anywhere are fine.
    anonymous = await http.post("/graphql", json=me, headers={"Origin": "https://evil.example"})
    assert anonymous.json()["data"]["me"] is None


async def test_execution_errors_keep_status_200_with_data_null(http):
    # Execution started (the field's permission refused): 200 and "data": null, per the spec.
    response = await http.post(
        "/graphql",
        json={"query": "{ storePolicy { profile } }"},
        headers={"Accept": GRAPHQL_RESPONSE},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
