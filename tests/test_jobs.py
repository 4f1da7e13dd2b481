"""Progress of long jobs: the same reports move a CLI bar and a row staff read over HTTP."""

from __future__ import annotations

import pytest

from api.catalog.demo import generate_products
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.jobs import progress as progress_module
from api.jobs.models import JobOrigin, JobRun, JobRunStatus
from api.jobs.progress import track
from tests.helpers import seed

JOB_RUNS = """
query Runs($filter: JobRunFilter, $first: Int) {
  jobRuns(filter: $filter, first: $first) {
    totalCount
    edges { node { id name origin status total done unit percent message finishedAt } }
  }
}"""


async def test_a_run_records_progress_and_its_outcome(rt, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(progress_module, "WRITE_EVERY_SECONDS", 0.0)
    async with track("seed_catalog", origin=JobOrigin.CLI, total=5, unit="products") as p:
        made = await generate_products(5, batch=2, progress=p.advance)
        # Written while the job still runs, not only at the end.
        row = await JobRun.get(id=p.run.id)
        assert (row.status, row.done, row.total) == (JobRunStatus.RUNNING, 5, 5)
    assert made == 5
    row = await JobRun.get(id=p.run.id)
    assert row.status == JobRunStatus.SUCCEEDED and row.finished_at is not None
    assert row.message == "5 products"


async def test_a_failing_run_is_marked_failed_with_a_short_reason(rt) -> None:  # noqa: ANN001
    with pytest.raises(ZeroDivisionError):
        async with track("billing_close", origin=JobOrigin.WORKER) as p:
            await p.set_total(3)
            await p.advance()
            _ = 1 / 0
    row = await JobRun.get(id=p.run.id)
    assert row.status == JobRunStatus.FAILED
    assert row.message == "failed: ZeroDivisionError" and row.done == 1


async def test_writes_are_throttled(rt, sql) -> None:  # noqa: ANN001
    async with track("resend", origin=JobOrigin.WORKER, total=1000) as p:
        with sql() as counter:
            for _ in range(1000):
                await p.advance()
        assert counter.count <= 1  # at most one write a second, not one per item
    assert (await JobRun.get(id=p.run.id)).done == 1000


async def test_staff_read_job_runs_and_members_cannot(gql, rt, settings, sql) -> None:  # noqa: ANN001
    await seed(settings)
    for i in range(3):
        async with track("seed_catalog", origin=JobOrigin.CLI, total=4) as p:
            await p.advance(i + 1)
    with pytest.raises(ValueError):
        async with track("billing_close", origin=JobOrigin.WORKER, total=10) as p:
            await p.advance(4)
            raise ValueError("no")
    staff = await gql.login(DEMO_STAFF_EMAIL)
    with sql() as counter:
        data = await gql(JOB_RUNS, {"first": 10}, token=staff)
    assert counter.count <= 4  # session, count, page: never a statement per run
    runs = [e["node"] for e in data["jobRuns"]["edges"]]
    assert data["jobRuns"]["totalCount"] == 4
    assert runs[0]["name"] == "billing_close" and runs[0]["status"] == "FAILED"
    assert runs[0]["percent"] == 40.0 and runs[0]["origin"] == "WORKER"
    failed = await gql(JOB_RUNS, {"filter": {"status": "FAILED"}}, token=staff)
    assert failed["jobRuns"]["totalCount"] == 1
    by_name = await gql(JOB_RUNS, {"filter": {"name": "seed_catalog"}}, token=staff)
    assert [e["node"]["done"] for e in by_name["jobRuns"]["edges"]] == [3, 2, 1]
    # The node interface answers staff and no one else.
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": runs[0]["id"]}, token=staff)
    assert node["node"] == {"id": runs[0]["id"]}

    member = await gql.login(DEMO_MEMBER_EMAIL)
    body = await gql(JOB_RUNS, token=member, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    hidden = await gql(
        "query($id: ID!) { node(id: $id) { id } }", {"id": runs[0]["id"]}, token=member
    )
    assert hidden["node"] is None
    anonymous = await gql(JOB_RUNS, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] in {"UNAUTHENTICATED", "FORBIDDEN"}
