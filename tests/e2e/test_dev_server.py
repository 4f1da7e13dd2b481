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

from tests.conftest import BACKEND, free_port
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
    finally:
        process.terminate()
        try:
            output, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
    assert "GraphiQL:" in output and "Mailbox:" in output
