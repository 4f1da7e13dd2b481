"""Links in mails work in development: each opens GraphiQL with its operation filled in.

The test follows a mail's link the way a browser does (GET, 303 to GraphiQL), takes the
document and variables GraphiQL would show, and sends them unchanged, as pressing ▶ does.
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from api.app import create_app
from api.demo import DEMO_MEMBER_EMAIL
from api.settings import Environment, Settings
from tests.conftest import body_text
from tests.e2e.test_companies import INVITE, role_id
from tests.helpers import REGISTER, application, seed

LINK = re.compile(r"https?://[^/\s]+(/[\w\-/]+)\?token=([\w\-]+)")


@pytest.fixture
async def dev(settings, rt):
    """The app as `make dev` builds it (embedded profile), on the suite's runtime."""
    dev_settings = settings.model_copy(update={"redis_url": "", "environment": "development"})
    app = create_app(dev_settings, runtime=rt)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as c:
            yield c


async def press_play(client: httpx.AsyncClient, mail_text: str, **edits: str):
    path, token = LINK.search(mail_text).groups()
    opened = await client.get(f"{path}?token={token}")
    assert opened.status_code == 303, (path, opened.status_code)
    location = urlsplit(opened.headers["location"])
    assert location.path == "/graphql"
    params = parse_qs(location.query)
    document = params["q"][0]
    variables = json.loads(params["variables"][0]) if "variables" in params else {}
    assert token in json.dumps(variables)
    variables.get("input", {}).update(edits)  # what the person types in
    page = await client.get(opened.headers["location"], headers={"Accept": "text/html"})
    assert page.status_code == 200 and "GraphiQL" in page.text
    body = {"query": document, "variables": variables}
    return path, (await client.post("/graphql", json=body)).json()


async def test_verify_link_opens_graphiql_with_the_mutation(dev, inbox, run_worker, settings):
    await seed(settings)
    body = (
        await dev.post("/graphql", json={"query": REGISTER, "variables": {"input": application()}})
    ).json()
    assert body["data"]["register"]["accepted"] is True
    await run_worker()
    [mail] = inbox.to("hanako.suzuki@example.co.jp")
    path, answer = await press_play(dev, body_text(mail))
    assert path == "/verify-email"
    assert answer["data"]["verifyEmail"] == {"status": "PENDING_APPROVAL", "userErrors": []}


async def test_invitation_and_reset_links(dev, gql, inbox, run_worker, settings):
    await seed(settings)
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    general = await role_id(gql, admin, "一般ユーザー")
    await gql(INVITE, {"email": "new@example.jp", "role": general, "message": ""}, token=admin)
    await run_worker()
    [mail] = inbox.to("new@example.jp")
    path, answer = await press_play(dev, body_text(mail))
    assert path == "/accept-invitation"
    assert answer["data"]["acceptInvitation"]["userErrors"] == []
    assert answer["data"]["acceptInvitation"]["accepted"] is True

    reset = "mutation($e: String!) { requestPasswordReset(input: {loginId: $e}) { accepted } }"
    await gql(reset, {"e": DEMO_MEMBER_EMAIL})
    await run_worker()
    first, second = (body_text(m) for m in inbox.to(DEMO_MEMBER_EMAIL)[-2:])
    temporary = re.search(r"仮パスワード[:：]\s*(\S+)", first + second).group(1)
    path, answer = await press_play(
        dev, second if "token=" in second else first, temporaryPassword=temporary
    )
    assert path == "/password-reset"
    assert answer["data"]["resetPassword"] == {"ok": True, "userErrors": []}


async def test_login_link_opens_the_sign_in_steps(dev, settings):
    await seed(settings)
    opened = await dev.get("/login")
    params = parse_qs(urlsplit(opened.headers["location"]).query)
    variables = json.loads(params["variables"][0])
    body = {"query": params["q"][0], "variables": variables, "operationName": "Login"}
    answer = (await dev.post("/graphql", json=body)).json()
    assert answer["data"]["login"]["challenge"]["token"]  # saas-b2b asks for a second factor


async def test_hostile_tokens_are_only_data(dev):
    for token in ("<script>alert(1)</script>", "x" * 5000, "%00", "\u202e"):
        opened = await dev.get("/verify-email", params={"token": token})
        assert opened.status_code == 303
        variables = parse_qs(urlsplit(opened.headers["location"]).query)["variables"][0]
        assert len(json.loads(variables)["input"]["token"]) <= 512


def test_production_serves_no_dev_pages():
    production = Settings(
        _env_file=None,
        environment=Environment.PRODUCTION,
        secret_key="k" * 40,
        database_url="postgres://db/torihiki",
        redis_url="redis://redis:6379/0",
        embedded_smtp_sink=False,
    )
    paths = {getattr(r, "path", "") for r in create_app(production).routes}
    assert "/graphql" in paths
    for path in ("/verify-email", "/accept-invitation", "/login", "/dev/mailbox"):
        assert path not in paths
    assert not any(p.startswith(("/dev", "/graphql/assets")) for p in paths)
