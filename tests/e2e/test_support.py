"""Contact form and withdrawal end to end: GraphQL over HTTP, mails read from an SMTP server."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from api import clock
from api.accounts.models import Session, TrustedBrowser, User, UserKind, UserStatus
from api.accounts.passwords import hash_password
from api.audit.models import StatusTransition
from api.companies.demo import DEMO_GENERAL_EMAIL
from api.companies.models import Company
from api.demo import DEMO_MEMBER_EMAIL, DEMO_PASSWORD, DEMO_STAFF_EMAIL
from api.graphql.ids import to_global_id
from api.settings import WithdrawalPersonalData
from api.support.models import Inquiry, InquiryCategory, WithdrawalRequest
from api.tokens import new_token
from tests.conftest import body_html, body_text
from tests.helpers import REGISTER, application, seed

SUPPORT_EMAIL = "support@saas.torihiki.localhost"  # the saas-b2b profile's support address
OTHER_MEMBER_EMAIL = "other.member@example.com"
# A general user of the demo member's company: the company keeps its administrator.
LEAVER = DEMO_GENERAL_EMAIL

SUBMIT = """
mutation Submit($input: SubmitInquiryInput!) {
  submitInquiry(input: $input) {
    inquiry {
      id number status category name email phone companyName subject body language
      privacyPolicyVersion answer createdAt user { email }
    }
    userErrors { field code message }
  }
}"""

INQUIRIES = """
query Inquiries($first: Int, $after: String, $status: InquiryStatus) {
  inquiries(first: $first, after: $after, filter: {status: $status}) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { id number status subject email user { email company { name } } } }
  }
}"""

MY_INQUIRIES = """
query Mine($first: Int) {
  myInquiries(first: $first) {
    totalCount
    edges { node { id subject status answer user { email } } }
  }
}"""

ANSWER = """
mutation Answer($id: ID!, $body: String!) {
  answerInquiry(input: {inquiryId: $id, body: $body}) {
    inquiry { id status answer answeredAt }
    userErrors { field code message }
  }
}"""

CLOSE = """
mutation Close($id: ID!) {
  closeInquiry(input: {inquiryId: $id, reason: "解決済み"}) {
    inquiry { id status closedAt }
    userErrors { field code message }
  }
}"""

NODE = """
query Node($id: ID!) {
  node(id: $id) {
    id
    ... on Inquiry { subject email }
    ... on WithdrawalRequest { status reason }
  }
}"""

REQUEST_WITHDRAWAL = """
mutation Withdraw($input: RequestWithdrawalInput!) {
  requestWithdrawal(input: $input) {
    withdrawalRequest { id number status reason requestedAt }
    userErrors { field code message }
  }
}"""

WITHDRAWAL_REQUESTS = """
query Requests($first: Int, $status: WithdrawalStatus) {
  withdrawalRequests(first: $first, filter: {status: $status}) {
    totalCount
    edges { node { id status reason user { email company { name } } decidedBy { email } } }
  }
}"""

COMPLETE = """
mutation Complete($id: ID!) {
  completeWithdrawal(input: {requestId: $id}) {
    withdrawalRequest { id status decidedAt personalDataAnonymized decidedBy { email } }
    userErrors { field code message }
  }
}"""

REJECT = """
mutation Reject($id: ID!, $reason: String!) {
  rejectWithdrawal(input: {requestId: $id, reason: $reason}) {
    withdrawalRequest { id status rejectionReason }
    userErrors { field code message }
  }
}"""

LOGIN = """
mutation Login($loginId: String!, $password: String!) {
  login(input: {loginId: $loginId, password: $password}) {
    session { token } challenge { token } userErrors { code }
  }
}"""


def inquiry_form(**overrides):
    data = {
        "category": "ORDER",
        "name": "鈴木 花子",
        "email": "hanako@example.jp",
        "phone": "03-1234-5678",
        "companyName": "株式会社テスト",
        "subject": "見積書の宛名について",
        "body": "見積書の宛名を変更できますか。\n部署名も入れたいです。",
        "privacyPolicyVersion": 1,
    }
    data.update(overrides)
    return data


@pytest.fixture
async def store(settings):
    await seed(settings)


@pytest.fixture
async def other_member(settings, store):
    company = await Company.create(name="株式会社ほか", name_kana="カブシキガイシャホカ")
    return await User.create(
        kind=UserKind.MEMBER,
        status=UserStatus.ACTIVE,
        email=OTHER_MEMBER_EMAIL,
        password_hash=hash_password(settings, DEMO_PASSWORD),
        company=company,
        family_name="田中",
        given_name="一郎",
        phone="0311112222",
        email_verified_at=clock.now(),
    )


@pytest.fixture
def personal_data(rt):
    original = rt.settings.withdrawal_personal_data
    yield lambda value: setattr(rt.settings, "withdrawal_personal_data", value)
    rt.settings.withdrawal_personal_data = original


# ---- contact form ---------------------------------------------------------------------


async def test_anonymous_inquiry_is_stored_acknowledged_and_sent_to_staff(
    gql, inbox, run_worker, store
):
    data = await gql(SUBMIT, {"input": inquiry_form(email="Hanako@Example.JP")})
    payload = data["submitInquiry"]
    assert payload["userErrors"] == []
    inquiry = payload["inquiry"]
    assert inquiry["status"] == "OPEN"
    assert (inquiry["email"], inquiry["phone"], inquiry["user"]) == (
        "hanako@example.jp",
        "0312345678",
        None,
    )
    assert inquiry["privacyPolicyVersion"] == 1 and inquiry["language"] == "ja"
    assert inquiry["number"] == f"{int(await Inquiry.first().values_list('id', flat=True)):06d}"
    await run_worker()

    [ack] = inbox.to("hanako@example.jp")
    assert "お問い合わせを受け付けました" in ack["Subject"] and inquiry["number"] in ack["Subject"]
    text = body_text(ack)
    assert "鈴木 花子 様" in text and "ご注文・お見積りについて" in text
    # An anonymous sender's address is unproven: their text is not echoed back to it.
    assert "部署名も入れたいです" not in text and "見積書の宛名について" not in text

    [notice] = inbox.to(SUPPORT_EMAIL)
    assert "見積書の宛名について" in notice["Subject"]
    text = body_text(notice)
    for needle in ("hanako@example.jp", "0312345678", "株式会社テスト", "部署名も入れたいです"):
        assert needle in text

    staff = await gql.login(DEMO_STAFF_EMAIL)
    listed = await gql(INQUIRIES, {"first": 10}, token=staff)
    conn = listed["inquiries"]
    assert conn["totalCount"] == 1
    assert conn["edges"][0]["node"]["id"] == inquiry["id"]


async def test_english_sender_gets_english_mail(gql, inbox, run_worker, store):
    data = await gql(
        SUBMIT,
        {"input": inquiry_form(email="jane@example.com", name="Jane Doe", category="PRODUCT")},
        headers={"Accept-Language": "en-US,en;q=0.9"},
    )
    assert data["submitInquiry"]["inquiry"]["language"] == "en"
    await run_worker()
    [ack] = inbox.to("jane@example.com")
    assert "We have received your inquiry" in ack["Subject"]
    assert "Dear Jane Doe" in body_text(ack) and "Products and services" in body_text(ack)
    # Staff read Japanese whatever the sender's language.
    assert "新しいお問い合わせ" in inbox.to(SUPPORT_EMAIL)[0]["Subject"]


async def test_signed_in_member_inquiry_is_linked_and_defaults_name_and_email(
    gql, inbox, run_worker, store
):
    member = await gql.login(DEMO_MEMBER_EMAIL)
    data = await gql(
        SUBMIT,
        {"input": inquiry_form(name="", email="", phone="", companyName="")},
        token=member,
        headers={"Accept-Language": "en"},  # the member's own language setting wins
    )
    inquiry = data["submitInquiry"]["inquiry"]
    assert data["submitInquiry"]["userErrors"] == []
    assert (inquiry["name"], inquiry["email"], inquiry["user"]) == (
        "山田 太郎",
        DEMO_MEMBER_EMAIL,
        {"email": DEMO_MEMBER_EMAIL},
    )
    assert inquiry["language"] == "ja"
    await run_worker()
    [ack] = inbox.to(DEMO_MEMBER_EMAIL)
    # A member's address is verified: the copy of the text goes back to them.
    assert "部署名も入れたいです" in body_text(ack) and "部署名も入れたいです" in body_html(ack)
    assert "（会員）" in body_text(inbox.to(SUPPORT_EMAIL)[0])

    mine = await gql(MY_INQUIRIES, {"first": 10}, token=member)
    assert mine["myInquiries"]["totalCount"] == 1
    assert mine["myInquiries"]["edges"][0]["node"]["id"] == inquiry["id"]
    node = await gql(NODE, {"id": inquiry["id"]}, token=member)
    assert node["node"]["subject"] == "見積書の宛名について"


async def test_consent_and_every_field_are_checked_and_nothing_is_stored(
    gql, inbox, run_worker, store
):
    data = await gql(
        SUBMIT,
        {
            "input": inquiry_form(
                email="not-an-email",
                phone="12345",
                subject="  ",
                body="あ" * 10_001,
                name="",
                privacyPolicyVersion=None,
            )
        },
    )
    errors = {(tuple(e["field"]), e["code"]) for e in data["submitInquiry"]["userErrors"]}
    assert errors == {
        (("email",), "INVALID_EMAIL"),
        (("phone",), "INVALID_PHONE"),
        (("subject",), "REQUIRED"),
        (("body",), "TOO_LONG"),
        (("name",), "REQUIRED"),
        (("privacyPolicyVersion",), "CONSENT_REQUIRED"),
    }
    assert data["submitInquiry"]["inquiry"] is None
    outdated = await gql(SUBMIT, {"input": inquiry_form(privacyPolicyVersion=0)})
    [error] = outdated["submitInquiry"]["userErrors"]
    assert (error["field"], error["code"]) == (["privacyPolicyVersion"], "CONSENT_OUTDATED")
    english = await gql(
        SUBMIT, {"input": inquiry_form(email="x")}, headers={"Accept-Language": "en"}
    )
    assert english["submitInquiry"]["userErrors"] == [
        {"field": ["email"], "code": "INVALID_EMAIL", "message": "Enter a valid email address."}
    ]
    await run_worker()
    assert inbox.messages == []
    assert await Inquiry.all().count() == 0


async def test_rate_limited_per_address_and_per_client(gql, inbox, run_worker, rt, store):
    per_email = rt.settings.inquiry_limit_per_email
    per_ip = rt.settings.inquiry_limit_per_ip
    for _ in range(per_email):
        ok = await gql(SUBMIT, {"input": inquiry_form(email="busy@example.jp")})
        assert ok["submitInquiry"]["userErrors"] == []
    limited = await gql(SUBMIT, {"input": inquiry_form(email="busy@example.jp")})
    [error] = limited["submitInquiry"]["userErrors"]
    assert error["code"] == "RATE_LIMITED" and "秒後" in error["message"]
    # The same client may still write from other addresses, up to its own limit.
    for i in range(per_ip - per_email - 1):
        ok = await gql(SUBMIT, {"input": inquiry_form(email=f"someone{i}@example.jp")})
        assert ok["submitInquiry"]["userErrors"] == []
    limited = await gql(SUBMIT, {"input": inquiry_form(email="fresh@example.jp")})
    assert limited["submitInquiry"]["userErrors"][0]["code"] == "RATE_LIMITED"
    assert await Inquiry.all().count() == per_ip - 1
    await run_worker()
    assert inbox.to("fresh@example.jp") == []


async def test_idempotency_key_makes_a_double_click_one_inquiry(gql, inbox, run_worker, store):
    payload = {"input": inquiry_form(idempotencyKey="inq-1")}
    first, second = await asyncio.gather(gql(SUBMIT, payload), gql(SUBMIT, payload))
    again = await gql(SUBMIT, payload)
    ids = {r["submitInquiry"]["inquiry"]["id"] for r in (first, second, again)}
    assert len(ids) == 1
    assert await Inquiry.all().count() == 1
    await run_worker()
    assert len(inbox.to("hanako@example.jp")) == 1 and len(inbox.to(SUPPORT_EMAIL)) == 1
    # A key is only good for its own sender: no reading another's inquiry by guessing keys.
    other = await gql(SUBMIT, {"input": inquiry_form(email="x@example.jp", idempotencyKey="inq-1")})
    assert other["submitInquiry"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert other["submitInquiry"]["inquiry"] is None


async def test_staff_answer_goes_out_by_mail_once_then_close(gql, inbox, run_worker, store):
    member = await gql.login(DEMO_MEMBER_EMAIL)
    sent = await gql(SUBMIT, {"input": inquiry_form(name="", email="")}, token=member)
    inquiry_id = sent["submitInquiry"]["inquiry"]["id"]
    number = sent["submitInquiry"]["inquiry"]["number"]
    staff = await gql.login(DEMO_STAFF_EMAIL)

    blank = await gql(ANSWER, {"id": inquiry_id, "body": " \n "}, token=staff)
    assert blank["answerInquiry"]["userErrors"][0]["code"] == "REQUIRED"
    answer = "宛名は見積書の作成画面で変更できます。\n部署名も入力できます。"
    data = await gql(ANSWER, {"id": inquiry_id, "body": answer}, token=staff)
    assert data["answerInquiry"]["userErrors"] == []
    assert data["answerInquiry"]["inquiry"]["status"] == "ANSWERED"
    assert data["answerInquiry"]["inquiry"]["answeredAt"]
    twice = await gql(ANSWER, {"id": inquiry_id, "body": "二度目"}, token=staff)
    assert twice["answerInquiry"]["userErrors"][0]["code"] == "INVALID_STATUS"
    await run_worker()
    [reply] = [m for m in inbox.to(DEMO_MEMBER_EMAIL) if "回答" in m["Subject"]]
    assert number in reply["Subject"]
    assert "部署名も入力できます。" in body_text(reply)
    assert "部署名も入れたいです" in body_text(reply)  # their question, quoted

    mine = await gql(MY_INQUIRIES, {}, token=member)
    assert mine["myInquiries"]["edges"][0]["node"]["answer"] == answer
    open_ = await gql(INQUIRIES, {"status": "OPEN"}, token=staff)
    assert open_["inquiries"]["totalCount"] == 0

    closed = await gql(CLOSE, {"id": inquiry_id}, token=staff)
    assert closed["closeInquiry"]["inquiry"]["status"] == "CLOSED"
    again = await gql(CLOSE, {"id": inquiry_id}, token=staff)
    assert again["closeInquiry"]["userErrors"][0]["code"] == "INVALID_STATUS"
    trail = (
        await StatusTransition.filter(entity="inquiry")
        .order_by("id")
        .values_list("from_status", "to_status", "actor_id")
    )
    staff_id = (await User.get(email=DEMO_STAFF_EMAIL)).id
    assert trail == [("open", "answered", staff_id), ("answered", "closed", staff_id)]


async def test_unknown_and_wrong_type_ids_are_not_found(gql, store):
    staff = await gql.login(DEMO_STAFF_EMAIL)
    me = await gql("{ me { id } }", token=staff)
    for bad in (me["me"]["id"], "SW5xdWlyeTo5OTk5"):  # a User id; Inquiry:9999
        data = await gql(ANSWER, {"id": bad, "body": "x"}, token=staff)
        assert data["answerInquiry"]["userErrors"][0] == {
            "field": ["inquiryId"],
            "code": "NOT_FOUND",
            "message": "対象が見つかりません。",
        }
    data = await gql(COMPLETE, {"id": me["me"]["id"]}, token=staff)
    assert data["completeWithdrawal"]["userErrors"][0]["code"] == "NOT_FOUND"


async def test_members_see_only_their_own_and_never_staff_lists(gql, other_member, store):
    member = await gql.login(LEAVER)
    mine = await gql(SUBMIT, {"input": inquiry_form(name="", email="")}, token=member)
    inquiry_id = mine["submitInquiry"]["inquiry"]["id"]
    request = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=member)
    request_id = request["requestWithdrawal"]["withdrawalRequest"]["id"]

    other = await gql.login(OTHER_MEMBER_EMAIL)
    theirs = await gql(MY_INQUIRIES, {}, token=other)
    assert theirs["myInquiries"] == {"totalCount": 0, "edges": []}
    for node_id in (inquiry_id, request_id):
        assert (await gql(NODE, {"id": node_id}, token=other))["node"] is None
        assert (await gql(NODE, {"id": node_id}))["node"] is None  # anonymous
    own = await gql("{ myWithdrawalRequest { id } }", token=other)
    assert own["myWithdrawalRequest"] is None

    staff_only = [
        (INQUIRIES, {}),
        (WITHDRAWAL_REQUESTS, {}),
        (ANSWER, {"id": inquiry_id, "body": "x"}),
        (CLOSE, {"id": inquiry_id}),
        (COMPLETE, {"id": request_id}),
        (REJECT, {"id": request_id, "reason": "x"}),
    ]
    for document, variables in staff_only:
        forbidden = await gql(document, variables, token=other, expect_errors=True)
        assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN", document
        assert forbidden.get("data") is None
        anonymous = await gql(document, variables, expect_errors=True)
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED", document
    for document in (MY_INQUIRIES, "{ myWithdrawalRequest { id } }"):
        anonymous = await gql(document, {}, expect_errors=True)
        assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    anonymous = await gql(
        REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, expect_errors=True
    )
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Nothing was answered, completed or rejected by the refused calls.
    assert await Inquiry.filter(status="open").count() == 1
    assert await WithdrawalRequest.filter(status="requested").count() == 1


# ---- lists stay constant in SQL statements ---------------------------------------------


async def _members(count: int, tag: str) -> list[User]:
    users = []
    for i in range(count):
        company = await Company.create(name=f"会社{tag}-{i}", name_kana="カイシャ")
        users.append(
            await User.create(
                kind=UserKind.MEMBER,
                status=UserStatus.ACTIVE,
                email=f"m{tag}-{i}@example.jp",
                password_hash="x",
                company=company,
                family_name="山田",
                given_name=str(i),
            )
        )
    return users


async def _inquiries_for(users: list[User | None], owner: User | None = None) -> None:
    for i, user in enumerate(users):
        sender = owner or user
        await Inquiry.create(
            user=sender,
            category=InquiryCategory.OTHER,
            name="山田",
            email=sender.email if sender else f"anon{i}@example.jp",
            subject=f"件名{i}",
            body="本文",
            privacy_policy_version=1,
        )


async def test_inquiry_lists_are_constant_in_sql_statements(gql, sql, store):
    staff = await gql.login(DEMO_STAFF_EMAIL)
    member = await gql.login(LEAVER)
    demo_member = await User.get(email=LEAVER)
    staff_counts, member_counts = [], []
    for batch, size in (("a", 2), ("b", 18)):
        users = await _members(size // 2, batch)
        await _inquiries_for([*users, *[None] * (size - len(users))])
        await _inquiries_for([None] * size, owner=demo_member)
        with sql() as counter:
            data = await gql(INQUIRIES, {"first": 100}, token=staff)
        staff_counts.append(counter.count)
        with sql() as counter:
            mine = await gql(MY_INQUIRIES, {"first": 100}, token=member)
        member_counts.append(counter.count)
    edges = data["inquiries"]["edges"]
    assert len(edges) == data["inquiries"]["totalCount"] == 40
    assert sum(1 for e in edges if e["node"]["user"] and e["node"]["user"]["company"]) == 30
    assert mine["myInquiries"]["totalCount"] == 20
    # session + page + users (one batch) + companies (one batch) + count, at any size
    assert staff_counts[0] == staff_counts[1] <= 5, staff_counts
    assert member_counts[0] == member_counts[1] <= 4, member_counts


async def test_withdrawal_request_list_is_constant_in_sql_statements(gql, sql, store):
    staff = await gql.login(DEMO_STAFF_EMAIL)
    counts = []
    for batch, size in (("a", 2), ("b", 20)):
        for user in await _members(size - (2 if batch == "b" else 0), batch):
            await WithdrawalRequest.create(user=user, open_user_id=user.id, reason="移転")
        with sql() as counter:
            data = await gql(WITHDRAWAL_REQUESTS, {"first": 100}, token=staff)
        counts.append(counter.count)
    edges = data["withdrawalRequests"]["edges"]
    assert len(edges) == 20 and all(e["node"]["user"]["company"]["name"] for e in edges)
    assert counts[0] == counts[1] <= 5, counts


# ---- withdrawal --------------------------------------------------------------------------


async def test_withdrawal_end_to_end(gql, inbox, run_worker, store):
    member = await gql.login(LEAVER)
    second_device = await gql.login(LEAVER)
    user = await User.get(email=LEAVER)
    _, digest = new_token()
    await TrustedBrowser.create(
        user=user, token_hash=digest, expires_at=clock.now() + timedelta(days=30)
    )
    await gql(SUBMIT, {"input": inquiry_form(name="", email="")}, token=member)

    wrong = await gql(REQUEST_WITHDRAWAL, {"input": {"password": "nope"}}, token=member)
    assert wrong["requestWithdrawal"]["userErrors"][0]["code"] == "PASSWORD_INCORRECT"
    data = await gql(
        REQUEST_WITHDRAWAL,
        {"input": {"password": DEMO_PASSWORD, "reason": "事業所閉鎖のため"}},
        token=member,
    )
    request = data["requestWithdrawal"]["withdrawalRequest"]
    assert request["status"] == "REQUESTED" and request["reason"] == "事業所閉鎖のため"
    # Asking again (a double click, another tab) is the same request and no new mail.
    again = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=member)
    assert again["requestWithdrawal"]["withdrawalRequest"]["id"] == request["id"]
    mine = await gql("{ myWithdrawalRequest { id status } }", token=member)
    assert mine["myWithdrawalRequest"] == {"id": request["id"], "status": "REQUESTED"}
    await run_worker()
    [ack] = [m for m in inbox.to(LEAVER) if "退会" in m["Subject"]]
    assert "退会のお申し出を受け付けました" in ack["Subject"]
    [notice] = [m for m in inbox.to(SUPPORT_EMAIL) if "退会申請" in m["Subject"]]
    assert "事業所閉鎖のため" in body_text(notice) and LEAVER in body_text(notice)
    inbox.clear()

    staff = await gql.login(DEMO_STAFF_EMAIL)
    listed = await gql(WITHDRAWAL_REQUESTS, {"status": "REQUESTED"}, token=staff)
    [edge] = listed["withdrawalRequests"]["edges"]
    assert edge["node"]["user"]["email"] == LEAVER
    done = await gql(COMPLETE, {"id": request["id"]}, token=staff)
    payload = done["completeWithdrawal"]
    assert payload["userErrors"] == []
    assert payload["withdrawalRequest"]["status"] == "COMPLETED"
    assert payload["withdrawalRequest"]["personalDataAnonymized"] is True
    assert payload["withdrawalRequest"]["decidedBy"] == {"email": DEMO_STAFF_EMAIL}
    twice = await gql(COMPLETE, {"id": request["id"]}, token=staff)
    assert twice["completeWithdrawal"]["userErrors"][0]["code"] == "INVALID_STATUS"

    # The completion mail went to the address the member had, before it was anonymised.
    await run_worker()
    [completed] = inbox.to(LEAVER)
    assert "退会手続き完了" in completed["Subject"] and "田中 一郎 様" in body_text(completed)

    # Every session is dead, on every device, and the trusted browser is gone.
    for token in (member, second_device):
        assert (await gql("{ me { id } }", token=token))["me"] is None
    assert not await Session.filter(user_id=user.id, revoked_at__isnull=True).exists()
    assert not await TrustedBrowser.filter(user_id=user.id, revoked_at__isnull=True).exists()
    login = await gql(LOGIN, {"loginId": LEAVER, "password": DEMO_PASSWORD})
    assert login["login"]["userErrors"] == [{"code": "INVALID_CREDENTIALS"}]

    # Personal data replaced; the id (and with it any order history) stays.
    closed = await User.get(id=user.id)
    assert closed.status == UserStatus.CLOSED
    assert closed.email == f"withdrawn+{user.id}@withdrawn.invalid"
    assert (closed.family_name, closed.given_name, closed.phone, closed.address_line1) == (
        "退会済み会員",
        "",
        "",
        "",
    )
    assert closed.company_id == user.company_id
    [inquiry] = await Inquiry.filter(user_id=user.id)
    assert (inquiry.name, inquiry.email, inquiry.phone) == ("退会済み会員", closed.email, "")
    trail = await StatusTransition.filter(entity="user", entity_id=str(user.id)).values_list(
        "from_status", "to_status", "actor_id"
    )
    staff_id = (await User.get(email=DEMO_STAFF_EMAIL)).id
    assert trail == [("active", "closed", staff_id)]

    # The address is free again: the person may register as a new member.
    registered = await gql(REGISTER, {"input": application(email=LEAVER)})
    assert registered["register"] == {
        "accepted": True,
        "email": LEAVER,
        "userErrors": [],
    }
    fresh = await User.get(email=LEAVER)
    assert fresh.id != user.id and fresh.status == UserStatus.UNVERIFIED
    await run_worker()
    assert any("本人確認" in m["Subject"] for m in inbox.to(LEAVER))


async def test_withdrawal_keeping_personal_data(gql, inbox, run_worker, personal_data, store):
    personal_data(WithdrawalPersonalData.KEEP)
    member = await gql.login(LEAVER)
    data = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=member)
    request_id = data["requestWithdrawal"]["withdrawalRequest"]["id"]
    staff = await gql.login(DEMO_STAFF_EMAIL)
    done = await gql(COMPLETE, {"id": request_id}, token=staff)
    assert done["completeWithdrawal"]["withdrawalRequest"]["personalDataAnonymized"] is False
    closed = await User.get(email=LEAVER)
    assert (closed.status, closed.family_name) == (UserStatus.CLOSED, "田中")
    assert (await gql("{ me { id } }", token=member))["me"] is None
    # The right password now meets a closed account.
    login = await gql(LOGIN, {"loginId": LEAVER, "password": DEMO_PASSWORD})
    assert login["login"]["userErrors"] == [{"code": "ACCOUNT_NOT_ACTIVE"}]
    await run_worker()
    assert any("退会手続き完了" in m["Subject"] for m in inbox.to(LEAVER))


async def test_rejection_keeps_the_account_and_allows_a_new_request(gql, inbox, run_worker, store):
    member = await gql.login(LEAVER)
    data = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=member)
    request_id = data["requestWithdrawal"]["withdrawalRequest"]["id"]
    staff = await gql.login(DEMO_STAFF_EMAIL)
    blank = await gql(REJECT, {"id": request_id, "reason": "  "}, token=staff)
    assert blank["rejectWithdrawal"]["userErrors"][0] == {
        "field": ["reason"],
        "code": "REQUIRED",
        "message": "入力してください。",
    }
    reason = "ご契約中のサービスがあるため、先に解約手続きをお願いします。"
    rejected = await gql(REJECT, {"id": request_id, "reason": reason}, token=staff)
    assert rejected["rejectWithdrawal"]["withdrawalRequest"] == {
        "id": request_id,
        "status": "REJECTED",
        "rejectionReason": reason,
    }
    late = await gql(COMPLETE, {"id": request_id}, token=staff)
    assert late["completeWithdrawal"]["userErrors"][0]["code"] == "INVALID_STATUS"
    await run_worker()
    [notice] = [m for m in inbox.to(LEAVER) if "退会のお申し出について" in m["Subject"]]
    assert reason in body_text(notice)
    # Still a member, still signed in; and free to ask again later.
    assert (await gql("{ me { status } }", token=member))["me"] == {"status": "ACTIVE"}
    again = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=member)
    assert again["requestWithdrawal"]["withdrawalRequest"]["id"] != request_id
    assert await WithdrawalRequest.filter(user__email=LEAVER).count() == 2


async def test_racing_requests_make_one_request_and_one_mail(gql, inbox, run_worker, store):
    member = await gql.login(LEAVER)
    results = await asyncio.gather(
        *[
            gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=member)
            for _ in range(3)
        ]
    )
    ids = {r["requestWithdrawal"]["withdrawalRequest"]["id"] for r in results}
    assert len(ids) == 1, results
    await run_worker()
    assert len([m for m in inbox.to(LEAVER) if "退会" in m["Subject"]]) == 1


async def test_staff_and_racing_completions(gql, inbox, run_worker, store):
    staff = await gql.login(DEMO_STAFF_EMAIL)
    own = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=staff)
    assert own["requestWithdrawal"]["userErrors"][0]["code"] == "NOT_A_MEMBER"

    member = await gql.login(LEAVER)
    data = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=member)
    request_id = data["requestWithdrawal"]["withdrawalRequest"]["id"]
    await run_worker()
    inbox.clear()
    decisions = await asyncio.gather(
        gql(COMPLETE, {"id": request_id}, token=staff),
        gql(COMPLETE, {"id": request_id}, token=staff),
        gql(REJECT, {"id": request_id, "reason": "重複"}, token=staff),
    )
    winners = [
        d
        for d in decisions
        if not (d.get("completeWithdrawal") or d.get("rejectWithdrawal"))["userErrors"]
    ]
    assert len(winners) == 1, decisions
    await run_worker()
    assert len(inbox.messages) == 1  # exactly one decision mail


async def test_last_administrator_cannot_leave_colleagues_without_one(gql, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)  # the demo company's only administrator
    data = await gql(REQUEST_WITHDRAWAL, {"input": {"password": DEMO_PASSWORD}}, token=admin)
    [error] = data["requestWithdrawal"]["userErrors"]
    assert error["code"] == "LAST_ADMINISTRATOR" and error["field"] is None
    # Checked again when staff act: a colleague may have left in between.
    user = await User.get(email=DEMO_MEMBER_EMAIL)
    request = await WithdrawalRequest.create(user=user, open_user_id=user.id)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    global_id = to_global_id("WithdrawalRequest", request.id)
    done = await gql(COMPLETE, {"id": global_id}, token=staff)
    assert done["completeWithdrawal"]["userErrors"][0]["code"] == "LAST_ADMINISTRATOR"
    assert (await User.get(id=user.id)).status == UserStatus.ACTIVE
    assert (await WithdrawalRequest.get(id=request.id)).status == "requested"
    # Alone in the company, the administrator may go.
    await User.filter(email=LEAVER).update(status=UserStatus.CLOSED)
    done = await gql(COMPLETE, {"id": global_id}, token=staff)
    assert done["completeWithdrawal"]["withdrawalRequest"]["status"] == "COMPLETED"


async def test_services_check_the_staff_permission_too(rt, settings, store):
    """Not only the schema: a service called by another door refuses the wrong actor."""
    from api.accounts.staff import create_staff
    from api.errors import DomainError
    from api.support import service

    member = await User.get(email=DEMO_MEMBER_EMAIL)
    request = await WithdrawalRequest.create(user_id=member.id, open_user_id=member.id)
    catalog = await create_staff(
        settings, "cat@example.com", "Kumo-sora-77", "商品", "担当", role_key="catalog_manager"
    )
    from api.actor import Actor

    for actor, code in (
        (await Actor.of_user(member), "FORBIDDEN"),
        (await Actor.of_user(catalog), "FORBIDDEN"),
        (Actor.anonymous(), "UNAUTHENTICATED"),
    ):
        with pytest.raises(DomainError) as refused:
            await service.complete_withdrawal(rt, actor, request.id)
        assert refused.value.problems[0].code == code
    assert (await User.get(id=member.id)).status == UserStatus.ACTIVE
