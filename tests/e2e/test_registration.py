"""Member registration end to end: GraphQL over HTTP, mails read from an SMTP server."""

from __future__ import annotations

import dataclasses

import pytest

from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.stores.policy import RegistrationApproval
from tests.conftest import body_html, body_text
from tests.helpers import (
    APPLICATIONS,
    APPROVE,
    REGISTER,
    REJECT,
    RESEND,
    VERIFY,
    application,
    link_token,
    seed,
)


@pytest.fixture
async def store(settings):
    await seed(settings)


async def test_operator_approval_flow(gql, inbox, run_worker, store):
    email = "hanako.suzuki@example.co.jp"
    data = await gql(REGISTER, {"input": application()})
    assert data["register"] == {"accepted": True, "email": email, "userErrors": []}
    await run_worker()

    [verify_mail] = inbox.to(email)
    assert "本人確認" in verify_mail["Subject"]
    token = link_token(verify_mail, "https://shop.example.test/verify-email")
    assert "Kumo-sora-77" not in body_text(verify_mail)  # never a password in a mail
    assert token in body_html(verify_mail)

    # Not active yet: signing in is refused.
    login = await gql("""mutation { login(input: {loginId: "hanako.suzuki@example.co.jp",
        password: "Kumo-sora-77"}) { session { token } userErrors { code } } }""")
    assert login["login"]["userErrors"] == [{"code": "ACCOUNT_NOT_ACTIVE"}]

    data = await gql(VERIFY, {"token": token})
    assert data["verifyEmail"] == {"status": "PENDING_APPROVAL", "userErrors": []}
    # The link is single-use.
    again = await gql(VERIFY, {"token": token})
    assert again["verifyEmail"]["userErrors"][0]["code"] == "TOKEN_INVALID"
    await run_worker()
    received = inbox.to(email)[-1]
    assert "申込み受付" in received["Subject"]

    staff = await gql.login(DEMO_STAFF_EMAIL)
    apps = await gql(APPLICATIONS, {"first": 10}, token=staff)
    conn = apps["registrationApplications"]
    emails = [e["node"]["email"] for e in conn["edges"]]
    assert email in emails and conn["totalCount"] == len(emails)
    node = next(e["node"] for e in conn["edges"] if e["node"]["email"] == email)
    assert node["company"]["name"] == "株式会社テスト"

    approved = await gql(APPROVE, {"id": node["id"]}, token=staff)
    assert approved["approveRegistration"] == {
        "user": {"id": node["id"], "status": "ACTIVE"},
        "userErrors": [],
    }
    # Approving twice is a state error, not a second mail.
    twice = await gql(APPROVE, {"id": node["id"]}, token=staff)
    assert twice["approveRegistration"]["userErrors"][0]["code"] == "INVALID_STATUS"
    await run_worker()
    complete = inbox.to(email)[-1]
    assert "登録完了" in complete["Subject"]
    assert "https://shop.example.test/login" in body_text(complete)
    assert len(inbox.to(email)) == 3

    token = await gql.login(email, "Kumo-sora-77")
    me = await gql("{ me { email status kind company { name } } }", token=token)
    assert me["me"] == {
        "email": email,
        "status": "ACTIVE",
        "kind": "MEMBER",
        "company": {"name": "株式会社テスト"},
    }


async def test_rejection_sends_a_polite_notice(gql, inbox, run_worker, store):
    email = "jiro@example.jp"
    await gql(REGISTER, {"input": application(email=email)})
    await run_worker()
    await gql(VERIFY, {"token": link_token(inbox.to(email)[0], "/verify-email")})
    staff = await gql.login(DEMO_STAFF_EMAIL)
    apps = await gql(APPLICATIONS, {"first": 10}, token=staff)
    user_id = next(
        e["node"]["id"]
        for e in apps["registrationApplications"]["edges"]
        if e["node"]["email"] == email
    )
    blank = await gql(REJECT, {"id": user_id, "reason": "  "}, token=staff)
    assert blank["rejectRegistration"]["userErrors"][0] == {
        "field": ["reason"],
        "code": "REQUIRED",
        "message": "入力してください。",
    }
    data = await gql(REJECT, {"id": user_id, "reason": "法人確認ができませんでした。"}, token=staff)
    assert data["rejectRegistration"]["user"]["status"] == "REJECTED"
    await run_worker()
    # "application received" and the rejection go out in one worker run, in no fixed order.
    [notice] = [m for m in inbox.to(email) if "お申し込みについて" in m["Subject"]]
    assert "法人確認ができませんでした。" in body_text(notice)
    login = await gql(f"""mutation {{ login(input: {{loginId: "{email}",
        password: "Kumo-sora-77"}}) {{ userErrors {{ code }} }} }}""")
    assert login["login"]["userErrors"] == [{"code": "ACCOUNT_NOT_ACTIVE"}]


async def test_no_approval_store_activates_on_verification(gql, inbox, run_worker, rt, store):
    rt.policy = rt.policy.model_copy(
        update={
            "registration": rt.policy.registration.model_copy(
                update={"approval": RegistrationApproval.NONE}
            )
        }
    )
    email = "member2@example.jp"
    await gql(REGISTER, {"input": application(email=email)})
    await run_worker()
    data = await gql(VERIFY, {"token": link_token(inbox.to(email)[0], "/verify-email")})
    assert data["verifyEmail"]["status"] == "ACTIVE"
    await run_worker()
    assert "登録完了" in inbox.to(email)[-1]["Subject"]
    assert await gql.login(email, "Kumo-sora-77")


@pytest.fixture(autouse=True)
def restore_policy(rt):
    policy = rt.policy
    yield
    rt.policy = policy


async def test_existing_email_gets_the_same_answer_and_a_notice(gql, inbox, run_worker, store):
    fresh = await gql(REGISTER, {"input": application(email="nobody@example.jp")})
    known = await gql(REGISTER, {"input": application(email=DEMO_MEMBER_EMAIL.upper())})
    assert known["register"]["accepted"] is True
    assert known["register"]["userErrors"] == fresh["register"]["userErrors"] == []
    await run_worker()
    [notice] = inbox.to(DEMO_MEMBER_EMAIL)
    assert "すでに会員として登録" in body_text(notice)
    assert "?token=" not in body_text(notice)


async def test_bad_input_is_reported_per_field_and_nothing_is_stored(gql, inbox, run_worker, store):
    bad = application(
        email="not-an-email",
        password="aaa",
        familyNameKana="suzuki",
        postalCode="12-34",
        phone="12345",
        prefecture="東京",
        termsOfUseVersion=None,
        privacyPolicyVersion=0,
        companyName="",
    )
    data = await gql(REGISTER, {"input": bad})
    errors = {
        (tuple(e["field"]) if e["field"] else None, e["code"])
        for e in data["register"]["userErrors"]
    }
    assert data["register"]["accepted"] is False
    assert {
        (("email",), "INVALID_EMAIL"),
        (("password",), "PASSWORD_TOO_SHORT"),
        (("password",), "PASSWORD_REPEATED_CHARACTERS"),
        (("familyNameKana",), "INVALID_KANA"),
        (("postalCode",), "INVALID_POSTAL_CODE"),
        (("phone",), "INVALID_PHONE"),
        (("prefecture",), "INVALID_PREFECTURE"),
        (("termsOfUseVersion",), "CONSENT_REQUIRED"),
        (("privacyPolicyVersion",), "CONSENT_OUTDATED"),
        (("companyName",), "COMPANY_REQUIRED"),
    } <= errors
    await run_worker()
    assert inbox.messages == []
    staff = await gql.login(DEMO_STAFF_EMAIL)
    apps = await gql(APPLICATIONS, {"status": "UNVERIFIED"}, token=staff)
    assert apps["registrationApplications"]["totalCount"] == 0


async def test_messages_follow_accept_language(gql, store):
    data = await gql(
        REGISTER, {"input": application(email="x")}, headers={"Accept-Language": "en-US,en;q=0.9"}
    )
    [error] = data["register"]["userErrors"]
    assert error == {
        "field": ["email"],
        "code": "INVALID_EMAIL",
        "message": "Enter a valid email address.",
    }


async def test_normalisation_of_japanese_input(gql, inbox, run_worker, rt, store):
    data = await gql(
        REGISTER,
        {
            "input": application(
                email="ＹＡＭＡ@Example.JP",
                familyNameKana="やまだ",
                phone="０３ー１２３４ー５６７８",
                postalCode="〒１５０－０００１",
            )
        },
    )
    assert data["register"] == {"accepted": True, "email": "yama@example.jp", "userErrors": []}
    from api.accounts.models import User

    user = await User.get(email="yama@example.jp")
    assert (user.family_name_kana, user.phone, user.postal_code) == (
        "ヤマダ",
        "0312345678",
        "150-0001",
    )


async def test_resend_verification_kills_the_old_link_and_is_rate_limited(
    gql, inbox, run_worker, store
):
    email = "late@example.jp"
    await gql(REGISTER, {"input": application(email=email)})
    await run_worker()
    first = link_token(inbox.to(email)[0], "/verify-email")
    data = await gql(RESEND, {"email": email})
    assert data["resendVerificationEmail"] == {"accepted": True, "userErrors": []}
    unknown = await gql(RESEND, {"email": "ghost@example.jp"})
    assert unknown == {"resendVerificationEmail": {"accepted": True, "userErrors": []}}
    await run_worker()
    second = link_token(inbox.to(email)[-1], "/verify-email")
    assert first != second
    old = await gql(VERIFY, {"token": first})
    assert old["verifyEmail"]["userErrors"][0]["code"] == "TOKEN_INVALID"
    for _ in range(2):
        await gql(RESEND, {"email": email})
    limited = await gql(RESEND, {"email": email})
    [error] = limited["resendVerificationEmail"]["userErrors"]
    assert error["code"] == "RATE_LIMITED" and "秒後" in error["message"]
    await run_worker()
    mails = inbox.to(email)
    assert len(mails) == 4  # the first link and three resends; the limited one sent nothing
    assert (await gql(VERIFY, {"token": second}))["verifyEmail"]["userErrors"][0][
        "code"
    ] == "TOKEN_INVALID"
    # The last two resends went out in one worker run, in no fixed order: exactly one
    # of their links (the newer) still works.
    statuses = []
    for message in mails[2:]:
        result = await gql(VERIFY, {"token": link_token(message, "/verify-email")})
        statuses.append(str(result["verifyEmail"]["status"]))
    assert sorted(statuses) == ["None", "PENDING_APPROVAL"]


async def test_verification_link_expires(gql, inbox, run_worker, rt, store):
    from api import clock

    email = "slow@example.jp"
    await gql(REGISTER, {"input": application(email=email)})
    await run_worker()
    token = link_token(inbox.to(email)[0], "/verify-email")
    clock.travel(rt.settings.email_token_ttl_minutes * 60 + 1)
    data = await gql(VERIFY, {"token": token})
    assert data["verifyEmail"]["userErrors"][0]["code"] == "TOKEN_EXPIRED"


async def test_idempotency_key_makes_a_double_click_one_account(gql, inbox, run_worker, store):
    payload = {"input": application(email="double@example.jp", idempotencyKey="k-123")}
    first = await gql(REGISTER, payload)
    second = await gql(REGISTER, payload)
    assert first == second
    await run_worker()
    assert len(inbox.to("double@example.jp")) == 1
    other = await gql(
        REGISTER, {"input": application(email="other@example.jp", idempotencyKey="k-123")}
    )
    assert other["register"]["userErrors"][0]["code"] == "IDEMPOTENCY_KEY_REUSED"


async def test_staff_only_operations_refuse_members_and_anonymous(gql, store):
    anonymous = await gql(APPLICATIONS, {}, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    member = await gql.login(DEMO_MEMBER_EMAIL)
    forbidden = await gql(APPLICATIONS, {}, token=member, expect_errors=True)
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert forbidden.get("data") is None


def test_policy_is_frozen_dataclass_free():
    # Store policies are immutable values: a request cannot change the store's rules.
    from api.stores.policy import load_policy

    policy = load_policy("saas-b2b")
    with pytest.raises(Exception):  # noqa: B017 - pydantic's frozen error type is internal
        policy.code = "x"  # type: ignore[misc]
    assert not dataclasses.is_dataclass(policy)


async def test_application_list_is_constant_in_sql_statements(gql, sql, store):
    from api.accounts.models import User, UserKind, UserStatus
    from api.companies.models import Company

    staff = await gql.login(DEMO_STAFF_EMAIL)
    counts = []
    for batch in (2, 25):
        for i in range(batch):
            company = await Company.create(name=f"会社{batch}-{i}", name_kana="カイシャ")
            await User.create(
                kind=UserKind.MEMBER,
                status=UserStatus.PENDING_APPROVAL,
                email=f"p{batch}-{i}@example.jp",
                password_hash="x",
                company=company,
                family_name="山田",
                given_name="花子",
            )
        with sql() as counter:
            data = await gql(APPLICATIONS, {"first": 100}, token=staff)
        counts.append(counter.count)
    edges = data["registrationApplications"]["edges"]
    assert len(edges) == 28 and all(e["node"]["company"]["name"] for e in edges)
    # session lookup + page + companies (one batched load) + count, whatever the size
    assert counts[0] == counts[1] <= 4, counts


async def test_application_list_pages_forward_and_backward(gql, store):
    from api.accounts.models import User, UserKind, UserStatus

    for i in range(5):
        await User.create(
            kind=UserKind.MEMBER,
            status=UserStatus.PENDING_APPROVAL,
            email=f"page{i}@example.jp",
            password_hash="x",
            family_name="山田",
            given_name=str(i),
        )
    staff = await gql.login(DEMO_STAFF_EMAIL)
    seen = []
    after = None
    while True:
        data = await gql(APPLICATIONS, {"first": 2, "after": after}, token=staff)
        conn = data["registrationApplications"]
        seen += [e["node"]["email"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == conn["totalCount"] == 6  # + the demo applicant
    back = await gql(
        """query { registrationApplications(last: 2) {
        edges { node { email } } pageInfo { hasPreviousPage hasNextPage } } }""",
        token=staff,
    )
    conn = back["registrationApplications"]
    assert [e["node"]["email"] for e in conn["edges"]] == seen[-2:]
    assert conn["pageInfo"]["hasPreviousPage"] is True
    too_big = await gql(
        "{ registrationApplications(first: 101) { totalCount } }", token=staff, expect_errors=True
    )
    [error] = too_big["errors"]
    assert error["extensions"] == {"code": "INVALID_PAGE_SIZE", "field": ["first"]}
    assert error["message"] == "一度に取得できるのは0件から100件までです。"


async def test_racing_clicks_verify_and_approve_once(gql, inbox, run_worker, store):
    import asyncio

    email = "race@example.jp"
    await gql(REGISTER, {"input": application(email=email)})
    await run_worker()
    token = link_token(inbox.to(email)[0], "/verify-email")
    results = await asyncio.gather(*[gql(VERIFY, {"token": token}) for _ in range(4)])
    statuses = sorted(str(r["verifyEmail"]["status"]) for r in results)
    assert statuses == ["None", "None", "None", "PENDING_APPROVAL"], results

    staff = await gql.login(DEMO_STAFF_EMAIL)
    apps = await gql(APPLICATIONS, {"first": 10}, token=staff)
    user_id = next(
        e["node"]["id"]
        for e in apps["registrationApplications"]["edges"]
        if e["node"]["email"] == email
    )
    decisions = await asyncio.gather(
        gql(APPROVE, {"id": user_id}, token=staff),
        gql(APPROVE, {"id": user_id}, token=staff),
        gql(REJECT, {"id": user_id, "reason": "重複"}, token=staff),
    )
    winners = [
        d
        for d in decisions
        if not (d.get("approveRegistration") or d.get("rejectRegistration"))["userErrors"]
    ]
    assert len(winners) == 1, decisions
    await run_worker()
    # application received + exactly one decision mail
    assert len(inbox.to(email)) == 3
