"""Payments over GraphQL: staff 入金確認, the member's stored cards (000 §7)."""

from __future__ import annotations

import pytest

from api import clock
from api.accounts.models import User
from api.actor import Actor
from api.demo import DEMO_MEMBER_EMAIL, DEMO_PASSWORD, DEMO_STAFF_EMAIL
from api.graphql.ids import to_global_id
from api.orders.states import PaymentMethod
from api.payments import queries
from api.payments.models import Payment, SandboxCard
from tests.helpers import seed
from tests.test_payments import start

RECORD = """
mutation Record($input: RecordBankPaymentInput!) {
  recordBankPayment(input: $input) {
    payment { method status secured amount { amount } receivedOn
              instructions { kind deadline bankName accountNumber } }
    userErrors { field code message params }
  }
}"""

CARDS = "query { myStoredCards { id brand last4 expMonth expYear } }"

DELETE = """
mutation Delete($input: DeleteStoredCardInput!) {
  deleteStoredCard(input: $input) { deleted userErrors { field code message params } }
}"""


@pytest.fixture
async def seeded(settings):
    await seed(settings)


async def test_staff_record_a_bank_transfer(rt, gql, seeded, run_worker, inbox):
    await start(rt, method=PaymentMethod.BANK_TRANSFER, order_id=5)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    today = clock.business_today().isoformat()
    order = to_global_id("Order", 5)

    async def record(**kw):
        data = {"orderId": order, "amount": 11_000, "receivedOn": today, **kw}
        return (await gql(RECORD, {"input": data}, token=staff))["recordBankPayment"]

    wrong = await record(amount=10_000)
    assert wrong["payment"] is None
    assert wrong["userErrors"][0]["code"] == "PAYMENT_AMOUNT_MISMATCH"
    assert wrong["userErrors"][0]["params"] == {"expected": 11_000, "received": 10_000}
    for hostile in (
        {"amount": 2**31 - 1},
        {"amount": -1},
        {"orderId": to_global_id("Order", 2**40)},
        {"orderId": to_global_id("Product", 5)},
        {"receivedOn": "2999-01-01"},
    ):
        answer = await record(**hostile)
        assert answer["payment"] is None and answer["userErrors"], hostile
        assert answer["userErrors"][0]["code"] != "INTERNAL_ERROR"
    # A control character is refused for the whole schema before any resolver runs.
    body = await gql(
        RECORD,
        {"input": {"orderId": "\x00<script>", "amount": 11_000, "receivedOn": today}},
        token=staff,
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CHARACTERS"
    ok = await record()
    assert ok["userErrors"] == []
    assert ok["payment"]["status"] == "CAPTURED" and ok["payment"]["secured"] is True
    assert ok["payment"]["receivedOn"] == today
    assert ok["payment"]["instructions"]["kind"] == "bank_transfer"
    again = await record()
    assert again["userErrors"][0]["code"] == "PAYMENT_ALREADY_RECORDED"
    # English messages on request.
    english = await gql(
        RECORD,
        {"input": {"orderId": order, "amount": 11_000, "receivedOn": today}},
        token=staff,
        headers={"Accept-Language": "en"},
    )
    assert "already been recorded" in english["recordBankPayment"]["userErrors"][0]["message"]
    # A member may not.
    member = await gql.login(DEMO_MEMBER_EMAIL)
    refused = await gql(
        RECORD,
        {"input": {"orderId": order, "amount": 11_000, "receivedOn": today}},
        token=member,
        expect_errors=True,
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_member_sees_and_deletes_a_stored_card(rt, gql, seeded):
    user = await User.get(email=DEMO_MEMBER_EMAIL)
    member_actor = await Actor.of_user(user)
    await start(rt, member_actor, order_id=1, save_card=True)
    await start(rt, member_actor, order_id=2, card_token="tok_sandbox_jcb", save_card=True)
    member = await gql.login(DEMO_MEMBER_EMAIL)
    cards = (await gql(CARDS, token=member))["myStoredCards"]
    assert [(c["brand"], c["last4"]) for c in cards] == [("visa", "4242"), ("jcb", "0505")]
    card = cards[0]["id"]

    async def delete(**kw):
        data = {"id": card, "email": DEMO_MEMBER_EMAIL, "password": DEMO_PASSWORD, **kw}
        return (await gql(DELETE, {"input": data}, token=member))["deleteStoredCard"]

    assert (await delete(email="someone@example.com"))["userErrors"][0]["code"] == (
        "EMAIL_MISMATCH"
    )
    assert (await delete(password="wrong-pass-1"))["userErrors"][0]["code"] == (
        "PASSWORD_INCORRECT"
    )
    assert (await delete(password=""))["userErrors"][0]["code"] == "REQUIRED"
    # (A NUL never reaches the service: the schema refuses it, see tests/test_input_text.py.)
    for hostile in ("x" * 5000, "card_' OR 1=1 --", "１２３"):
        answer = await delete(id=hostile)
        assert not answer["deleted"] and answer["userErrors"][0]["code"] in (
            "INVALID_CARD_TOKEN",
            "NOT_FOUND",
        )
    assert (await delete(password="p" * 5000))["userErrors"][0]["code"] == "TOO_LONG"
    assert await SandboxCard.all().count() == 2
    # Another member cannot delete it even with their own credentials.
    other = await gql.login("general@example.com")
    foreign = await gql(
        DELETE,
        {"input": {"id": card, "email": "general@example.com", "password": DEMO_PASSWORD}},
        token=other,
    )
    assert foreign["deleteStoredCard"]["userErrors"][0]["code"] == "NOT_FOUND"
    # The address typed in another case is the same address.
    done = await delete(email=DEMO_MEMBER_EMAIL.upper())
    assert done == {"deleted": True, "userErrors": []}
    left = (await gql(CARDS, token=member))["myStoredCards"]
    assert [c["brand"] for c in left] == ["jcb"]
    assert (await delete())["userErrors"][0]["code"] == "NOT_FOUND"


async def test_stored_cards_need_a_sign_in(gql, seeded):
    anonymous = await gql(CARDS, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_payments_of_many_orders_in_one_statement(rt, sql):
    for order_id in range(1, 4):
        await start(rt, order_id=order_id, method=PaymentMethod.BANK_TRANSFER)
    with sql() as one:
        small = await queries.payments_by_order([1])
    for order_id in range(4, 30):
        await start(rt, order_id=order_id, method=PaymentMethod.KONBINI)
    with sql() as many:
        large = await queries.payments_by_order(range(1, 30))
    assert len(small) == 1 and len(large) == 29
    assert one.count == many.count == 1
    assert await Payment.all().count() == 29


def test_the_payments_guide_examples_validate_against_the_committed_schema():
    import re
    from pathlib import Path

    from graphql import build_schema, parse, validate

    root = Path(__file__).resolve().parents[1]
    schema = build_schema((root / "schema.graphql").read_text(encoding="utf-8"))
    text = (root / "docs" / "payments.md").read_text(encoding="utf-8")
    documents = re.findall(r"```graphql\n(.*?)```", text, re.S)
    assert len(documents) == 3
    for document in documents:
        assert validate(schema, parse(document)) == [], document


def test_the_sandbox_cli_is_refused_outside_the_sandbox(monkeypatch, capsys):
    from api.cli import main

    monkeypatch.setenv("PAYMENT_PROVIDER", "none")
    assert main(["sandbox", "pay-konbini", "123456789012"]) == 1
    assert "not in use" in capsys.readouterr().err
