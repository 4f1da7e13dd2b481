"""The charge ledger: one charge per business key, the open period it lands in, credits."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from api.billing import service
from api.billing.models import Charge, PeriodClose, PeriodCloseStatus
from api.billing.service import ChargeLine, record_charge
from api.billing.states import ChargeKind, PaymentTerm
from api.companies.models import Company
from api.db import unit_of_work
from api.errors import DomainError

D20 = PaymentTerm.DAY20_NEXT_MONTH_END
ME1 = PaymentTerm.MONTH_END_NEXT_MONTH_END


async def company(name: str = "株式会社テスト") -> int:
    return (await Company.create(name=name)).id


def goods(price: int = 1000, qty: int = 2, category: str = "standard") -> list[ChargeLine]:
    return [ChargeLine("ノートPC", qty, price, category, code="NB-1")]


async def charge(cid: int, base: date, key: str, term=D20, **kw) -> Charge:  # noqa: ANN001
    async with unit_of_work():
        return await record_charge(
            company_id=cid,
            term=term,
            base_date=base,
            source_type=kw.pop("source_type", "order_shipment"),
            source_id=key,
            lines=kw.pop("lines", goods()),
            **kw,
        )


async def test_a_charge_lands_in_its_period_once(rt):
    cid = await company()
    first = await charge(cid, date(2025, 11, 20), "EC1:1")
    assert first.closing_date == date(2025, 11, 20) and first.amount == 2000
    assert first.lines[0] == {
        "description": "ノートPC",
        "code": "NB-1",
        "quantity": 2,
        "unit_price": 1000,
        "amount": 2000,
        "tax_category": "standard",
        "rate_percent": 10,
        "reduced": False,
    }
    later = await charge(cid, date(2025, 11, 21), "EC1:2")
    assert later.closing_date == date(2025, 12, 20)
    # A replayed event answers the same charge and records nothing.
    again = await charge(cid, date(2025, 11, 25), "EC1:1", lines=goods(price=9))
    assert again.id == first.id and again.amount == 2000
    assert await Charge.all().count() == 2


async def test_concurrent_replays_record_one_charge(rt):
    cid = await company()
    got = await asyncio.gather(*(charge(cid, date(2025, 11, 3), "EC9:1") for _ in range(5)))
    assert len({c.id for c in got}) == 1
    assert await Charge.filter(business_key="order_shipment:EC9:1").count() == 1


async def test_late_charges_and_credits_land_in_the_next_open_period(rt):
    cid = await company()
    await PeriodClose.create(
        account_key=f"c{cid}", term=D20, closing_date=date(2025, 11, 20),
        status=PeriodCloseStatus.CLOSED, company_id=cid,
    )  # fmt: skip
    late = await charge(cid, date(2025, 11, 10), "EC2:1")
    assert late.closing_date == date(2025, 12, 20)
    credit = await charge(
        cid, date(2025, 11, 10), "EC2:1", source_type="order_cancellation", kind=ChargeKind.CREDIT
    )
    assert credit.closing_date == date(2025, 12, 20)
    assert credit.amount == -2000 and credit.lines[0]["amount"] == -2000
    # The same source under another term is a different account period.
    other = await charge(cid, date(2025, 11, 10), "EC3:1", term=ME1)
    assert other.closing_date == date(2025, 11, 30)


async def test_reduced_rate_and_explicit_rates_are_kept(rt):
    cid = await company()
    food = await charge(cid, date(2025, 11, 1), "EC4:1", lines=goods(500, 3, "reduced"))
    assert food.lines[0]["rate_percent"] == 8 and food.lines[0]["reduced"]
    old = await charge(
        cid, date(2019, 9, 30), "EC4:2", lines=[ChargeLine("旧税率", 1, 100, "standard")]
    )
    assert old.lines[0]["rate_percent"] == 8 and not old.lines[0]["reduced"]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"lines": []}, "REQUIRED"),
        ({"lines": [ChargeLine("x", 0, 100)]}, "OUT_OF_RANGE"),
        ({"lines": [ChargeLine("x", 1, -1)]}, "OUT_OF_RANGE"),
        ({"lines": [ChargeLine("x", 1, 10**13)]}, "OUT_OF_RANGE"),
        ({"lines": [ChargeLine("x", 10**6, 10**7)]}, "OUT_OF_RANGE"),
        ({"lines": [ChargeLine("x", 1, 1, "luxury")]}, "OUT_OF_RANGE"),
        ({"lines": [ChargeLine("x", 1, 1, rate_percent=99)]}, "OUT_OF_RANGE"),
        ({"lines": [ChargeLine("x", 1, 1)] * 501}, "TOO_MANY"),
        ({"base_date": date(1999, 12, 31)}, "OUT_OF_RANGE"),
        ({"source_id": "\u0000\u0007"}, "REQUIRED"),
    ],
)
async def test_hostile_charges_are_refused_with_a_code(rt, change, code):
    cid = await company()
    args = {
        "company_id": cid,
        "term": D20,
        "base_date": date(2025, 11, 1),
        "source_type": "order_shipment",
        "source_id": "EC5:1",
        "lines": goods(),
    }
    args.update(change)
    with pytest.raises(DomainError) as raised:
        async with unit_of_work():
            await record_charge(**args)
    assert raised.value.problems[0].code == code
    assert await Charge.all().count() == 0


async def test_control_characters_are_stripped_from_texts(rt):
    cid = await company()
    c = await charge(
        cid, date(2025, 11, 1), "EC6\u0000:1",
        lines=[ChargeLine("ＰＣ\u202e\u0007 本体", 1, 100)], description="x" * 1000,
    )  # fmt: skip
    assert c.source_id == "EC6:1" and c.lines[0]["description"] == "PC 本体"
    assert len(c.description) == 255


async def test_members_without_a_company_are_their_own_account(rt):
    async with unit_of_work():
        c = await record_charge(
            company_id=None,
            user_id=42,
            term=ME1,
            base_date=date(2025, 11, 1),
            source_type="order_shipment",
            source_id="EC7:1",
            lines=goods(),
        )
    assert c.account_key == "u42" and c.company_id is None
    with pytest.raises(DomainError):
        service.account_key(None, None)


async def test_order_events_feed_the_ledger_under_the_term_the_order_was_made_under(rt):
    from api import clock, events
    from api.actor import Actor
    from api.billing.models import DocumentTerm
    from api.orders.events import OrderCancelled, OrderPlaced, OrderShipped, ShippedLine

    cid = await company()

    def placed(order_id: int) -> OrderPlaced:
        return OrderPlaced(order_id, f"EC{order_id}", 7, cid, "np_deferred", 2200, 2200,
                           date(2025, 11, 5))  # fmt: skip

    def shipped(order_id: int, method: str = "np_deferred") -> OrderShipped:
        lines = (
            ShippedLine(1, 10, 2, 2000, "standard", 10),
            ShippedLine(2, 11, 3, 100, "reduced", 8),
        )
        return OrderShipped(order_id, f"EC{order_id}", cid, 7, 50 + order_id, date(2025, 11, 15),
                            "yamato", "1234", lines, method, True)  # fmt: skip

    async with unit_of_work():
        await events.publish(placed(1))
    # The company switches to 20日締め after order 1 was made, before order 2.
    clock.travel(5)
    admin = Actor(permissions=frozenset({"manage_company"}), user=await _admin_of(cid))
    await service.change_payment_term(rt, admin, D20)
    async with unit_of_work():
        await events.publish(placed(2))
        await events.publish(shipped(1))
        await events.publish(shipped(2))
        await events.publish(shipped(3, method="card"))  # paid at checkout: not billed
        await events.publish(shipped(1))  # replayed
    first = await Charge.get(source_id="1:51")
    second = await Charge.get(source_id="2:52")
    assert first.term == ME1 and first.closing_date == date(2025, 11, 30)
    assert second.term == D20 and second.closing_date == date(2025, 11, 20)
    assert first.amount == 2100 and [line["unit_price"] for line in first.lines] == [1000, 100]
    # 3 units for ¥100 do not divide: one line of ¥100 that says how many.
    assert first.lines[1]["quantity"] == 1 and first.lines[1]["description"].endswith("×3")
    assert first.lines[1]["rate_percent"] == 8 and first.lines[1]["reduced"]
    assert await Charge.all().count() == 2
    assert await DocumentTerm.filter(source_type="order").count() == 2

    async with unit_of_work():
        await events.publish(
            OrderCancelled(1, "EC1", cid, 7, "顧客都合", date(2025, 11, 18), "shipped")
        )
    credit = await Charge.get(source_type="order_cancellation", source_id="1")
    assert credit.kind == ChargeKind.CREDIT and credit.amount == -2100
    assert credit.term == ME1 and credit.closing_date == date(2025, 11, 30)


async def _admin_of(cid: int):  # noqa: ANN202
    from api.accounts.models import User

    return await User.create(
        email=f"admin{cid}@example.com", password_hash="x", family_name="山田", given_name="太郎",
        company_id=cid, role_key="administrator", status="active",
    )  # fmt: skip
