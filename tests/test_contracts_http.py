"""Contracts over HTTP: staff open and set up, the date job starts and ends, members read
their company's contracts only; hostile input is a coded userError."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api import clock
from api.accounts.models import User
from api.actor import Actor
from api.catalog import service as catalog
from api.catalog.models import ProductKind, SubscriptionPlan
from api.catalog.service import OptionGroupSpec, OptionSpec
from api.companies.demo import DEMO_GENERAL_EMAIL, DEMO_OTHER_ADMIN_EMAIL
from api.contracts import service
from api.contracts.models import Contract, ContractVersion
from api.contracts.states import ContractStatus
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.graphql.ids import to_global_id
from tests.helpers import refused_characters, seed

CONTRACT_FIELDS = """
  id number status statusLabel plan startDate termMonths renewalMonth currentTermEnd endDate
  paymentMethod companyId
  userInfo { name email phone department }
  lines { kind code name quantity minQuantity unitPrice { amount } amount { amount } }
  versions { number effectiveFrom effectiveUntil reason lines { code quantity } }
  history { fromStatus toStatus reason }
"""

OPEN = (
    "mutation Open($input: OpenContractInput!) { openContract(input: $input) { contract { "
    + CONTRACT_FIELDS
    + " } userErrors { field code message params } } }"
)

SETUP = """
mutation Setup($id: ID!, $reason: String) {
  completeContractSetup(input: {contractId: $id, reason: $reason}) {
    contract { id status statusLabel }
    userErrors { field code message params }
  }
}"""

START = """
mutation Start($id: ID!) {
  startContract(input: {contractId: $id}) {
    contract { id status }
    userErrors { field code message params }
  }
}"""

LIST = """
query List($first: Int, $status: ContractStatus) {
  contracts(first: $first, filter: {status: $status}) {
    totalCount
    edges { node { id number status lines { code quantity } versions { number } } }
  }
}"""

DETAIL = "query Detail($id: ID!) { contract(id: $id) { " + CONTRACT_FIELDS + " } }"


async def zoom_products(rt) -> dict[str, int]:
    """Zoom Workplace Business and Pro (004 §6.2's example), annual and monthly."""
    ids = {}
    system = Actor.for_system()
    for code, name, price, plan in (
        ("zoom-business-m", "Zoom Workplace Business", 2700, SubscriptionPlan.MONTHLY),
        ("zoom-pro-m", "Zoom Workplace Pro", 2000, SubscriptionPlan.MONTHLY),
        ("zoom-business-y", "Zoom Workplace Business（年額）", 27000, SubscriptionPlan.ANNUAL),
        ("zoom-pro-y", "Zoom Workplace Pro（年額）", 20000, SubscriptionPlan.ANNUAL),
    ):
        p = await catalog.create_product(
            rt,
            system,
            {
                "code": code,
                "name": name,
                "price": price,
                "kind": ProductKind.SUBSCRIPTION,
                "plan": plan,
                "min_quantity": 10 if "business" in code else 1,
                "shipping_class": "none",
            },
        )
        await catalog.set_product_options(
            rt,
            system,
            p.id,
            [
                OptionGroupSpec(
                    name="追加オプション",
                    name_en="Add-ons",
                    options=[
                        OptionSpec(
                            code=f"{code}-webinar", name="ウェビナー", name_en="Webinar", price=1000
                        ),
                        OptionSpec(
                            code=f"{code}-rooms", name="Zoom Rooms", name_en="Rooms", price=5000
                        ),
                    ],
                )
            ],
        )
        await catalog.publish_product(rt, system, p.id)
        ids[code] = p.id
    return ids


def open_input(company_id: int, product_id: int, start: date, **overrides) -> dict:
    data = {
        "companyId": to_global_id("Company", company_id),
        "productId": to_global_id("Product", product_id),
        "quantity": 10,
        "startDate": start.isoformat(),
        "options": [{"code": "zoom-business-m-webinar", "quantity": 1}],
        "paymentMethod": "invoice",
        "userInfo": {
            "name": "山田 太郎",
            "email": "Yamada@Example.co.jp",
            "phone": "03-1234-5678",
            "department": "情報システム部",
        },
    }
    data.update(overrides)
    return data


@pytest.fixture
async def world(rt, settings, gql):
    await seed(settings)
    products = await zoom_products(rt)
    member = await User.get(email=DEMO_MEMBER_EMAIL)
    other = await User.get(email=DEMO_OTHER_ADMIN_EMAIL)
    return {
        "products": products,
        "company": member.company_id,
        "other_company": other.company_id,
        "staff": await gql.login(DEMO_STAFF_EMAIL),
    }


async def test_staff_open_set_up_and_the_date_job_starts_it(gql, rt, world, sql):
    today = clock.business_today()
    start = today + timedelta(days=10)
    data = await gql(
        OPEN,
        {"input": open_input(world["company"], world["products"]["zoom-business-m"], start)},
        token=world["staff"],
    )
    payload = data["openContract"]
    assert payload["userErrors"] == []
    contract = payload["contract"]
    assert contract["status"] == "SETTING_UP" and contract["statusLabel"] == "新規契約手続き中"
    assert contract["plan"] == "MONTHLY" and contract["termMonths"] == 1
    assert contract["renewalMonth"] is None
    assert contract["userInfo"]["email"] == "yamada@example.co.jp"
    assert contract["lines"] == [
        {
            "kind": "MAIN",
            "code": "zoom-business-m",
            "name": "Zoom Workplace Business",
            "quantity": 10,
            "minQuantity": 10,
            "unitPrice": {"amount": 2700},
            "amount": {"amount": 27000},
        },
        {
            "kind": "OPTION",
            "code": "zoom-business-m-webinar",
            "name": "ウェビナー",
            "quantity": 1,
            "minQuantity": 0,
            "unitPrice": {"amount": 1000},
            "amount": {"amount": 1000},
        },
    ]
    assert contract["versions"][0]["effectiveFrom"] == start.isoformat()
    cid = contract["id"]

    done = await gql(SETUP, {"id": cid, "reason": "アカウント発行済"}, token=world["staff"])
    assert done["completeContractSetup"]["contract"]["status"] == "WAITING_TO_START"
    assert done["completeContractSetup"]["contract"]["statusLabel"] == "契約開始待"
    # Not before its start date, by hand or by the job.
    early = (await gql(START, {"id": cid}, token=world["staff"]))["startContract"]
    assert early["userErrors"][0]["code"] == "CONTRACT_START_DATE_AHEAD"
    assert early["userErrors"][0]["params"] == {"startDate": start.isoformat()}
    assert (await service.run_contract_dates(rt))["started"] == 0

    # The worker was down for days: the next run catches up, a second run changes nothing.
    clock.travel(timedelta(days=13).total_seconds())
    assert (await service.run_contract_dates(rt))["started"] == 1
    again = await service.run_contract_dates(rt)
    assert (again["started"], again["ended"], again["renewed"]) == (0, 0, 0)
    member = await gql.login(DEMO_MEMBER_EMAIL)
    detail = (await gql(DETAIL, {"id": cid}, token=member))["contract"]
    assert detail["status"] == "ACTIVE" and detail["statusLabel"] == "契約中"
    assert [(h["fromStatus"], h["toStatus"], h["reason"]) for h in detail["history"]] == [
        ("SETTING_UP", "WAITING_TO_START", "アカウント発行済"),
        ("WAITING_TO_START", "ACTIVE", "start date reached"),
    ]

    # What the company had: nothing before the start, the first version from it.
    assert await service.contract_as_of(world["company"], start - timedelta(days=1)) == []
    on_start = await service.contract_as_of(world["company"], start)
    assert [(line.code, line.quantity) for line in on_start[0].lines] == [
        ("zoom-business-m", 10),
        ("zoom-business-m-webinar", 1),
    ]
    assert await service.contract_as_of(world["other_company"], start) == []


async def test_setup_on_or_after_the_start_date_starts_at_once(gql, rt, world):
    today = clock.business_today()
    data = await gql(
        OPEN,
        {
            "input": open_input(
                world["company"], world["products"]["zoom-business-y"], today, options=[]
            )
        },
        token=world["staff"],
    )
    contract = data["openContract"]["contract"]
    assert contract["plan"] == "ANNUAL" and contract["termMonths"] == 12
    term_end = date(today.year + 1, today.month, today.day) - timedelta(days=1)
    assert contract["currentTermEnd"] == term_end.isoformat()
    assert contract["renewalMonth"] == term_end.month
    done = await gql(SETUP, {"id": contract["id"]}, token=world["staff"])
    assert done["completeContractSetup"]["contract"]["status"] == "ACTIVE"
    # Twice is an invalid status, not a second transition.
    again = await gql(SETUP, {"id": contract["id"]}, token=world["staff"])
    assert again["completeContractSetup"]["userErrors"][0]["code"] == "INVALID_STATUS"


async def test_members_see_their_company_only_and_lists_do_not_grow_queries(gql, rt, world, sql):
    start = clock.business_today() + timedelta(days=3)
    ids = []
    for company in (world["company"], world["company"], world["company"], world["other_company"]):
        data = await gql(
            OPEN,
            {"input": open_input(company, world["products"]["zoom-business-m"], start)},
            token=world["staff"],
        )
        ids.append(data["openContract"]["contract"]["id"])
    member = await gql.login(DEMO_MEMBER_EMAIL)
    with sql() as counter:
        listed = (await gql(LIST, {"first": 10}, token=member))["contracts"]
    assert listed["totalCount"] == 3
    assert {e["node"]["id"] for e in listed["edges"]} == set(ids[:3])
    assert all(len(e["node"]["lines"]) == 2 for e in listed["edges"])
    # session + actor + page + count + versions + lines, whatever the number of contracts.
    few = counter.count
    for _ in range(5):
        await gql(
            OPEN,
            {"input": open_input(world["company"], world["products"]["zoom-business-m"], start)},
            token=world["staff"],
        )
    with sql() as counter:
        listed = (await gql(LIST, {"first": 10}, token=member))["contracts"]
    assert listed["totalCount"] == 8 and counter.count == few
    assert few <= 10, counter.statements

    # Another company's contract: not found by ID, null by node.
    body = await gql(DETAIL, {"id": ids[3]}, token=member, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": ids[3]}, token=member)
    assert node["node"] is None
    # A general user (一般ユーザー) reads contracts (view_contracts) but cannot manage them.
    general = await gql.login(DEMO_GENERAL_EMAIL)
    listed = (await gql(LIST, {"first": 10}, token=general))["contracts"]
    assert listed["totalCount"] == 8
    refused = await gql(SETUP, {"id": ids[0]}, token=general, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Staff see all.
    listed = (await gql(LIST, {"first": 100}, token=world["staff"]))["contracts"]
    assert listed["totalCount"] == 9


async def test_hostile_input_is_coded(gql, rt, world):
    start = clock.business_today() + timedelta(days=3)
    pid = world["products"]["zoom-business-m"]
    cases = [
        ({"quantity": 9}, "QUANTITY_BELOW_MINIMUM", {"min": 10}),
        ({"quantity": 2**31 - 1}, "OUT_OF_RANGE", {"min": 1, "max": 100000}),
        ({"quantity": -5}, "OUT_OF_RANGE", {"min": 1, "max": 100000}),
        ({"userInfo": {"name": "山田", "email": "not-an-address"}}, "INVALID_EMAIL", None),
        ({"options": [{"code": "nope", "quantity": 1}]}, "OPTION_NOT_AVAILABLE", None),
        (
            {"options": [{"code": "zoom-business-m-webinar", "quantity": 0}]},
            "OUT_OF_RANGE",
            {"min": 1, "max": 100000},
        ),
        ({"startDate": "2099-01-01"}, "DATE_OUT_OF_RANGE", None),
        ({"productId": to_global_id("Product", 2**40)}, "NOT_FOUND", None),
        ({"productId": to_global_id("Company", world["company"])}, "NOT_FOUND", None),
        ({"productId": "bm90LWFuLWlk"}, "INVALID_ID", None),
        ({"companyId": to_global_id("Company", 999999)}, "NOT_FOUND", None),
        ({"idempotencyKey": "x" * 500}, "INVALID_IDEMPOTENCY_KEY", None),
    ]
    for overrides, code, params in cases:
        data = await gql(
            OPEN,
            {"input": open_input(world["company"], pid, start, **overrides)},
            token=world["staff"],
        )
        errors = data["openContract"]["userErrors"]
        assert data["openContract"]["contract"] is None, overrides
        assert errors and errors[0]["code"] == code, (overrides, errors)
        if params is not None:
            assert errors[0]["params"] == params
    # A control character in any of its inputs stops the operation before the service.
    for overrides, path in (
        ({"userInfo": {"name": "山田\x00太郎", "email": "a@example.jp"}}, ["userInfo", "name"]),
        ({"note": "備考\x1b"}, ["note"]),
    ):
        body = await gql(
            OPEN,
            {"input": open_input(world["company"], pid, start, **overrides)},
            token=world["staff"],
            expect_errors=True,
        )
        assert refused_characters(body) == ["input", *path], overrides
    assert await Contract.all().count() == 0
    # A double click with one key opens one contract.
    for _ in range(2):
        data = await gql(
            OPEN,
            {"input": open_input(world["company"], pid, start, idempotencyKey="k-1")},
            token=world["staff"],
        )
        assert data["openContract"]["userErrors"] == []
    assert await Contract.all().count() == 1
    assert await ContractVersion.all().count() == 1
    # Wrong and huge IDs in the detail query are NOT_FOUND / INVALID_ID, never internal.
    for bad in (to_global_id("Contract", 2**40), to_global_id("Contract", "abc"), "%%%"):
        body = await gql(DETAIL, {"id": bad}, token=world["staff"], expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] in {"NOT_FOUND", "INVALID_ID"}, body


async def test_ended_contracts_leave_the_as_of_answer(rt, world):
    """The date job ends a contract after its last day, and catches up if it missed it."""
    today = clock.business_today()
    draft = service.ContractDraft(
        company_id=world["company"],
        plan=SubscriptionPlan.MONTHLY,
        start_date=today,
        main=service.DraftLine(code="x", name="X", unit_price=100, quantity=3),
        user_info=service.UserInfo(name="利用者", email="u@example.jp"),
        source_key="test:1",
    )
    system = Actor.for_system()
    contract = await service.open_contract(rt, system, draft)
    assert (await service.open_contract(rt, system, draft)).id == contract.id
    await service.complete_setup(rt, system, contract.id)
    last_day = today + timedelta(days=5)
    await Contract.filter(id=contract.id).update(end_date=last_day)
    assert len(await service.contract_as_of(world["company"], last_day)) == 1
    clock.travel(timedelta(days=8).total_seconds())
    assert (await service.run_contract_dates(rt))["ended"] == 1
    assert (await Contract.get(id=contract.id)).status == ContractStatus.ENDED
    assert await service.contract_as_of(world["company"], last_day + timedelta(days=1)) == []
    assert len(await service.contract_as_of(world["company"], last_day)) == 1
    assert (await service.run_contract_dates(rt))["ended"] == 0


def test_the_guide_examples_validate_against_the_committed_schema():
    import re
    from pathlib import Path

    from graphql import build_schema, parse, validate

    root = Path(__file__).resolve().parents[1]
    schema = build_schema((root / "schema.graphql").read_text(encoding="utf-8"))
    text = (root / "docs" / "contracts.md").read_text(encoding="utf-8")
    documents = re.findall(r"```graphql\n(.*?)```", text, re.S)
    assert len(documents) >= 5
    for document in documents:
        assert validate(schema, parse(document)) == [], document
