"""Payment terms over HTTP: the store's offer, the member's change, its history, the rule."""

from __future__ import annotations

from datetime import date

from api import clock
from api.accounts.models import User
from api.billing import service
from api.billing.states import PaymentTerm
from api.companies.demo import DEMO_GENERAL_EMAIL, DEMO_OTHER_ADMIN_EMAIL
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.graphql.ids import to_global_id
from api.stores.policy import BillingPolicy
from tests.helpers import seed

TERMS = """
query { paymentTerms { term label closingDay dueMonthsAfterClosing } }"""

MY_TERM = """
query { myPaymentTerm { term label changeable options { term label } } }"""

CHANGE = """
mutation Change($term: PaymentTerm!) {
  changePaymentTerm(input: {term: $term}) {
    paymentTerm { term label changeable }
    change { id term previousTerm effectiveAt }
    userErrors { field code message params }
  }
}"""

HISTORY = """
query History($companyId: ID, $first: Int) {
  paymentTermHistory(companyId: $companyId, first: $first) {
    totalCount
    edges { node { id term previousTerm effectiveAt } }
  }
}"""

PERIOD = """
query Period($term: PaymentTerm!, $baseDate: Date!) {
  paymentPeriod(term: $term, baseDate: $baseDate) {
    term periodStart closingDate invoiceDate nominalDueDate dueDate
  }
}"""


async def test_store_offers_its_terms_and_answers_their_dates(gql, rt, set_policy):
    data = await gql(TERMS)
    assert [t["term"] for t in data["paymentTerms"]] == [
        "MONTH_END_NEXT_MONTH_END",
        "DAY20_NEXT_MONTH_END",
        "MONTH_END_MONTH_AFTER_NEXT_END",
    ]
    assert data["paymentTerms"][1] == {
        "term": "DAY20_NEXT_MONTH_END",
        "label": "20日締め/翌月末払い",
        "closingDay": 20,
        "dueMonthsAfterClosing": 1,
    }
    english = await gql(TERMS, headers={"Accept-Language": "en"})
    assert english["paymentTerms"][0]["label"].startswith("Close at month end")

    period = await gql(PERIOD, {"term": "DAY20_NEXT_MONTH_END", "baseDate": "2025-11-21"})
    assert period["paymentPeriod"] == {
        "term": "DAY20_NEXT_MONTH_END",
        "periodStart": "2025-11-21",
        "closingDate": "2025-12-20",
        "invoiceDate": "2025-12-22",
        "nominalDueDate": "2026-01-31",
        "dueDate": "2026-01-30",  # saas-b2b moves to the previous business day
    }
    set_policy(billing=BillingPolicy(due_date_shift="next"))
    period = await gql(PERIOD, {"term": "DAY20_NEXT_MONTH_END", "baseDate": "2025-11-20"})
    assert period["paymentPeriod"]["dueDate"] == "2026-01-05"  # past 12-31 … 01-04

    # Hostile dates: outside the supported range is a coded error, never INTERNAL_ERROR.
    for day in ("9999-12-31", "0001-01-01"):
        body = await gql(PERIOD, {"term": "MONTH_END_NEXT_MONTH_END", "baseDate": day},
                         expect_errors=True)  # fmt: skip
        assert body["errors"][0]["extensions"]["code"] == "OUT_OF_RANGE", body
    body = await gql(PERIOD, {"term": "NET_30", "baseDate": "2025-01-01"}, expect_errors=True)
    assert "errors" in body


async def test_member_changes_the_term_and_only_later_documents_get_it(gql, rt, settings):
    await seed(settings)
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    member = await User.get(email=DEMO_MEMBER_EMAIL)

    mine = (await gql(MY_TERM, token=admin))["myPaymentTerm"]
    assert mine["term"] == "MONTH_END_NEXT_MONTH_END" and mine["changeable"]
    assert len(mine["options"]) == 3

    before = clock.now()
    clock.travel(60)
    changed = (await gql(CHANGE, {"term": "DAY20_NEXT_MONTH_END"}, token=admin))[
        "changePaymentTerm"
    ]
    assert changed["userErrors"] == []
    assert changed["paymentTerm"]["term"] == "DAY20_NEXT_MONTH_END"
    assert changed["change"]["previousTerm"] == "MONTH_END_NEXT_MONTH_END"
    # The mid-period rule: documents made before the change keep the old term.
    assert await service.term_at(member.company_id, before) == PaymentTerm.MONTH_END_NEXT_MONTH_END
    assert await service.term_for_document(member.company_id) == PaymentTerm.DAY20_NEXT_MONTH_END

    # Choosing the term in force again records nothing.
    again = (await gql(CHANGE, {"term": "DAY20_NEXT_MONTH_END"}, token=admin))["changePaymentTerm"]
    assert again["userErrors"] == [] and again["change"] is None

    clock.travel(60)
    await gql(CHANGE, {"term": "MONTH_END_MONTH_AFTER_NEXT_END"}, token=admin)
    history = (await gql(HISTORY, token=admin))["paymentTermHistory"]
    assert history["totalCount"] == 2
    assert [e["node"]["term"] for e in history["edges"]] == [
        "MONTH_END_MONTH_AFTER_NEXT_END",
        "DAY20_NEXT_MONTH_END",
    ]

    # A general user sees the term and history but may not change it.
    general = await gql.login(DEMO_GENERAL_EMAIL)
    assert (await gql(MY_TERM, token=general))["myPaymentTerm"]["changeable"] is False
    refused = (await gql(CHANGE, {"term": "MONTH_END_NEXT_MONTH_END"}, token=general))[
        "changePaymentTerm"
    ]
    assert [e["code"] for e in refused["userErrors"]] == ["FORBIDDEN"]
    assert (await gql(HISTORY, token=general))["paymentTermHistory"]["totalCount"] == 2

    # Another company: its own (empty) history; our company's ID is not found.
    other = await gql.login(DEMO_OTHER_ADMIN_EMAIL)
    assert (await gql(HISTORY, token=other))["paymentTermHistory"]["totalCount"] == 0
    ours = to_global_id("Company", member.company_id)
    body = await gql(HISTORY, {"companyId": ours}, token=other, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    node = await gql(
        "query($id: ID!) { node(id: $id) { id } }",
        {"id": history["edges"][0]["node"]["id"]},
        token=other,
    )
    assert node["node"] is None

    # Staff with billing rights name the company.
    staff = await gql.login(DEMO_STAFF_EMAIL)
    seen = (await gql(HISTORY, {"companyId": ours}, token=staff))["paymentTermHistory"]
    assert seen["totalCount"] == 2
    body = await gql(HISTORY, token=staff, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "REQUIRED"
    for hostile in (
        "Q29tcGFueTo5OTk5OTk5OTk5OTk5OTk5",
        "x" * 300,
        "Q29tcGFueTow",
        "\u0000\u001f\u202e",
    ):
        body = await gql(HISTORY, {"companyId": hostile}, token=staff, expect_errors=True)
        codes = {e["extensions"]["code"] for e in body.get("errors", [])}
        assert codes <= {"INVALID_ID", "NOT_FOUND", "INVALID_CHARACTERS"} and (
            codes or body["data"]["paymentTermHistory"]["totalCount"] == 0
        ), body


async def test_terms_the_store_does_not_offer_are_refused(gql, rt, settings, set_policy):
    await seed(settings)
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    set_policy(billing=BillingPolicy(payment_terms=("month_end_next_month_end",)))
    refused = (await gql(CHANGE, {"term": "DAY20_NEXT_MONTH_END"}, token=admin))[
        "changePaymentTerm"
    ]
    assert refused["userErrors"] == [
        {
            "field": ["term"],
            "code": "PAYMENT_TERM_NOT_OFFERED",
            "message": "この支払条件は選択できません。",
            "params": {"offered": ["MONTH_END_NEXT_MONTH_END"]},
        }
    ]
    assert [o["term"] for o in (await gql(MY_TERM, token=admin))["myPaymentTerm"]["options"]] == [
        "MONTH_END_NEXT_MONTH_END"
    ]
    # Anonymous callers cannot change anything.
    body = await gql(CHANGE, {"term": "MONTH_END_NEXT_MONTH_END"}, expect_errors=True)
    assert body.get("errors") or body["data"]["changePaymentTerm"]["userErrors"]


async def test_members_without_a_company_have_the_guests_term(gql, rt, settings):
    await seed(settings)
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    await User.filter(email=DEMO_MEMBER_EMAIL).update(company_id=None)
    mine = (await gql(MY_TERM, token=admin))["myPaymentTerm"]
    assert mine == {
        "term": "MONTH_END_NEXT_MONTH_END",
        "label": "月末締め/翌月末払い",
        "changeable": False,
        "options": [{"term": "MONTH_END_NEXT_MONTH_END", "label": "月末締め/翌月末払い"}],
    }
    assert await service.term_for_document(None) == PaymentTerm.MONTH_END_NEXT_MONTH_END


async def test_concurrent_changes_keep_a_consistent_history(gql, rt, settings):
    import asyncio

    from api.actor import Actor

    await seed(settings)
    member = await User.get(email=DEMO_MEMBER_EMAIL)
    actor = await Actor.of_user(member)
    results = await asyncio.gather(
        *(
            service.change_payment_term(rt, actor, t)
            for t in (PaymentTerm.DAY20_NEXT_MONTH_END, PaymentTerm.MONTH_END_MONTH_AFTER_NEXT_END)
            * 3
        )
    )
    from api.billing.models import PaymentTermChange

    rows = await PaymentTermChange.filter(company_id=member.company_id).order_by(
        "effective_at", "id"
    )
    # Each change names the term really in force before it: the history is a chain.
    previous = PaymentTerm.MONTH_END_NEXT_MONTH_END
    for row in rows:
        assert row.previous_term == previous and row.term != previous
        previous = row.term
    assert await service.term_for_document(member.company_id) == previous
    assert len(results) == 6


async def test_history_list_costs_the_same_sql_for_any_length(gql, rt, settings, sql):
    from api.actor import Actor

    await seed(settings)
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    actor = await Actor.of_user(await User.get(email=DEMO_MEMBER_EMAIL))
    counts = []
    for n in (2, 30):
        while (await gql(HISTORY, token=admin))["paymentTermHistory"]["totalCount"] < n:
            clock.travel(1)
            current = await service.term_for_document(actor.company_id)
            nxt = next(t for t in PaymentTerm if t != current)
            await service.change_payment_term(rt, actor, nxt)
        with sql() as counter:
            data = await gql(HISTORY, {"first": 100}, token=admin)
        assert len(data["paymentTermHistory"]["edges"]) == n
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 6, counts


def test_billing_policy_requires_the_guests_term():
    import pytest
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        BillingPolicy(payment_terms=("day20_next_month_end",))
    with pytest.raises(ValidationError):
        BillingPolicy(registration_number="T123")
    assert BillingPolicy().payment_terms[0] == PaymentTerm.MONTH_END_NEXT_MONTH_END
    assert date(2025, 1, 1) < date(2026, 1, 1)


def test_the_billing_guide_examples_validate_against_the_committed_schema():
    import re
    from pathlib import Path

    from graphql import build_schema, parse, validate

    root = Path(__file__).resolve().parents[1]
    schema = build_schema((root / "schema.graphql").read_text(encoding="utf-8"))
    text = (root / "docs" / "billing.md").read_text(encoding="utf-8")
    documents = re.findall(r"```graphql\n(.*?)```", text, re.S)
    assert len(documents) >= 3
    for document in documents:
        assert validate(schema, parse(document)) == [], document
