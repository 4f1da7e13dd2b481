"""Password change, both password-reset flows and email change, end to end over HTTP."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import pytest

from api import clock
from api.accounts.models import (
    EmailToken,
    SecurityEvent,
    SecurityEventKind,
    Session,
    TrustedBrowser,
    User,
)
from api.demo import DEMO_APPLICANT_EMAIL, DEMO_MEMBER_EMAIL, DEMO_PASSWORD, DEMO_STAFF_EMAIL
from api.stores.policy import PasswordResetFlow
from api.tokens import new_token
from tests.conftest import body_html, body_text
from tests.helpers import link_token, seed

NEW_PASSWORD = "Sora-umi-2027"  # noqa: S105 - test data

CHANGE_PASSWORD = """
mutation Change($input: ChangePasswordInput!) {
  changePassword(input: $input) { user { id email } userErrors { field code message } }
}"""

REQUEST_RESET = """
mutation Request($input: RequestPasswordResetInput!) {
  requestPasswordReset(input: $input) { accepted userErrors { field code message } }
}"""

RESET = """
mutation Reset($input: ResetPasswordInput!) {
  resetPassword(input: $input) { ok userErrors { field code message } }
}"""

REQUEST_EMAIL_CHANGE = """
mutation RequestEmailChange($input: RequestEmailChangeInput!) {
  requestEmailChange(input: $input) { accepted userErrors { field code message } }
}"""

CONFIRM_EMAIL_CHANGE = """
mutation ConfirmEmailChange($input: ConfirmEmailChangeInput!) {
  confirmEmailChange(input: $input) { email user { email } userErrors { field code message } }
}"""

ME = "{ me { email } }"


@pytest.fixture
async def store(settings):
    await seed(settings)


@pytest.fixture(autouse=True)
def restore_policy(rt):
    policy = rt.policy
    yield
    rt.policy = policy


def use_flow(rt, flow: PasswordResetFlow) -> None:
    rt.policy = rt.policy.model_copy(update={"password_reset": flow})


def mails(inbox, address: str, subject: str) -> list:
    return [m for m in inbox.to(address) if subject in m["Subject"]]


def temporary_password(message) -> str:
    match = re.search(r"仮パスワード: ([A-Za-z0-9]{10})", body_text(message))
    assert match, body_text(message)
    return match.group(1)


async def login_errors(gql, email: str, password: str) -> list[str]:
    data = await gql(
        "mutation L($input: LoginInput!) { login(input: $input) { userErrors { code } } }",
        {"input": {"loginId": email, "password": password}},
    )
    return [e["code"] for e in data["login"]["userErrors"]]


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["userErrors"]]


async def request_temporary_reset(gql, inbox, run_worker, email=DEMO_MEMBER_EMAIL):
    data = await gql(REQUEST_RESET, {"input": {"loginId": email}})
    assert data["requestPasswordReset"] == {"accepted": True, "userErrors": []}
    await run_worker()
    [temporary] = mails(inbox, email, "仮パスワード発行")[-1:]
    [link] = mails(inbox, email, "パスワード再設定のご案内")[-1:]
    return link_token(link, "https://shop.example.test/password-reset"), temporary_password(
        temporary
    )


# ---- change -------------------------------------------------------------------------------


async def test_change_password_keeps_this_session_and_ends_the_others(
    gql, inbox, run_worker, store
):
    here = await gql.login(DEMO_MEMBER_EMAIL)
    elsewhere = await gql.login(DEMO_MEMBER_EMAIL)
    user = await User.get(email=DEMO_MEMBER_EMAIL)
    await TrustedBrowser.create(
        user=user, token_hash=new_token()[1], expires_at=clock.now() + timedelta(days=30)
    )
    inbox.clear()

    wrong = await gql(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": "nope-nope-1", "newPassword": NEW_PASSWORD}},
        token=here,
    )
    assert wrong["changePassword"]["user"] is None
    assert wrong["changePassword"]["userErrors"] == [
        {
            "field": ["currentPassword"],
            "code": "PASSWORD_INCORRECT",
            "message": "現在のパスワードが正しくありません。",
        }
    ]
    weak = await gql(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": DEMO_PASSWORD, "newPassword": "kumosora"}},
        token=here,
    )
    assert codes(weak["changePassword"]) == ["PASSWORD_TOO_SIMPLE"]
    assert weak["changePassword"]["userErrors"][0]["field"] == ["newPassword"]
    same = await gql(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": DEMO_PASSWORD, "newPassword": DEMO_PASSWORD}},
        token=here,
    )
    assert codes(same["changePassword"]) == ["PASSWORD_SAME_AS_CURRENT"]
    await run_worker()
    assert inbox.messages == []  # refusals change nothing and send nothing

    done = await gql(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": DEMO_PASSWORD, "newPassword": NEW_PASSWORD}},
        token=here,
    )
    assert done["changePassword"]["userErrors"] == []
    assert done["changePassword"]["user"]["email"] == DEMO_MEMBER_EMAIL
    assert (await gql(ME, token=here))["me"] == {"email": DEMO_MEMBER_EMAIL}
    assert (await gql(ME, token=elsewhere))["me"] is None
    assert not await TrustedBrowser.filter(user_id=user.id, revoked_at__isnull=True).exists()
    await user.refresh_from_db()
    assert user.password_changed_at is not None

    await run_worker()
    [notice] = mails(inbox, DEMO_MEMBER_EMAIL, "パスワード変更のお知らせ")
    assert NEW_PASSWORD not in body_text(notice) and NEW_PASSWORD not in body_html(notice)
    assert "https://shop.example.test/password-reset" in body_text(notice)
    assert await SecurityEvent.exists(user_id=user.id, kind=SecurityEventKind.PASSWORD_CHANGED)

    assert await login_errors(gql, DEMO_MEMBER_EMAIL, DEMO_PASSWORD) == ["INVALID_CREDENTIALS"]
    assert await gql.login(DEMO_MEMBER_EMAIL, NEW_PASSWORD)


async def test_change_password_needs_a_session(gql, store):
    data = await gql(
        CHANGE_PASSWORD,
        {"input": {"currentPassword": DEMO_PASSWORD, "newPassword": NEW_PASSWORD}},
        expect_errors=True,
    )
    assert data["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


# ---- reset with a temporary password (manual 004) --------------------------------------


async def test_temporary_password_reset(gql, inbox, run_worker, rt, store):
    assert rt.policy.password_reset == PasswordResetFlow.TEMPORARY_PASSWORD
    before = await gql.login(DEMO_MEMBER_EMAIL)
    inbox.clear()
    token, temporary = await request_temporary_reset(gql, inbox, run_worker)
    assert len(inbox.to(DEMO_MEMBER_EMAIL)) == 2
    [link_mail] = mails(inbox, DEMO_MEMBER_EMAIL, "パスワード再設定のご案内")
    assert temporary not in body_text(link_mail) and temporary not in body_html(link_mail)
    assert token in body_html(link_mail)
    [temporary_mail] = mails(inbox, DEMO_MEMBER_EMAIL, "仮パスワード発行")
    assert "?token=" not in body_text(temporary_mail)
    assert temporary in body_html(temporary_mail)
    # The temporary password is not a password to sign in with.
    assert await login_errors(gql, DEMO_MEMBER_EMAIL, temporary) == ["INVALID_CREDENTIALS"]

    missing = await gql(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}})
    assert missing["resetPassword"]["userErrors"][0]["field"] == ["temporaryPassword"]
    assert missing["resetPassword"]["userErrors"][0]["code"] == "REQUIRED"
    wrong = await gql(
        RESET,
        {"input": {"token": token, "newPassword": NEW_PASSWORD, "temporaryPassword": "x" * 10}},
    )
    assert wrong["resetPassword"] == {
        "ok": False,
        "userErrors": [
            {
                "field": ["temporaryPassword"],
                "code": "TEMPORARY_PASSWORD_INVALID",
                "message": "仮パスワードが正しくありません（残り4回）。",
            }
        ],
    }
    weak = await gql(
        RESET,
        {"input": {"token": token, "newPassword": "kumosora", "temporaryPassword": temporary}},
    )
    assert codes(weak["resetPassword"]) == ["PASSWORD_TOO_SIMPLE"]

    done = await gql(
        RESET,
        {
            "input": {
                "token": token,
                "newPassword": NEW_PASSWORD,
                # Pasted from the mail with a stray space: still accepted.
                "temporaryPassword": f" {temporary} ",
            }
        },
    )
    assert done["resetPassword"] == {"ok": True, "userErrors": []}
    again = await gql(
        RESET,
        {"input": {"token": token, "newPassword": "Other-pass-31", "temporaryPassword": temporary}},
    )
    assert codes(again["resetPassword"]) == ["TOKEN_INVALID"]

    assert (await gql(ME, token=before))["me"] is None  # every session ended
    await run_worker()
    [notice] = mails(inbox, DEMO_MEMBER_EMAIL, "パスワード変更のお知らせ")
    assert NEW_PASSWORD not in body_text(notice)
    assert await login_errors(gql, DEMO_MEMBER_EMAIL, DEMO_PASSWORD) == ["INVALID_CREDENTIALS"]
    assert await gql.login(DEMO_MEMBER_EMAIL, NEW_PASSWORD)
    user = await User.get(email=DEMO_MEMBER_EMAIL)
    kinds = set(await SecurityEvent.filter(user_id=user.id).values_list("kind", flat=True))
    assert {SecurityEventKind.PASSWORD_RESET_REQUESTED, SecurityEventKind.PASSWORD_RESET} <= kinds


async def test_five_wrong_temporary_passwords_kill_the_link(gql, inbox, run_worker, store):
    token, temporary = await request_temporary_reset(gql, inbox, run_worker)
    attempt = {"token": token, "newPassword": NEW_PASSWORD, "temporaryPassword": "WrongPass9"}
    for left in (4, 3, 2, 1):
        data = await gql(RESET, {"input": attempt})
        [error] = data["resetPassword"]["userErrors"]
        assert error["code"] == "TEMPORARY_PASSWORD_INVALID" and f"残り{left}回" in error["message"]
    fifth = await gql(RESET, {"input": attempt})
    assert codes(fifth["resetPassword"]) == ["RESET_ATTEMPTS_EXCEEDED"]
    right = await gql(RESET, {"input": {**attempt, "temporaryPassword": temporary}})
    assert codes(right["resetPassword"]) == ["TOKEN_INVALID"]
    assert await login_errors(gql, DEMO_MEMBER_EMAIL, NEW_PASSWORD) == ["INVALID_CREDENTIALS"]


async def test_a_new_request_kills_the_older_link_and_links_expire(
    gql, inbox, run_worker, rt, store
):
    first, first_temporary = await request_temporary_reset(gql, inbox, run_worker)
    second, second_temporary = await request_temporary_reset(gql, inbox, run_worker)
    assert first != second and first_temporary != second_temporary
    old = await gql(
        RESET,
        {
            "input": {
                "token": first,
                "newPassword": NEW_PASSWORD,
                "temporaryPassword": first_temporary,
            }
        },
    )
    assert codes(old["resetPassword"]) == ["TOKEN_INVALID"]
    clock.travel(rt.settings.password_reset_minutes * 60 + 1)
    late = await gql(
        RESET,
        {
            "input": {
                "token": second,
                "newPassword": NEW_PASSWORD,
                "temporaryPassword": second_temporary,
            }
        },
    )
    assert codes(late["resetPassword"]) == ["TOKEN_EXPIRED"]
    garbage = await gql(RESET, {"input": {"token": "nope", "newPassword": NEW_PASSWORD}})
    assert codes(garbage["resetPassword"]) == ["TOKEN_INVALID"]


# ---- reset by email and phone (manual 000) ---------------------------------------------


async def test_email_and_phone_reset(gql, inbox, run_worker, rt, store):
    use_flow(rt, PasswordResetFlow.EMAIL_AND_PHONE)
    missing = await gql(REQUEST_RESET, {"input": {"loginId": DEMO_MEMBER_EMAIL}})
    assert missing["requestPasswordReset"]["accepted"] is False
    assert missing["requestPasswordReset"]["userErrors"][0]["field"] == ["phone"]
    assert missing["requestPasswordReset"]["userErrors"][0]["code"] == "REQUIRED"
    bad = await gql(REQUEST_RESET, {"input": {"loginId": DEMO_MEMBER_EMAIL, "phone": "12-34"}})
    assert codes(bad["requestPasswordReset"]) == ["INVALID_PHONE"]

    # Hyphens (and full-width digits) are optional; the login ID is case-insensitive.
    data = await gql(
        REQUEST_RESET,
        {"input": {"loginId": DEMO_MEMBER_EMAIL.upper(), "phone": "０３-１２３４-５６７８"}},
    )
    assert data["requestPasswordReset"] == {"accepted": True, "userErrors": []}
    await run_worker()
    [link_mail] = inbox.to(DEMO_MEMBER_EMAIL)
    assert "パスワード再設定のご案内" in link_mail["Subject"]
    assert "仮パスワード" not in body_text(link_mail)
    token = link_token(link_mail, "https://shop.example.test/password-reset")
    assert token in body_html(link_mail)

    done = await gql(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}})
    assert done["resetPassword"] == {"ok": True, "userErrors": []}
    assert await gql.login(DEMO_MEMBER_EMAIL, NEW_PASSWORD)


async def test_no_enumeration(gql, inbox, run_worker, rt, store):
    known = await gql(REQUEST_RESET, {"input": {"loginId": DEMO_MEMBER_EMAIL}})
    unknown = await gql(REQUEST_RESET, {"input": {"loginId": "ghost@example.jp"}})
    pending = await gql(REQUEST_RESET, {"input": {"loginId": DEMO_APPLICANT_EMAIL}})
    assert (
        known
        == unknown
        == pending
        == {"requestPasswordReset": {"accepted": True, "userErrors": []}}
    )

    use_flow(rt, PasswordResetFlow.EMAIL_AND_PHONE)
    cases = [
        (DEMO_MEMBER_EMAIL, "090-0000-0000"),  # a real account, the wrong phone
        ("ghost@example.jp", "03-1234-5678"),
        (DEMO_STAFF_EMAIL, "03-1234-5678"),  # staff have no phone on file
    ]
    for login_id, phone in cases:
        data = await gql(REQUEST_RESET, {"input": {"loginId": login_id, "phone": phone}})
        assert data == known, login_id
    await run_worker()
    # Only the real, active account of the first request got mail: its two messages.
    assert sorted(m["To"] for m in inbox.messages) == [DEMO_MEMBER_EMAIL, DEMO_MEMBER_EMAIL]


async def test_reset_unlocks_a_locked_account_and_revokes_sessions(
    gql, inbox, run_worker, rt, store
):
    use_flow(rt, PasswordResetFlow.EMAIL_AND_PHONE)
    await gql.login(DEMO_MEMBER_EMAIL)
    user = await User.get(email=DEMO_MEMBER_EMAIL)
    await TrustedBrowser.create(
        user=user, token_hash=new_token()[1], expires_at=clock.now() + timedelta(days=30)
    )
    await User.filter(id=user.id).update(
        locked_at=clock.now(), lock_reason="too many failed sign-ins", failed_login_count=10
    )
    assert await login_errors(gql, DEMO_MEMBER_EMAIL, DEMO_PASSWORD) == ["ACCOUNT_LOCKED"]
    inbox.clear()

    await gql(REQUEST_RESET, {"input": {"loginId": DEMO_MEMBER_EMAIL, "phone": "0312345678"}})
    await run_worker()
    token = link_token(inbox.to(DEMO_MEMBER_EMAIL)[0], "/password-reset")
    done = await gql(RESET, {"input": {"token": token, "newPassword": NEW_PASSWORD}})
    assert done["resetPassword"] == {"ok": True, "userErrors": []}

    await user.refresh_from_db()
    assert (user.locked_at, user.lock_reason, user.failed_login_count) == (None, "", 0)
    assert not await Session.filter(user_id=user.id, revoked_at__isnull=True).exists()
    assert not await TrustedBrowser.filter(user_id=user.id, revoked_at__isnull=True).exists()
    unlocked = await SecurityEvent.get(user_id=user.id, kind=SecurityEventKind.UNLOCKED)
    assert unlocked.detail == "password reset" and unlocked.ip_address == "203.0.113.7"
    assert await gql.login(DEMO_MEMBER_EMAIL, NEW_PASSWORD)


async def test_racing_resets_use_the_link_once(gql, inbox, run_worker, rt, store):
    use_flow(rt, PasswordResetFlow.EMAIL_AND_PHONE)
    await gql(REQUEST_RESET, {"input": {"loginId": DEMO_MEMBER_EMAIL, "phone": "0312345678"}})
    await run_worker()
    token = link_token(inbox.to(DEMO_MEMBER_EMAIL)[0], "/password-reset")
    results = await asyncio.gather(
        *[
            gql(RESET, {"input": {"token": token, "newPassword": f"Race-pass-{i}{i}x"}})
            for i in range(4)
        ]
    )
    assert sorted(r["resetPassword"]["ok"] for r in results) == [False, False, False, True]
    await run_worker()
    assert len(mails(inbox, DEMO_MEMBER_EMAIL, "パスワード変更のお知らせ")) == 1


async def test_reset_requests_are_rate_limited(gql, inbox, run_worker, rt, store):
    limit = rt.settings.password_reset_limit_per_account
    for login_id in (DEMO_MEMBER_EMAIL, "ghost@example.jp"):  # the same for unknown IDs
        for _ in range(limit):
            data = await gql(REQUEST_RESET, {"input": {"loginId": login_id}})
            assert data["requestPasswordReset"]["accepted"] is True
        limited = await gql(REQUEST_RESET, {"input": {"loginId": login_id}})
        [error] = limited["requestPasswordReset"]["userErrors"]
        assert error["code"] == "RATE_LIMITED" and "秒後" in error["message"]
    await run_worker()
    assert len(inbox.to(DEMO_MEMBER_EMAIL)) == 2 * limit

    per_ip = rt.settings.password_reset_limit_per_ip
    for i in range(per_ip - 2 * limit - 2):  # the limited calls counted against the IP too
        data = await gql(REQUEST_RESET, {"input": {"loginId": f"n{i}@example.jp"}})
        assert data["requestPasswordReset"]["accepted"] is True, i
    limited = await gql(REQUEST_RESET, {"input": {"loginId": "fresh@example.jp"}})
    assert codes(limited["requestPasswordReset"]) == ["RATE_LIMITED"]


# ---- email (login ID) change -----------------------------------------------------------


async def test_email_change_end_to_end(gql, inbox, run_worker, store):
    token = await gql.login(DEMO_MEMBER_EMAIL)
    inbox.clear()
    new = "taro.yamada@example.jp"

    def ask(password: str, email: str):  # noqa: ANN202
        return gql(
            REQUEST_EMAIL_CHANGE,
            {"input": {"currentPassword": password, "newEmail": email}},
            token=token,
        )

    assert codes((await ask("wrong-pass-1", new))["requestEmailChange"]) == ["PASSWORD_INCORRECT"]
    assert codes((await ask(DEMO_PASSWORD, "nope"))["requestEmailChange"]) == ["INVALID_EMAIL"]
    same = await ask(DEMO_PASSWORD, DEMO_MEMBER_EMAIL.upper())
    assert codes(same["requestEmailChange"]) == ["EMAIL_UNCHANGED"]

    data = await ask(DEMO_PASSWORD, "Taro.Yamada@Example.JP")
    assert data["requestEmailChange"] == {"accepted": True, "userErrors": []}
    # Nothing changes before the new address is confirmed.
    assert (await gql(ME, token=token))["me"] == {"email": DEMO_MEMBER_EMAIL}
    await run_worker()
    [verify] = inbox.to(new)
    assert "メールアドレス変更の確認" in verify["Subject"]
    link = link_token(verify, "https://shop.example.test/confirm-email-change")
    assert link in body_html(verify) and DEMO_PASSWORD not in body_text(verify)
    [requested] = inbox.to(DEMO_MEMBER_EMAIL)
    assert "お申し込み" in requested["Subject"] and new in body_text(requested)
    assert "?token=" not in body_text(requested)

    confirmed = await gql(CONFIRM_EMAIL_CHANGE, {"input": {"token": link}})
    assert confirmed["confirmEmailChange"] == {"email": new, "user": None, "userErrors": []}
    again = await gql(CONFIRM_EMAIL_CHANGE, {"input": {"token": link}}, token=token)
    assert codes(again["confirmEmailChange"]) == ["TOKEN_INVALID"]
    assert (await gql(ME, token=token))["me"] == {"email": new}  # the session survives

    await run_worker()
    completed = mails(inbox, DEMO_MEMBER_EMAIL, "変更完了")
    assert len(completed) == 1 and new in body_text(completed[0])
    assert await login_errors(gql, DEMO_MEMBER_EMAIL, DEMO_PASSWORD) == ["INVALID_CREDENTIALS"]
    assert await gql.login(new, DEMO_PASSWORD)
    user = await User.get(email=new)
    kinds = set(await SecurityEvent.filter(user_id=user.id).values_list("kind", flat=True))
    assert {SecurityEventKind.EMAIL_CHANGE_REQUESTED, SecurityEventKind.EMAIL_CHANGED} <= kinds


async def test_confirming_while_signed_in_returns_the_user(gql, inbox, run_worker, store):
    token = await gql.login(DEMO_MEMBER_EMAIL)
    await gql(
        REQUEST_EMAIL_CHANGE,
        {"input": {"currentPassword": DEMO_PASSWORD, "newEmail": "t2@example.jp"}},
        token=token,
    )
    await run_worker()
    link = link_token(inbox.to("t2@example.jp")[0], "/confirm-email-change")
    data = await gql(CONFIRM_EMAIL_CHANGE, {"input": {"token": link}}, token=token)
    assert data["confirmEmailChange"]["user"] == {"email": "t2@example.jp"}


async def test_taken_address_gets_the_same_answer_and_no_link(gql, inbox, run_worker, store):
    token = await gql.login(DEMO_MEMBER_EMAIL)
    inbox.clear()
    fresh = await gql(
        REQUEST_EMAIL_CHANGE,
        {"input": {"currentPassword": DEMO_PASSWORD, "newEmail": "free@example.jp"}},
        token=token,
    )
    taken = await gql(
        REQUEST_EMAIL_CHANGE,
        {"input": {"currentPassword": DEMO_PASSWORD, "newEmail": DEMO_STAFF_EMAIL}},
        token=token,
    )
    assert taken == fresh
    await run_worker()
    [notice] = inbox.to(DEMO_STAFF_EMAIL)
    assert "?token=" not in body_text(notice) and "?token=" not in body_html(notice)
    assert "すでに" in body_text(notice)
    # The newer request killed the link for the free address.
    link = link_token(inbox.to("free@example.jp")[0], "/confirm-email-change")
    data = await gql(CONFIRM_EMAIL_CHANGE, {"input": {"token": link}})
    assert codes(data["confirmEmailChange"]) == ["TOKEN_INVALID"]
    assert await User.exists(email=DEMO_MEMBER_EMAIL)
    assert not await EmailToken.filter(new_email=DEMO_STAFF_EMAIL).exists()


async def test_address_taken_before_confirmation(gql, inbox, run_worker, rt, store):
    token = await gql.login(DEMO_MEMBER_EMAIL)
    await gql(
        REQUEST_EMAIL_CHANGE,
        {"input": {"currentPassword": DEMO_PASSWORD, "newEmail": "late@example.jp"}},
        token=token,
    )
    await run_worker()
    link = link_token(inbox.to("late@example.jp")[0], "/confirm-email-change")
    await User.create(email="late@example.jp", password_hash="x", family_name="他", given_name="人")
    data = await gql(CONFIRM_EMAIL_CHANGE, {"input": {"token": link}})
    assert data["confirmEmailChange"]["email"] is None
    assert codes(data["confirmEmailChange"]) == ["EMAIL_TAKEN"]
    assert await User.exists(email=DEMO_MEMBER_EMAIL)


async def test_email_change_link_expires(gql, inbox, run_worker, rt, store):
    token = await gql.login(DEMO_MEMBER_EMAIL)
    await gql(
        REQUEST_EMAIL_CHANGE,
        {"input": {"currentPassword": DEMO_PASSWORD, "newEmail": "slow@example.jp"}},
        token=token,
    )
    await run_worker()
    link = link_token(inbox.to("slow@example.jp")[0], "/confirm-email-change")
    clock.travel(rt.settings.email_change_minutes * 60 + 1)
    data = await gql(CONFIRM_EMAIL_CHANGE, {"input": {"token": link}})
    assert codes(data["confirmEmailChange"]) == ["TOKEN_EXPIRED"]


async def test_messages_in_english(gql, store):
    data = await gql(REQUEST_RESET, {"input": {"loginId": "x"}}, headers={"Accept-Language": "en"})
    assert data["requestPasswordReset"]["userErrors"] == [
        {"field": ["loginId"], "code": "INVALID_EMAIL", "message": "Enter a valid email address."}
    ]
