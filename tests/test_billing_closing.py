"""The closing run: every due period once, nothing twice, nothing missed, tax once per rate."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.actor import Actor
from api.billing import service
from api.billing.models import BillingRun, Charge, Invoice, PeriodClose
from api.billing.service import ChargeLine, close_due_periods, record_charge
from api.billing.states import BillingRunStatus, ChargeKind, PaymentTerm
from api.companies.models import Company
from api.db import unit_of_work
from api.notifications.models import OutboxMessage

D20 = PaymentTerm.DAY20_NEXT_MONTH_END
ME1 = PaymentTerm.MONTH_END_NEXT_MONTH_END
ME2 = PaymentTerm.MONTH_END_MONTH_AFTER_NEXT_END
SYSTEM = Actor.for_system()


async def company(name: str = "株式会社テスト") -> int:
    return (await Company.create(name=name, billing_name=f"{name} 経理部")).id


async def charge(cid, base, key, term=ME1, lines=None, kind=ChargeKind.DEBIT):  # noqa: ANN001, ANN201
    async with unit_of_work():
        return await record_charge(
            company_id=cid,
            term=term,
            base_date=base,
            source_type="order_shipment",
            source_id=key,
            lines=lines or [ChargeLine("商品", 1, 1000)],
            kind=kind,
        )


async def test_a_period_closes_into_one_snapshot_invoice(rt):
    cid = await company()
    await charge(cid, date(2025, 11, 3), "A:1", lines=[ChargeLine("部品", 3, 105)] * 1)
    await charge(cid, date(2025, 11, 10), "A:2", lines=[ChargeLine("部品", 1, 105)] * 3)
    await charge(cid, date(2025, 11, 28), "A:3", lines=[ChargeLine("お茶", 2, 540, "reduced")])
    await charge(cid, date(2025, 12, 1), "A:4")  # next period

    result = await close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 1))
    assert (result.periods_due, result.invoices_made, result.failures) == (1, 1, [])
    [invoice] = await Invoice.all()
    assert (invoice.period_start, invoice.closing_date) == (date(2025, 11, 1), date(2025, 11, 30))
    assert invoice.invoice_date == date(2025, 12, 1)
    assert invoice.due_date == date(2025, 12, 30)  # 12-31 is a bank holiday: previous day
    # Tax once per rate: 6 × ¥105 = ¥630 → ¥63 (per line it would be 6 × ¥10 = ¥60).
    assert invoice.per_rate == [
        {"rate_percent": 10, "reduced": False, "base": 630, "tax": 63},
        {"rate_percent": 8, "reduced": True, "base": 1080, "tax": 86},
    ]
    assert (invoice.subtotal, invoice.tax_total, invoice.total) == (1710, 149, 1859)
    assert invoice.number.startswith("EC202512I")
    assert invoice.issuer["registration_number"] == "T9876543210987"
    assert invoice.issuer["name"] and invoice.issuer["lines"]  # the store as printed
    assert invoice.recipient["name"] == "株式会社テスト 経理部"
    assert len(invoice.lines) == 5 and invoice.lines[0]["source"] == "order_shipment:A:1"
    # The charges are on it; the next period's is not.
    assert await Charge.filter(invoice_id=invoice.id).count() == 3
    assert await Charge.filter(invoice_id__isnull=True).count() == 1

    # A snapshot: renaming the company later changes nothing on the invoice.
    await Company.filter(id=cid).update(billing_name="新社名")
    assert (await Invoice.get(id=invoice.id)).recipient["name"] == "株式会社テスト 経理部"

    # A re-run finds nothing to do and changes nothing.
    again = await close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 1))
    assert (again.periods_due, again.invoices_made) == (0, 0)
    assert await Invoice.all().count() == 1
    runs = await BillingRun.all().order_by("id")
    assert [r.status for r in runs] == [BillingRunStatus.COMPLETED] * 2
    assert runs[0].invoices_made == 1 and runs[0].amount_total == 1859


async def test_missed_days_are_caught_up_and_terms_close_separately(rt):
    cid = await company()
    other = await company("株式会社ミライ")
    await charge(cid, date(2025, 9, 5), "B:1")
    await charge(cid, date(2025, 10, 5), "B:2")
    await charge(cid, date(2025, 10, 15), "B:3", term=D20)  # made under another term
    await charge(cid, date(2025, 10, 25), "B:4", term=D20)
    await charge(other, date(2025, 10, 31), "B:5", term=ME2)
    # The worker was down from September to mid-November.
    result = await close_due_periods(rt, SYSTEM, as_of=date(2025, 11, 15))
    assert result.invoices_made == 4  # D20's 11-20 period is not over yet
    got = {(i.company_id, i.term, i.closing_date, i.due_date) for i in await Invoice.all()}
    assert got == {
        (cid, ME1, date(2025, 9, 30), date(2025, 10, 31)),
        (cid, ME1, date(2025, 10, 31), date(2025, 11, 28)),  # 11-30 is a Sunday
        (cid, D20, date(2025, 10, 20), date(2025, 11, 28)),
        (other, ME2, date(2025, 10, 31), date(2025, 12, 30)),  # 12-31: bank holiday
    }
    later = await close_due_periods(rt, SYSTEM, as_of=date(2025, 11, 21))
    assert later.invoices_made == 1
    assert await Invoice.filter(term=D20, closing_date=date(2025, 11, 20)).exists()


async def test_charges_recorded_after_their_period_closed_go_to_the_next(rt):
    cid = await company()
    await charge(cid, date(2025, 11, 3), "C:1")
    await close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 2))
    late = await charge(cid, date(2025, 11, 20), "C:2")  # shipped in November, reported late
    credit = await charge(cid, date(2025, 11, 3), "C:1x", kind=ChargeKind.CREDIT)
    assert late.closing_date == credit.closing_date == date(2025, 12, 31)
    result = await close_due_periods(rt, SYSTEM, as_of=date(2026, 1, 1))
    assert result.invoices_made == 1
    december = await Invoice.get(closing_date=date(2025, 12, 31))
    assert december.total == 0 and december.per_rate[0]["base"] == 0


async def test_a_charge_left_open_in_a_closed_period_moves_on(rt):
    """A charge written while a run closed its period (the race) is not lost."""
    cid = await company()
    await charge(cid, date(2025, 11, 3), "D:1")
    await close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 1))
    # Simulate the race: a charge in the closed period the run could not see.
    await Charge.create(
        account_key=f"c{cid}", company_id=cid, term=ME1, base_date=date(2025, 11, 30),
        closing_date=date(2025, 11, 30), source_type="order_shipment", source_id="D:2",
        business_key="order_shipment:D:2", lines=[{"description": "x", "code": "",
        "quantity": 1, "unit_price": 500, "amount": 500, "tax_category": "standard",
        "rate_percent": 10, "reduced": False}], amount=500,
    )  # fmt: skip
    result = await close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 1))
    assert result.invoices_made == 0 and result.skipped == 1
    moved = await Charge.get(business_key="order_shipment:D:2")
    assert moved.closing_date == date(2025, 12, 31) and moved.invoice_id is None
    await close_due_periods(rt, SYSTEM, as_of=date(2026, 1, 1))
    assert (await Charge.get(id=moved.id)).invoice_id is not None


async def test_concurrent_runs_make_one_invoice_per_period(rt):
    """Two workers (and a CLI) running at once: every period exactly once (PostgreSQL too)."""
    ids = [await company(f"社{i}") for i in range(12)]
    for n, cid in enumerate(ids):
        await charge(cid, date(2025, 10, 1 + n), f"E:{n}")
        await charge(cid, date(2025, 11, 1 + n), f"E:{n}:2")
    results = await asyncio.gather(
        *(close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 5)) for _ in range(3))
    )
    assert sum(r.invoices_made for r in results) == 24
    assert all(r.failures == [] for r in results)
    assert await Invoice.all().count() == 24 == await PeriodClose.all().count()
    assert await Charge.filter(invoice_id__isnull=True).count() == 0
    numbers = await Invoice.all().values_list("number", flat=True)
    assert len(set(numbers)) == 24


async def test_one_companys_bad_data_does_not_stop_the_run(rt):
    good, bad = await company("良"), await company("悪")
    await charge(good, date(2025, 11, 3), "F:1")
    await charge(bad, date(2025, 11, 3), "F:2")
    await Charge.filter(business_key="order_shipment:F:2").update(lines=[{"amount": 1}])
    result = await close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 1))
    assert result.invoices_made == 1 and len(result.failures) == 1
    assert result.failures[0]["companyId"] == bad and "KeyError" in result.failures[0]["reason"]
    run = await BillingRun.get(id=result.run_id)
    assert run.failures == result.failures and run.status == BillingRunStatus.COMPLETED
    # Nothing half-done for the failed company: it is still due.
    assert [p.account_key for p in await service.due_periods(date(2025, 12, 1))] == [f"c{bad}"]


async def test_stale_runs_are_abandoned_and_their_work_completed(rt):
    from api import clock

    cid = await company()
    await charge(cid, date(2025, 11, 3), "G:1")
    stale = await BillingRun.create(
        trigger="cron", as_of=date(2025, 12, 1), started_at=clock.now() - timedelta(hours=2)
    )
    result = await close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 1))
    assert result.invoices_made == 1
    assert (await BillingRun.get(id=stale.id)).status == BillingRunStatus.ABANDONED


async def test_invoice_mail_goes_through_the_outbox_to_the_administrators(rt, settings, gql):
    from api.accounts.models import User
    from api.demo import DEMO_MEMBER_EMAIL
    from tests.conftest import body_text
    from tests.helpers import seed

    await seed(settings)
    member = await User.get(email=DEMO_MEMBER_EMAIL)
    await charge(member.company_id, date(2025, 11, 3), "H:1")
    await close_due_periods(rt, SYSTEM, as_of=date(2025, 12, 1))
    assert await OutboxMessage.filter(template="invoice_issued").count() >= 1
    await gql.run_worker()
    [mail] = [m for m in gql.inbox.to(DEMO_MEMBER_EMAIL) if "請求書" in m["Subject"]]
    text = body_text(mail)
    assert "1,100円" in text and "2025-12-30" in text


lines_st = st.lists(
    st.builds(
        ChargeLine,
        st.just("品"),
        st.integers(1, 20),
        st.integers(0, 50_000),
        st.sampled_from(["standard", "reduced"]),
    ),
    min_size=1,
    max_size=3,
)
events_st = st.lists(
    st.tuples(
        st.integers(0, 150),  # base date offset from 2025-09-01
        st.sampled_from(list(PaymentTerm)),
        lines_st,
        st.booleans(),  # a credit
        st.integers(0, 170),  # recorded (and run) after this many days
    ),
    min_size=1,
    max_size=12,
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=events_st)
async def test_property_every_charge_on_exactly_one_invoice(rt, events):
    cid = await company()
    start = date(2025, 9, 1)
    runs: list[date] = []
    for n, (offset, term, lines, credit, later) in enumerate(sorted(events, key=lambda e: e[4])):
        run_day = start + timedelta(days=later)
        await charge(
            cid, start + timedelta(days=offset), f"P{cid}:{n}", term, lines,
            ChargeKind.CREDIT if credit else ChargeKind.DEBIT,
        )  # fmt: skip
        await close_due_periods(rt, SYSTEM, as_of=run_day)
        runs.append(run_day)
    final = date(2026, 6, 1)
    await close_due_periods(rt, SYSTEM, as_of=final)
    charges = await Charge.filter(company_id=cid)
    invoices = {i.id: i for i in await Invoice.filter(company_id=cid)}
    assert all(c.invoice_id in invoices for c in charges)  # on exactly one (one column)
    for invoice in invoices.values():
        mine = [c for c in charges if c.invoice_id == invoice.id]
        assert all(c.term == invoice.term and c.closing_date == invoice.closing_date for c in mine)
        assert all(invoice.period_start <= c.closing_date for c in mine)
        per_rate: dict[int, int] = {}
        for c in mine:
            for line in c.lines:
                per_rate[line["rate_percent"]] = (
                    per_rate.get(line["rate_percent"], 0) + line["amount"]
                )
        assert {r["rate_percent"]: r["base"] for r in invoice.per_rate} == per_rate
        assert invoice.total == sum(r["base"] + r["tax"] for r in invoice.per_rate)
    # A re-run adds nothing.
    before = await Invoice.filter(company_id=cid).count()
    assert (await close_due_periods(rt, SYSTEM, as_of=final)).invoices_made == 0
    assert await Invoice.filter(company_id=cid).count() == before
