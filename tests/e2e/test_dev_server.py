"""`torihiki dev` as a new user runs it: a real server process, worker and mail sink inside.

This is the embedded profile end to end: migrate, demo data, GraphQL over a
real socket, the in-process worker sending to the in-process SMTP sink, and
the mail showing up at /dev/mailbox.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from api.demo import DEMO_MEMBER_EMAIL, DEMO_PASSWORD
from tests.conftest import BACKEND, LOGIN, SEND_LOGIN_CODE, VERIFY_SECOND_FACTOR, free_port
from tests.helpers import REGISTER, VERIFY, application

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(BACKEND != "sqlite", reason="the embedded profile is SQLite")


async def _wait_ready(client: httpx.AsyncClient, process: subprocess.Popen) -> None:
    for _ in range(600):  # up to a minute: migrations and demo data come first
        if process.poll() is not None:
            raise AssertionError(f"torihiki dev exited with {process.returncode}")
        try:
            if (await client.get("/readyz")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("torihiki dev did not become ready")


async def _mail_text(client: httpx.AsyncClient, needle: str) -> str:
    for _ in range(100):
        mailbox = (await client.get("/dev/mailbox")).text
        for name in re.findall(r"/dev/mailbox/([^/'\"]+\.eml)/text", mailbox):
            text = (await client.get(f"/dev/mailbox/{name}/text")).text
            if needle in text:
                return text
        await asyncio.sleep(0.1)
    raise AssertionError(f"no mail with {needle!r} in the dev mailbox")


async def _cookie_sign_in_over_loopback_http(client: httpx.AsyncClient) -> None:
    """A script on http://127.0.0.1 signs in with the emailed code and keeps the cookie:
    on a loopback http:// base URL the session cookie is not Secure (issue 15)."""
    login = (
        await client.post(
            "/graphql",
            json={
                "query": LOGIN,
                "variables": {"input": {"loginId": DEMO_MEMBER_EMAIL, "password": DEMO_PASSWORD}},
            },
        )
    ).json()["data"]["login"]
    challenge = login["challenge"]["token"]
    sent = (
        await client.post(
            "/graphql", json={"query": SEND_LOGIN_CODE, "variables": {"challenge": challenge}}
        )
    ).json()
    assert sent["data"]["sendLoginCode"]["userErrors"] == [], sent
    code = re.search(r"認証コード: (\d{6})", await _mail_text(client, "認証コード: ")).group(1)
    response = await client.post(
        "/graphql",
        json={
            "query": VERIFY_SECOND_FACTOR,
            "variables": {"input": {"challenge": challenge, "method": "EMAIL", "code": code}},
        },
    )
    assert response.json()["data"]["verifySecondFactor"]["userErrors"] == []
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("torihiki_session=") and "HttpOnly" in cookie
    assert "secure" not in cookie.lower()
    # The client's cookie jar sends it back over plain http: the member is signed in.
    me = (await client.post("/graphql", json={"query": "{ me { email } }"})).json()
    assert me["data"]["me"] == {"email": DEMO_MEMBER_EMAIL}


async def test_torihiki_dev_serves_graphql_and_the_mailbox(tmp_path):
    http_port, smtp_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite://{tmp_path / 'dev.sqlite3'}",
        "MAILBOX_DIR": str(tmp_path / "mailbox"),
        "HTTP_PORT": str(http_port),
        "SMTP_PORT": str(smtp_port),
        "REDIS_URL": "",
        "ARGON2_TIME_COST": "1",
        "ARGON2_MEMORY_COST_KIB": "1024",
        "ARGON2_PARALLELISM": "1",
        "PUBLIC_BASE_URL": "http://localhost:5173",
    }
    process = subprocess.Popen(  # noqa: ASYNC220 - a server for the test's lifetime
        [sys.executable, "-m", "api.cli", "dev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http_port}") as client:
            await _wait_ready(client, process)
            page = await client.get("/graphql", headers={"Accept": "text/html"})
            assert "graphiql" in page.text.lower()
            body = (
                await client.post(
                    "/graphql", json={"query": REGISTER, "variables": {"input": application()}}
                )
            ).json()
            assert body["data"]["register"]["accepted"] is True, body
            mailbox = ""
            for _ in range(100):
                mailbox = (await client.get("/dev/mailbox")).text
                if "本人確認" in mailbox:
                    break
                await asyncio.sleep(0.1)
            assert "hanako.suzuki@example.co.jp" in mailbox
            name = re.search(r"/dev/mailbox/([^/'\"]+\.eml)/text", mailbox).group(1)
            text = (await client.get(f"/dev/mailbox/{name}/text")).text
            token = re.search(r"verify-email\?token=([A-Za-z0-9_\-]+)", text).group(1)
            verified = (
                await client.post("/graphql", json={"query": VERIFY, "variables": {"token": token}})
            ).json()
            assert verified["data"]["verifyEmail"]["status"] == "PENDING_APPROVAL"
            await _cookie_sign_in_over_loopback_http(client)
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert "GraphiQL:" in output and "Mailbox:" in output
