"""The closing run from the CLI and the worker: catch-up, progress, batches, re-runs.

`torihiki billing close [--date D]` runs in its own process against the test database
(both backends); the worker's cron job queues one job per batch of accounts and the real
arq worker runs them. A re-run finds nothing and changes nothing.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from api.actor import Actor
from api.billing import service
from api.billing.models import BillingRun, BillingRunBatch, Charge, Invoice, PeriodClose
from api.billing.service import ChargeLine, record_charge
from api.billing.states import BillingRunStatus, PaymentTerm
from api.companies.models import Company
from api.db import unit_of_work
from api.jobs.models import JobRun, JobRunStatus
from workers.jobs.billing import billing_close_batch, close_billing_periods

ROOT = Path(__file__).resolve().parents[1]
ME1 = PaymentTerm.MONTH_END_NEXT_MONTH_END
D20 = PaymentTerm.DAY20_NEXT_MONTH_END
SYSTEM = Actor.for_system()


async def company(name: str) -> int:
    return (await Company.create(name=name, billing_name=f"{name} 経理部")).id


async def charge(cid: int, base: date, key: str, term: PaymentTerm = ME1, price: int = 1000):
    async with unit_of_work():
        return await record_charge(
            company_id=cid,
            term=term,
            base_date=base,
            source_type="order_shipment",
            source_id=key,
            lines=[ChargeLine("商品", 1, price)],
        )


async def ledger_state() -> tuple:
    """Everything a run may change, to compare before and after a re-run."""
    invoices = await Invoice.all().order_by("id").values_list("id", "number", "total", "status")
    charges = await Charge.all().order_by("id").values_list("id", "invoice_id", "closing_date")
    closes = await PeriodClose.all().order_by("id").values_list("id", "invoice_id")
    return tuple(invoices), tuple(charges), tuple(closes)


def cli(settings, *args: str) -> subprocess.CompletedProcess:  # noqa: ANN001
    return subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": settings.database_url,
            "REDIS_URL": settings.redis_url,
            "STORE_PROFILE": settings.store_profile,
            "ENVIRONMENT": "test",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_the_cli_closes_missed_periods_with_progress_and_a_rerun_changes_nothing(
    rt, settings
):
    a, b = await company("株式会社甲"), await company("株式会社乙")
    await charge(a, date(2025, 9, 10), "CLI:1")
    await charge(a, date(2025, 10, 10), "CLI:2")
    await charge(b, date(2025, 10, 15), "CLI:3", term=D20)
    await charge(b, date(2025, 12, 1), "CLI:4")  # closes 12-31: not due yet

    done = await asyncio.to_thread(cli, settings, "billing", "close", "--date", "2025-12-01")
    assert done.returncode == 0, done.stderr
    assert "3/3 periods, 3 invoices, ¥3,300" in done.stdout
    got = {(i.company_id, i.term, i.closing_date) for i in await Invoice.all()}
    assert got == {
        (a, ME1, date(2025, 9, 30)),
        (a, ME1, date(2025, 10, 31)),
        (b, D20, date(2025, 10, 20)),
    }
    [job] = await JobRun.filter(name="billing_close")
    assert (job.status, job.total, job.done, job.unit) == (JobRunStatus.SUCCEEDED, 3, 3, "periods")
    assert job.message == "3 invoices, ¥3,300, 0 failed"
    [run] = await BillingRun.all()
    assert (run.trigger, run.status, run.invoices_made) == ("cli", BillingRunStatus.COMPLETED, 3)

    before = await ledger_state()
    again = await asyncio.to_thread(cli, settings, "billing", "close", "--date", "2025-12-01")
    assert again.returncode == 0, again.stderr
    assert "0/0 periods, 0 invoices" in again.stdout
    assert await ledger_state() == before

    # A date that is not one, or one not yet come, is refused and nothing runs.
    bad = await asyncio.to_thread(cli, settings, "billing", "close", "--date", "2025-13-01")
    assert bad.returncode == 2 and "--date" in bad.stderr
    future = await asyncio.to_thread(cli, settings, "billing", "close", "--date", "2999-01-01")
    assert future.returncode == 2 and "OUT_OF_RANGE" in future.stderr
    assert await ledger_state() == before
    assert await BillingRun.all().count() == 2


async def test_the_cron_job_spreads_batches_over_the_worker_and_catches_up(
    rt, settings, monkeypatch, gql
):
    monkeypatch.setattr(service, "BATCH_ACCOUNTS", 2)
    ids = [await company(f"社{i}") for i in range(5)]
    for n, cid in enumerate(ids):
        await charge(cid, date(2025, 8, 1 + n), f"W:{n}:1")  # months the worker missed
        await charge(cid, date(2025, 10, 1 + n), f"W:{n}:2", price=2000)

    started = await close_billing_periods({"rt": rt})
    assert started == {"requeued": 0, "batches": 3}  # 5 accounts in batches of 2
    [run] = await BillingRun.all()
    assert run.status == BillingRunStatus.RUNNING and run.periods_due == 10
    # While it runs, the next cron run starts no second run.
    assert await close_billing_periods({"rt": rt}) == {"requeued": 0, "batches": 0}

    await gql.run_worker()
    run = await BillingRun.get(id=run.id)
    assert (run.status, run.periods_done, run.invoices_made) == (
        BillingRunStatus.COMPLETED,
        10,
        10,
    )
    assert run.amount_total == 5 * (1100 + 2200)
    assert await Invoice.all().count() == 10 == await PeriodClose.all().count()
    assert await Charge.filter(invoice_id__isnull=True).count() == 0

    before = await ledger_state()
    assert await close_billing_periods({"rt": rt}) == {"requeued": 0, "batches": 0}
    await gql.run_worker()
    assert await ledger_state() == before
    assert await BillingRun.all().count() == 1  # the cron records no empty runs


async def test_a_batch_run_twice_or_out_of_order_counts_each_period_once(rt):
    ids = [await company(f"会社{i}") for i in range(7)]
    for n, cid in enumerate(ids):
        await charge(cid, date(2025, 11, 1 + n), f"B:{n}")
    run, batches = await service.start_run(SYSTEM, as_of=date(2025, 12, 1), batch_accounts=3)
    assert [len(b.accounts) for b in batches] == [3, 3, 1]
    # A worker dies after closing part of batch 2: simulate by closing one period of it.
    cal = await service.settlement_calendar()
    [first] = await service.due_periods(date(2025, 12, 1), batches[1].accounts[:1])
    await service.close_period(rt, first, run_id=run.id, cal=cal)
    # Batches run in any order, one of them twice (arq's retry of the killed job).
    await billing_close_batch({"rt": rt}, run.id, 3)
    await billing_close_batch({"rt": rt}, run.id, 2)
    await billing_close_batch({"rt": rt}, run.id, 2)
    mid = await BillingRun.get(id=run.id)
    assert mid.status == BillingRunStatus.RUNNING and mid.invoices_made == 4
    await billing_close_batch({"rt": rt}, run.id, 1)
    done = await BillingRun.get(id=run.id)
    assert (done.status, done.periods_done, done.invoices_made, done.amount_total) == (
        BillingRunStatus.COMPLETED,
        7,
        7,
        7 * 1100,
    )
    assert await Invoice.all().count() == 7
    assert await BillingRunBatch.filter(run_id=run.id, done=True).count() == 3
    # A batch job arriving after its run completed does nothing.
    before = await ledger_state()
    await billing_close_batch({"rt": rt}, run.id, 1)
    assert await ledger_state() == before


async def test_unfinished_batches_of_a_running_run_are_queued_again(rt, gql):
    from datetime import timedelta

    from api import clock

    cid = await company("株式会社丙")
    await charge(cid, date(2025, 11, 3), "R:1")
    run, batches = await service.start_run(SYSTEM, as_of=date(2025, 12, 1), trigger="cron")
    # The batch's job was lost (Redis flushed); two minutes later the cron run re-queues it.
    clock.travel(timedelta(minutes=3).total_seconds())
    assert await close_billing_periods({"rt": rt}) == {"requeued": 1, "batches": 0}
    await gql.run_worker()
    assert (await BillingRun.get(id=run.id)).status == BillingRunStatus.COMPLETED
    assert await Invoice.filter(company_id=cid).count() == 1
