"""/metrics as a Prometheus scraper reads it: counters that move, outbox gauges, the
worker's own endpoint, and the production guard."""

from __future__ import annotations

import re
import urllib.request

import httpx
import pytest

from api import metrics
from api.app import create_app
from api.db import unit_of_work
from api.notifications import outbox
from tests.conftest import free_port


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in the text format; 0 when it is not there yet."""
    wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.fullmatch(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)", line)
        if not m or m.group(1) != name:
            continue
        got = ",".join(sorted((m.group(2) or "").split(","))) if m.group(2) else ""
        if got == wanted:
            return float(m.group(3))
    return 0.0


async def scrape(http: httpx.AsyncClient) -> str:
    response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return response.text


async def test_operations_errors_and_latency_are_counted(http):
    before = await scrape(http)
    ok = await http.post("/graphql", json={"query": "query StoreCode { store { code } }"})
    assert ok.status_code == 200
    bad = await http.post("/graphql", json={"query": "query Broken { nope }"})
    assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    after = await scrape(http)

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("torihiki_graphql_operations_total", operation="StoreCode", outcome="ok") == 1
    assert (
        moved("torihiki_graphql_operations_total", operation="Broken", outcome="not_executed") == 1
    )
    assert moved("torihiki_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert moved("torihiki_graphql_duration_seconds_count", operation="StoreCode") == 1


async def test_outbox_gauges_and_job_counters(http, rt, run_worker):
    async with unit_of_work():
        await outbox.queue_mail(rt, "application_received", "metrics@example.jp", {"name": "x"})
    text = await scrape(http)
    assert sample(text, "torihiki_outbox_messages", status="pending") == 1
    assert sample(text, "torihiki_outbox_oldest_pending_age_seconds") >= 0
    jobs_before = sample(text, "torihiki_jobs_total", job="send_mail", outcome="ok")
    assert await run_worker() >= 1
    text = await scrape(http)
    assert sample(text, "torihiki_outbox_messages", status="pending") == 0
    assert sample(text, "torihiki_outbox_messages", status="sent") == 1
    assert sample(text, "torihiki_outbox_oldest_pending_age_seconds") == 0
    assert sample(text, "torihiki_jobs_total", job="send_mail", outcome="ok") == jobs_before + 1


def test_client_chosen_operation_names_cannot_grow_the_registry(monkeypatch):
    monkeypatch.setattr(metrics, "_seen_names", set())
    monkeypatch.setattr(metrics, "MAX_OPERATION_NAMES", 3)
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label('x"} 1\nevil') == "other"
    assert metrics.operation_label("ア") == "other"
    assert metrics.operation_label("a" * 65) == "other"
    assert [metrics.operation_label(f"Op{i}") for i in range(5)] == [
        "Op0",
        "Op1",
        "Op2",
        "other",
        "other",
    ]
    assert metrics.operation_label("Op1") == "Op1"


@pytest.mark.parametrize("token", ["", "s3cret-metrics-token"])
async def test_production_needs_the_token(settings, rt, token):
    production = settings.model_copy(
        update={
            "environment": "production",
            "secret_key": "x" * 40,
            "database_url": "postgres://db/torihiki",
            "redis_url": "redis://redis:6379/0",
            "embedded_smtp_sink": False,
            "debug": False,
            "metrics_token": token,
        }
    )
    app = create_app(production, runtime=rt)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://api.example") as http:
        anonymous = await http.get("/metrics")
        if not token:
            assert anonymous.status_code == 404  # off while METRICS_TOKEN is empty
            return
        assert anonymous.status_code == 401
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 401
        right = await http.get("/metrics", headers={"Authorization": f"Bearer {token}"})
        assert right.status_code == 200
        assert "torihiki_graphql_operations_total" in right.text


def test_worker_serves_its_own_metrics():
    port = free_port()
    server = metrics.serve_worker_metrics("127.0.0.1", port)
    try:
        metrics.JOBS.labels("metrics_probe", "ok").inc()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            text = response.read().decode()
        assert sample(text, "torihiki_jobs_total", job="metrics_probe", outcome="ok") >= 1
    finally:
        server.shutdown()
