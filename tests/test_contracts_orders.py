"""Accepted orders open contracts (OrderAccepted → contracts), once per subscription line."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api import clock
from api.accounts.models import User
from api.contracts.models import Contract, ContractLine, ContractVersion
from api.contracts.states import ContractStatus, LineKind
from api.db import unit_of_work
from api.demo import DEMO_MEMBER_EMAIL
from api.errors import DomainError
from api.events import publish
from api.orders.events import OrderAccepted, OrderedOption, SubscriptionLine
from tests.helpers import seed
from tests.test_contracts_http import zoom_products


def accepted(company_id: int, user_id: int, products: dict[str, int], **overrides) -> OrderAccepted:
    start = clock.business_today() + timedelta(days=14)
    data = dict(
        order_id=41,
        number="EC2026120400041",
        user_id=user_id,
        company_id=company_id,
        accepted_on=clock.business_today(),
        payment_method="invoice",
        payment_terms="month_end_next_month_end",
        subscription_lines=(
            SubscriptionLine(
                order_line_id=1,
                product_id=products["zoom-business-m"],
                product_code="zoom-business-m",
                name="Zoom Workplace Business",
                plan="monthly",
                quantity=10,
                unit_price=2500,  # the agreed (discounted) price, not the catalog's 2700
                unit_total=3500,
                amount=35000,
                tax_category="standard",
                tax_rate_percent=10,
                desired_start=start,
                options=(OrderedOption("zoom-business-m-webinar", "ウェビナー", 1000),),
            ),
            SubscriptionLine(
                order_line_id=2,
                product_id=products["zoom-pro-y"],
                product_code="zoom-pro-y",
                name="Zoom Workplace Pro（年額）",
                plan="yearly",  # the orders event's old spelling of the catalog's "annual"
                quantity=3,
                unit_price=20000,
                unit_total=20000,
                amount=60000,
                tax_category="standard",
                tax_rate_percent=10,
                desired_start=date(start.year, start.month, 1) + timedelta(days=40),
            ),
        ),
    )
    data.update(overrides)
    return OrderAccepted(**data)


@pytest.fixture
async def world(rt, settings):
    await seed(settings)
    member = await User.get(email=DEMO_MEMBER_EMAIL)
    return {"products": await zoom_products(rt), "member": member}


async def test_each_subscription_line_opens_one_contract_once(rt, world):
    member = world["member"]
    event = accepted(member.company_id, member.id, world["products"])
    for _ in range(2):  # a replayed event opens nothing new
        async with unit_of_work():
            await publish(event)
    contracts = await Contract.filter(order_id=41).order_by("id")
    assert [c.source_key for c in contracts] == ["order:41:line:1", "order:41:line:2"]
    monthly, annual = contracts
    assert monthly.status == ContractStatus.SETTING_UP
    assert monthly.plan == "monthly" and monthly.term_months == 1
    assert monthly.start_date == event.subscription_lines[0].desired_start
    assert monthly.payment_method == "invoice"
    assert monthly.payment_terms == {"term": "month_end_next_month_end"}
    # No 利用者情報 on the event: the person who ordered.
    assert monthly.user_info["email"] == member.email
    lines = await ContractLine.filter(version__contract_id=monthly.id).order_by("position")
    assert [(ln.kind, ln.code, ln.quantity, ln.unit_price, ln.min_quantity) for ln in lines] == [
        (LineKind.MAIN, "zoom-business-m", 10, 2500, 10),
        (LineKind.OPTION, "zoom-business-m-webinar", 10, 1000, 0),
    ]
    assert annual.plan == "annual" and annual.term_months == 12
    assert annual.renewal_month == annual.current_term_end.month
    assert annual.current_term_end == date(
        annual.start_date.year + 1, annual.start_date.month, annual.start_date.day
    ) - timedelta(days=1)
    assert await ContractVersion.filter(contract_id__in=[monthly.id, annual.id]).count() == 2


async def test_the_service_users_of_the_order_become_the_user_info(rt, world):
    member = world["member"]

    @__import__("dataclasses").dataclass(frozen=True)
    class WithUsers(OrderAccepted):
        service_users: tuple = ()

    base = accepted(member.company_id, member.id, world["products"])
    event = WithUsers(
        **{f: getattr(base, f) for f in base.__dataclass_fields__},
        service_users=({"name": "利用 花子", "email": "Riyou@Example.jp", "phone": ""},),
    )
    from api.contracts import service

    async with unit_of_work():
        await service.open_contracts_for_order(event)
    contract = await Contract.get(source_key="order:41:line:1")
    assert contract.user_info["name"] == "利用 花子"
    assert contract.user_info["email"] == "riyou@example.jp"


async def test_orders_without_subscriptions_or_company_open_nothing(rt, world):
    member = world["member"]
    async with unit_of_work():
        await publish(
            accepted(member.company_id, member.id, world["products"], subscription_lines=())
        )
        await publish(accepted(None, member.id, world["products"]))
    assert await Contract.all().count() == 0


async def test_a_contract_that_cannot_open_rolls_the_acceptance_back(rt, world):
    member = world["member"]
    event = accepted(member.company_id, member.id, world["products"])
    bad = event.subscription_lines[0].__class__(
        **{**event.subscription_lines[0].__dict__, "quantity": 3}  # below the minimum of 10
    )
    with pytest.raises(DomainError) as caught:
        async with unit_of_work():
            await publish(
                accepted(member.company_id, member.id, world["products"], subscription_lines=(bad,))
            )
    assert caught.value.problems[0].code == "QUANTITY_BELOW_MINIMUM"
    assert await Contract.all().count() == 0


# ---- the withdrawal check (support): running contracts keep an administrator -----------------

REQUEST_WITHDRAWAL = """
mutation Withdraw($input: RequestWithdrawalInput!) {
  requestWithdrawal(input: $input) { withdrawalRequest { id status } userErrors { code } }
}"""

COMPLETE_WITHDRAWAL = """
mutation Complete($id: ID!) {
  completeWithdrawal(input: {requestId: $id}) {
    withdrawalRequest { id status }
    userErrors { field code message params }
  }
}"""


async def test_the_last_administrator_of_running_contracts_cannot_complete_withdrawal(
    gql, rt, world
):
    from api.accounts.models import UserStatus
    from api.contracts import service
    from api.demo import DEMO_PASSWORD, DEMO_STAFF_EMAIL

    member = world["member"]
    # Alone in the company: the company rule alone would let them go.
    await (
        User.filter(company_id=member.company_id)
        .exclude(id=member.id)
        .update(status=UserStatus.CLOSED)
    )
    token = await gql.login(DEMO_MEMBER_EMAIL)
    asked = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=token)
    request_id = asked["requestWithdrawal"]["withdrawalRequest"]["id"]
    async with unit_of_work():
        await publish(accepted(member.company_id, member.id, world["products"]))
    staff = await gql.login(DEMO_STAFF_EMAIL)
    refused = (await gql(COMPLETE_WITHDRAWAL, {"id": request_id}, token=staff))[
        "completeWithdrawal"
    ]
    assert refused["withdrawalRequest"] is None
    error = refused["userErrors"][0]
    assert error["code"] == "RUNNING_CONTRACTS_NEED_ADMINISTRATOR"
    assert error["params"]["count"] == 2 and len(error["params"]["contracts"]) == 2
    assert "2件" in error["message"]
    assert (await User.get(id=member.id)).status == UserStatus.ACTIVE
    # Once the contracts have ended (withdrawn during set-up), the withdrawal completes.
    from api.actor import Actor

    for contract in await Contract.filter(company_id=member.company_id):
        await service.abandon_contract(rt, Actor.for_system(), contract.id, "注文取消")
    done = (await gql(COMPLETE_WITHDRAWAL, {"id": request_id}, token=staff))["completeWithdrawal"]
    assert done["userErrors"] == [] and done["withdrawalRequest"]["status"] == "COMPLETED"


def test_the_state_diagrams_in_the_guide_are_generated_from_the_code():
    from pathlib import Path

    from api.contracts.states import diagrams

    text = (Path(__file__).resolve().parents[1] / "docs" / "contracts.md").read_text("utf-8")
    for name, diagram in diagrams().items():
        assert f"```mermaid\n{diagram}```" in text, name
