"""Changes (004 §6) and cancellations (004 §7) of contracts over HTTP, mails from the sink."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api import clock
from api.accounts.models import User
from api.actor import Actor
from api.billing.models import Charge
from api.companies.demo import DEMO_GENERAL_EMAIL, DEMO_OTHER_ADMIN_EMAIL
from api.contracts import dates, service
from api.contracts.models import Contract, ContractApplication, ProductChangePath
from api.contracts.states import ContractStatus
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.graphql.ids import from_global_id, to_global_id
from tests.conftest import body_text
from tests.helpers import link_token, seed
from tests.test_contracts_http import zoom_products

APPLICATION = """
  id number kind status statusLabel contractId timing effectiveDate appliedVersionNumber
  reason refusalReason paymentMethod
  lines { kind code name quantity minQuantity unitPrice { amount } amount { amount } }
  changes { code fromQuantity toQuantity }
"""

CHANGE = (
    "mutation Change($input: ApplyContractChangeInput!) { applyContractChange(input: $input) {"
    " application {" + APPLICATION + "} userErrors { field code message params } } }"
)
CANCEL = (
    "mutation Cancel($input: ApplyContractCancellationInput!) {"
    " applyContractCancellation(input: $input) {"
    " application {" + APPLICATION + "} userErrors { field code message params } } }"
)


def _action(name: str, with_reason: bool = False) -> str:
    reason = ", reason: $reason" if with_reason else ""
    var = ", $reason: String!" if with_reason else ""
    return (
        f"mutation Act($id: ID!{var}) {{ {name}(input: {{applicationId: $id{reason}}}) {{"
        " application { id status statusLabel refusalReason appliedVersionNumber effectiveDate }"
        " userErrors { field code message params } } }"
    )


ACCEPT = _action("acceptContractApplication")
DELIVERED = _action("markContractChangeDelivered")
COMPLETE = _action("completeContractCancellation")
WITHDRAW = _action("withdrawContractApplication")
REFUSE = _action("refuseContractApplication", with_reason=True)
RECEIPT = """
mutation Receipt($token: String!) {
  confirmContractReceipt(input: {token: $token}) {
    application { id status appliedVersionNumber effectiveDate }
    userErrors { field code message params }
  }
}"""
CONTRACT = """
query C($id: ID!) {
  contract(id: $id) {
    id status endDate
    lines { code quantity unitPrice { amount } }
    versions { number effectiveFrom effectiveUntil lines { code quantity } }
  }
}"""
APPLICATIONS = """
query A($first: Int, $status: ContractApplicationStatus) {
  contractApplications(first: $first, filter: {status: $status}) {
    totalCount
    edges { node { id number kind status lines { code quantity } changes { code toQuantity } } }
  }
}"""


@pytest.fixture
async def world(rt, settings, gql):
    await seed(settings)
    products = await zoom_products(rt)
    # Catalog data: Business may become Pro (004 §6.2's example), monthly and annual.
    await ProductChangePath.create(
        from_product_id=products["zoom-business-m"], to_product_id=products["zoom-pro-m"]
    )
    await ProductChangePath.create(
        from_product_id=products["zoom-business-y"], to_product_id=products["zoom-pro-y"]
    )
    member = await User.get(email=DEMO_MEMBER_EMAIL)
    return {
        "products": products,
        "company": member.company_id,
        "staff": await gql.login(DEMO_STAFF_EMAIL),
        "member": await gql.login(DEMO_MEMBER_EMAIL),
    }


async def active_contract(rt, world, code="zoom-business-m", start=None, options=None) -> str:
    start = start or clock.business_today().replace(day=1)
    form = service.CatalogContractForm(
        company_id=world["company"],
        product_id=world["products"][code],
        quantity=10,
        start_date=start,
        options=[(f"{code}-webinar", 1)] if options is None else options,
        payment_method="invoice",
        user_info=service.UserInfo(name="山田 太郎", email="yamada@example.co.jp"),
    )
    system = Actor.for_system()
    contract = await service.open_contract_from_catalog(rt, system, form)
    await service.complete_setup(rt, system, contract.id)
    return to_global_id("Contract", contract.id)


def pk(global_id: str, type_name: str) -> int:
    return int(from_global_id(global_id, type_name))


def change_input(contract_id: str, **overrides) -> dict:
    data = {
        "contractId": contract_id,
        "quantity": 15,
        "options": [{"code": "zoom-business-m-webinar", "quantity": 5}],
        "userInfo": {"name": "山田 太郎", "email": "yamada@example.co.jp", "phone": "03-1234-5678"},
        "paymentMethod": "invoice",
        "serviceTermsVersion": 1,
        "termsOfSaleVersion": 1,
    }
    data.update(overrides)
    return data


async def mails(gql, inbox, subject_part: str) -> list:
    await gql.run_worker()
    return [m for m in inbox.to(DEMO_MEMBER_EMAIL) if subject_part in m["Subject"]]


async def test_the_manuals_change_goes_through_its_three_mails_and_takes_effect(
    gql, rt, world, inbox
):
    """004 §6.2: Business → Pro, 10 → 15 seats, the option 1 → 5 (monthly: immediate)."""
    cid = await active_contract(rt, world)
    today = clock.business_today()
    data = await gql(
        CHANGE,
        {
            "input": change_input(
                cid,
                productId=to_global_id("Product", world["products"]["zoom-pro-m"]),
                options=[{"code": "zoom-pro-m-webinar", "quantity": 5}],
                idempotencyKey="change-1",
            )
        },
        token=world["member"],
    )
    payload = data["applyContractChange"]
    assert payload["userErrors"] == []
    app = payload["application"]
    assert app["kind"] == "CHANGE" and app["status"] == "SUBMITTED"
    assert app["statusLabel"] == "申請" and app["timing"] == "immediate"
    assert [(ln["code"], ln["quantity"], ln["unitPrice"]["amount"]) for ln in app["lines"]] == [
        ("zoom-pro-m", 15, 2000),
        ("zoom-pro-m-webinar", 5, 1000),
    ]
    assert {(c["code"], c["fromQuantity"], c["toQuantity"]) for c in app["changes"]} == {
        ("zoom-business-m", 10, 0),
        ("zoom-business-m-webinar", 1, 0),
        ("zoom-pro-m", 0, 15),
        ("zoom-pro-m-webinar", 0, 5),
    }
    # A double click with the key: the same application, one mail.
    again = await gql(
        CHANGE,
        {
            "input": change_input(
                cid,
                productId=to_global_id("Product", world["products"]["zoom-pro-m"]),
                options=[{"code": "zoom-pro-m-webinar", "quantity": 5}],
                idempotencyKey="change-1",
            )
        },
        token=world["member"],
    )
    assert again["applyContractChange"]["application"]["id"] == app["id"]
    [received] = await mails(gql, inbox, "ご注文完了")
    assert app["number"] in body_text(received)

    accepted = await gql(ACCEPT, {"id": app["id"]}, token=world["staff"])
    assert accepted["acceptContractApplication"]["application"]["status"] == "ACCEPTED"
    [confirmed] = await mails(gql, inbox, "ご注文確定")
    assert "まだサービスは利用開始されておりません" in body_text(confirmed)
    # Not in effect yet.
    detail = (await gql(CONTRACT, {"id": cid}, token=world["member"]))["contract"]
    assert [ln["code"] for ln in detail["lines"]] == ["zoom-business-m", "zoom-business-m-webinar"]

    delivered = await gql(DELIVERED, {"id": app["id"]}, token=world["staff"])
    assert delivered["markContractChangeDelivered"]["application"]["status"] == "DELIVERED"
    [receipt] = await mails(gql, inbox, "受領確認")
    token = link_token(receipt, "/contracts/receipt")
    # Only an administrator of the company confirms (a general user cannot).
    general = await gql.login(DEMO_GENERAL_EMAIL)
    refused = await gql(RECEIPT, {"token": token}, token=general, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    done = (await gql(RECEIPT, {"token": token}, token=world["member"]))["confirmContractReceipt"]
    assert done["userErrors"] == []
    assert done["application"]["status"] == "COMPLETED"
    assert done["application"]["appliedVersionNumber"] == 2
    assert done["application"]["effectiveDate"] == today.isoformat()
    # The link works once.
    replay = (await gql(RECEIPT, {"token": token}, token=world["member"]))["confirmContractReceipt"]
    assert replay["userErrors"][0]["code"] == "TOKEN_INVALID"

    detail = (await gql(CONTRACT, {"id": cid}, token=world["member"]))["contract"]
    assert [(ln["code"], ln["quantity"]) for ln in detail["lines"]] == [
        ("zoom-pro-m", 15),
        ("zoom-pro-m-webinar", 5),
    ]
    first, second = detail["versions"]
    assert first["effectiveUntil"] == second["effectiveFrom"] == today.isoformat()
    assert second["effectiveUntil"] is None

    # Billing: the month as it was, then the difference for the rest of it, by day.
    month_days = dates.month_end(today).day
    rest = month_days - today.day + 1
    period = await Charge.get(source_type="contract_period")
    assert period.amount == 10 * 2700 + 1000
    charged = {
        c.source_id.split(":")[-1]: c.amount
        for c in await Charge.filter(source_type="contract_version")
    }
    # Each line's difference is prorated and rounded down on its own.
    assert charged["debit"] == 15 * 2000 * rest // month_days + 5 * 1000 * rest // month_days
    assert charged["credit"] == -(10 * 2700 * rest // month_days + 1000 * rest // month_days)


async def test_annual_contracts_change_only_in_their_renewal_month(gql, rt, world):
    today = clock.business_today()
    start = dates.add_months(today.replace(day=1), -2)
    cid = await active_contract(rt, world, "zoom-business-y", start=start, options=[])
    contract = await Contract.get(id=pk(cid, "Contract"))
    assert contract.renewal_month != today.month
    data = await gql(
        CHANGE, {"input": change_input(cid, quantity=12, options=[])}, token=world["member"]
    )
    error = data["applyContractChange"]["userErrors"][0]
    assert error["code"] == "OUTSIDE_RENEWAL_MONTH"
    assert error["params"]["renewalMonth"] == contract.renewal_month
    assert f"{contract.renewal_month}月" in error["message"]
    assert await ContractApplication.all().count() == 0
    # Move into the renewal month: more seats are immediate, fewer wait for the renewal.
    in_month = contract.current_term_end.replace(day=1)
    clock.travel((in_month - today).days * 86400 + 3600)
    member = await gql.login(DEMO_MEMBER_EMAIL)
    data = await gql(CHANGE, {"input": change_input(cid, quantity=12, options=[])}, token=member)
    app = data["applyContractChange"]["application"]
    assert data["applyContractChange"]["userErrors"] == []
    assert app["timing"] == "immediate" and app["effectiveDate"] == in_month.isoformat()
    withdrawn = await gql(WITHDRAW, {"id": app["id"]}, token=member)
    assert withdrawn["withdrawContractApplication"]["application"]["status"] == "WITHDRAWN"
    # Fewer seats (still at the minimum 10): from the renewal, the next term.
    data = await gql(
        CHANGE,
        {
            "input": change_input(
                cid, quantity=10, options=[{"code": "zoom-business-y-rooms", "quantity": 1}]
            )
        },
        token=member,
    )
    app = data["applyContractChange"]["application"]
    # An addition with no reduction: immediate. Now a reduction of the option:
    assert app["timing"] == "immediate"
    await gql(WITHDRAW, {"id": app["id"]}, token=member)
    # A product change of an annual plan: at renewal (end of term).
    data = await gql(
        CHANGE,
        {
            "input": change_input(
                cid, productId=to_global_id("Product", world["products"]["zoom-pro-y"]), options=[]
            )
        },
        token=member,
    )
    app = data["applyContractChange"]["application"]
    assert app["timing"] == "end_of_term"
    assert app["effectiveDate"] == (contract.current_term_end + timedelta(days=1)).isoformat()


async def test_partial_and_full_cancellation_go_through_three_steps_with_mails(
    gql, rt, world, inbox
):
    cid = await active_contract(rt, world)
    today = clock.business_today()
    month_end = dates.month_end(today)
    # The main product cannot go below its minimum unless the whole contract goes.
    data = await gql(
        CANCEL,
        {
            "input": {
                "contractId": cid,
                "lines": [{"code": "zoom-business-m", "quantity": 1}],
                "termsOfSaleVersion": 1,
            }
        },
        token=world["member"],
    )
    error = data["applyContractCancellation"]["userErrors"][0]
    assert error["code"] == "QUANTITY_BELOW_MINIMUM" and error["params"]["min"] == 10
    data = await gql(
        CANCEL,
        {
            "input": {
                "contractId": cid,
                "reason": "利用終了",
                "lines": [{"code": "zoom-business-m-webinar", "quantity": 1}],
                "termsOfSaleVersion": 1,
            }
        },
        token=world["member"],
    )
    app = data["applyContractCancellation"]["application"]
    assert app["kind"] == "PARTIAL_CANCELLATION" and app["status"] == "SUBMITTED"
    assert app["effectiveDate"] == month_end.isoformat() and app["timing"] == "end_of_month"
    assert [ln["code"] for ln in app["lines"]] == ["zoom-business-m"]
    [submitted] = await mails(gql, inbox, "解約お申込み完了")
    assert month_end.isoformat() in body_text(submitted)
    # A second application on the same contract while this one is open: refused.
    second = await gql(
        CANCEL,
        {"input": {"contractId": cid, "whole": True, "termsOfSaleVersion": 1}},
        token=world["member"],
    )
    assert second["applyContractCancellation"]["userErrors"][0]["code"] == (
        "APPLICATION_ALREADY_OPEN"
    )
    await gql(ACCEPT, {"id": app["id"]}, token=world["staff"])
    [accepted] = await mails(gql, inbox, "解約お申込み受付")
    assert "まだ解約はされておりません" in body_text(accepted)
    # Accepted: the member can no longer withdraw it.
    late = await gql(WITHDRAW, {"id": app["id"]}, token=world["member"])
    assert late["withdrawContractApplication"]["userErrors"][0]["code"] == "INVALID_STATUS"
    done = await gql(COMPLETE, {"id": app["id"]}, token=world["staff"])
    assert done["completeContractCancellation"]["application"]["status"] == "COMPLETED"
    [completed] = await mails(gql, inbox, "お申込み手続完了")
    assert month_end.isoformat() in body_text(completed)
    detail = (await gql(CONTRACT, {"id": cid}, token=world["member"]))["contract"]
    assert detail["versions"][1]["effectiveFrom"] == (month_end + timedelta(days=1)).isoformat()
    assert detail["versions"][1]["lines"] == [{"code": "zoom-business-m", "quantity": 10}]
    # A later version is decided: no new application until it applies.
    pending = await gql(
        CANCEL,
        {"input": {"contractId": cid, "whole": True, "termsOfSaleVersion": 1}},
        token=world["member"],
    )
    assert pending["applyContractCancellation"]["userErrors"][0]["code"] == (
        "CONTRACT_CHANGE_PENDING"
    )

    # Next month: 一括解約, to the end of that month.
    clock.travel(((month_end - today).days + 2) * 86400)
    member = await gql.login(DEMO_MEMBER_EMAIL)
    inbox.clear()
    data = await gql(
        CANCEL, {"input": {"contractId": cid, "whole": True, "termsOfSaleVersion": 1}}, token=member
    )
    app = data["applyContractCancellation"]["application"]
    assert app["kind"] == "FULL_CANCELLATION" and app["lines"] == []
    next_end = dates.month_end(month_end + timedelta(days=1))
    assert app["effectiveDate"] == next_end.isoformat()
    staff = await gql.login(DEMO_STAFF_EMAIL)
    await gql(ACCEPT, {"id": app["id"]}, token=staff)
    await gql(COMPLETE, {"id": app["id"]}, token=staff)
    assert len(await mails(gql, inbox, "お申込み手続完了")) == 1
    detail = (await gql(CONTRACT, {"id": cid}, token=member))["contract"]
    assert detail["endDate"] == next_end.isoformat() and detail["status"] == "ACTIVE"
    # The date job ends it after its last day.
    clock.travel(((next_end - clock.business_today()).days + 1) * 86400)
    await service.run_contract_dates(rt)
    contract = await Contract.get(id=pk(cid, "Contract"))
    assert contract.status == ContractStatus.ENDED


async def test_withdrawal_refusal_and_permissions(gql, rt, world, inbox):
    cid = await active_contract(rt, world)
    data = await gql(CHANGE, {"input": change_input(cid)}, token=world["member"])
    app = data["applyContractChange"]["application"]
    # Staff refuse with a reason, mailed.
    missing = await gql(REFUSE, {"id": app["id"], "reason": " "}, token=world["staff"])
    assert missing["refuseContractApplication"]["userErrors"][0]["code"] == "REQUIRED"
    refused = await gql(REFUSE, {"id": app["id"], "reason": "在庫なし"}, token=world["staff"])
    assert refused["refuseContractApplication"]["application"]["refusalReason"] == "在庫なし"
    [mail] = await mails(gql, inbox, "お申込みについて")
    assert "在庫なし" in body_text(mail)

    data = await gql(CHANGE, {"input": change_input(cid)}, token=world["member"])
    app = data["applyContractChange"]["application"]
    general = await gql.login(DEMO_GENERAL_EMAIL)
    member_only = [
        (CHANGE, {"input": change_input(cid)}),
        (CANCEL, {"input": {"contractId": cid, "whole": True, "termsOfSaleVersion": 1}}),
        (WITHDRAW, {"id": app["id"]}),
        (RECEIPT, {"token": "x" * 43}),
    ]
    staff_only = [
        (ACCEPT, {"id": app["id"]}),
        (DELIVERED, {"id": app["id"]}),
        (COMPLETE, {"id": app["id"]}),
        (REFUSE, {"id": app["id"], "reason": "x"}),
    ]
    for document, variables in member_only + staff_only:
        body = await gql(document, variables, token=general, expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document
        anonymous = await gql(document, variables, expect_errors=True)
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", document
    for document, variables in staff_only:
        body = await gql(document, variables, token=world["member"], expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document
    for document, variables in member_only[:3]:
        body = await gql(document, variables, token=world["staff"], expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN", document
    # The general user reads (view_contracts); a role without it reads nothing.
    listed = (await gql(APPLICATIONS, {"first": 10}, token=general))["contractApplications"]
    assert listed["totalCount"] == 2
    quotes_only = await gql.login("quotes@mirai.example.com")
    body = await gql(APPLICATIONS, {"first": 10}, token=quotes_only, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # Another company's administrator: not found, and the application unchanged.
    other = await gql.login(DEMO_OTHER_ADMIN_EMAIL)
    foreign = await gql(WITHDRAW, {"id": app["id"]}, token=other)
    assert foreign["withdrawContractApplication"]["userErrors"][0]["code"] == "NOT_FOUND"
    foreign = await gql(CHANGE, {"input": change_input(cid)}, token=other)
    assert foreign["applyContractChange"]["userErrors"][0]["code"] == "NOT_FOUND"
    node = await gql("query($id: ID!) { node(id: $id) { id } }", {"id": app["id"]}, token=other)
    assert node["node"] is None
    assert (await ContractApplication.get(id=pk(app["id"], "ContractApplication"))).status == (
        "submitted"
    )
    # The member withdraws before acceptance.
    withdrawn = await gql(WITHDRAW, {"id": app["id"]}, token=world["member"])
    assert withdrawn["withdrawContractApplication"]["application"]["status"] == "WITHDRAWN"


async def test_hostile_input_is_coded_and_writes_nothing(gql, rt, world, set_policy):
    cid = await active_contract(rt, world)
    pro = to_global_id("Product", world["products"]["zoom-pro-y"])  # no path from monthly
    cases = [
        ({"quantity": 9}, "QUANTITY_BELOW_MINIMUM", {"min": 10}),
        ({"quantity": 2**31 - 1}, "OUT_OF_RANGE", {"min": 1, "max": 100000}),
        ({"quantity": -1}, "OUT_OF_RANGE", None),
        (
            {"quantity": 10, "options": [{"code": "zoom-business-m-webinar", "quantity": 1}]},
            "NO_CHANGE",
            None,
        ),
        ({"options": [{"code": "nope", "quantity": 1}]}, "OPTION_NOT_AVAILABLE", None),
        (
            {"options": [{"code": "zoom-business-m-rooms", "quantity": 1}] * 2},
            "DUPLICATE_LINE",
            None,
        ),
        ({"options": [{"code": "zoom-business-m-rooms", "quantity": 0}]}, "OUT_OF_RANGE", None),
        ({"userInfo": {"name": "", "email": "nope"}}, "REQUIRED", None),
        ({"paymentMethod": "bitcoin"}, "UNKNOWN_PAYMENT_METHOD", None),
        ({"serviceTermsVersion": None}, "CONSENT_REQUIRED", None),
        ({"termsOfSaleVersion": 99}, "CONSENT_OUTDATED", {"current": 1}),
        ({"productId": pro}, "PRODUCT_CHANGE_NOT_ALLOWED", None),
        ({"productId": to_global_id("Product", 2**40)}, "NOT_FOUND", None),
        ({"productId": "bm9wZQ=="}, "INVALID_ID", None),
        ({"contractId": to_global_id("Contract", 2**40)}, "NOT_FOUND", None),
        ({"contractId": to_global_id("Product", 1)}, "NOT_FOUND", None),
        ({"idempotencyKey": "k" * 500}, "TOO_LONG", None),
    ]
    for overrides, code, params in cases:
        data = await gql(CHANGE, {"input": change_input(cid, **overrides)}, token=world["member"])
        payload = data["applyContractChange"]
        assert payload["application"] is None, overrides
        assert payload["userErrors"] and payload["userErrors"][0]["code"] == code, (
            overrides,
            payload,
        )
        if params is not None:
            assert payload["userErrors"][0]["params"] == params
    cancel_cases = [
        ({"lines": []}, "REQUIRED"),
        ({"lines": [{"code": "nope", "quantity": 1}]}, "NOT_FOUND"),
        ({"lines": [{"code": "zoom-business-m-webinar", "quantity": 2}]}, "OUT_OF_RANGE"),
        (
            {"whole": True, "lines": [{"code": "zoom-business-m", "quantity": 1}]},
            "NOT_ALLOWED_WITH_WHOLE",
        ),
        ({"whole": True, "reason": "x" * 501}, "TOO_LONG"),
        ({"whole": True, "termsOfSaleVersion": None}, "CONSENT_REQUIRED"),
    ]
    for overrides, code in cancel_cases:
        data = await gql(
            CANCEL,
            {"input": {"contractId": cid, "termsOfSaleVersion": 1, **overrides}},
            token=world["member"],
        )
        errors = data["applyContractCancellation"]["userErrors"]
        assert errors and errors[0]["code"] == code, (overrides, errors)
    # Control characters are refused before any resolver, with the input path (api/text.py).
    for document, variables in (
        (CHANGE, {"input": change_input(cid, userInfo={"name": "山田\x07", "email": "y@e.jp"})}),
        (RECEIPT, {"token": "\x00"}),
    ):
        body = await gql(document, variables, token=world["member"], expect_errors=True)
        assert body["errors"][0]["extensions"]["code"] == "INVALID_CHARACTERS"
    for bad in ("", "x" * 500, "%%%"):
        data = await gql(RECEIPT, {"token": bad}, token=world["member"])
        assert data["confirmContractReceipt"]["userErrors"][0]["code"] == "TOKEN_INVALID"
    for bad in (to_global_id("ContractApplication", 2**40), "%%%"):
        body = await gql(WITHDRAW, {"id": bad}, token=world["member"])
        assert body["withdrawContractApplication"]["userErrors"][0]["code"] in {
            "NOT_FOUND",
            "INVALID_ID",
        }
    assert await ContractApplication.all().count() == 0
    # A store that refuses reductions: fewer options is refused, coded.
    policy = rt.policy.contracts.model_copy(update={"addition": "refused"})
    set_policy(contracts=policy)
    data = await gql(CHANGE, {"input": change_input(cid)}, token=world["member"])
    error = data["applyContractChange"]["userErrors"][0]
    assert error["code"] == "CHANGE_NOT_OFFERED" and error["params"] == {"change": "addition"}


async def test_two_administrators_racing_make_one_application(gql, rt, world, sql):
    """Two administrators click at the same moment: one application, the other told why."""
    cid = await active_contract(rt, world)
    await User.filter(email=DEMO_GENERAL_EMAIL).update(role_key="administrator")
    second = await gql.login(DEMO_GENERAL_EMAIL)
    results = await asyncio.gather(
        gql(CHANGE, {"input": change_input(cid, idempotencyKey="a")}, token=world["member"]),
        gql(CHANGE, {"input": change_input(cid, idempotencyKey="b", quantity=20)}, token=second),
    )
    payloads = [r["applyContractChange"] for r in results]
    made = [p for p in payloads if p["application"]]
    refused = [p for p in payloads if p["userErrors"]]
    assert len(made) == 1 and len(refused) == 1, payloads
    assert refused[0]["userErrors"][0]["code"] == "APPLICATION_ALREADY_OPEN"
    assert await ContractApplication.all().count() == 1
    # The list's statements do not grow with the number of applications.
    with sql() as counter:
        listed = await gql(APPLICATIONS, {"first": 10}, token=world["member"])
    few = counter.count
    await gql(WITHDRAW, {"id": made[0]["application"]["id"]}, token=world["member"])
    for _ in range(3):
        data = await gql(CHANGE, {"input": change_input(cid)}, token=world["member"])
        await gql(
            WITHDRAW,
            {"id": data["applyContractChange"]["application"]["id"]},
            token=world["member"],
        )
    with sql() as counter:
        listed = await gql(APPLICATIONS, {"first": 10}, token=world["member"])
    assert listed["contractApplications"]["totalCount"] == 4
    assert counter.count == few, counter.statements
