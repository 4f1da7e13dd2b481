"""Sign-in with two-factor authentication, as a client does it over HTTP.

Codes come from the SMTP server (email), from pyotp (TOTP) or from the
backup codes the first sign-in handed out; time is moved with api.clock.
"""

from __future__ import annotations

import asyncio
import base64
import re

import pyotp
import pytest

from api import clock
from api.demo import DEMO_MEMBER_EMAIL, DEMO_PASSWORD, DEMO_STAFF_EMAIL
from api.stores.policy import TwoFactorRequirement
from tests.conftest import LOGIN, VERIFY_SECOND_FACTOR, body_text
from tests.helpers import seed


@pytest.fixture
async def store(settings):
    await seed(settings)


async def login(gql, email=DEMO_MEMBER_EMAIL, password=DEMO_PASSWORD, trusted=None):
    data = await gql(
        LOGIN, {"input": {"loginId": email, "password": password, "trustedBrowserToken": trusted}}
    )
    return data["login"]


async def verify(gql, challenge, method, code, trust=False):
    data = await gql(
        VERIFY_SECOND_FACTOR,
        {
            "input": {
                "challenge": challenge,
                "method": method,
                "code": code,
                "trustThisBrowser": trust,
            }
        },
    )
    return data["verifySecondFactor"]


async def test_required_two_factor_by_emailed_code(gql, inbox, store):
    first = await login(gql)
    assert first["session"] is None and first["userErrors"] == []
    challenge = first["challenge"]
    assert challenge["methods"] == ["EMAIL"]
    assert challenge["emailHint"] == "me****@example.com"

    wrong = await verify(gql, challenge["token"], "EMAIL", "000000")
    assert wrong["userErrors"][0]["code"] == "INVALID_CODE"
    assert "残り4回" in wrong["userErrors"][0]["message"]
    code = await gql.emailed_code(challenge["token"], DEMO_MEMBER_EMAIL)
    done = await verify(gql, challenge["token"], "EMAIL", code)
    assert done["userErrors"] == [] and done["session"]["token"]
    # The first two-factor sign-in hands out ten 8-digit backup codes, once, with a CSV.
    codes = done["backupCodes"]
    assert len(codes) == len(set(codes)) == 10 and all(re.fullmatch(r"\d{8}", c) for c in codes)
    csv = base64.b64decode(done["backupCodesCsv"].split(",", 1)[1]).decode("utf-8-sig")
    assert csv.splitlines()[0] == "no,backup_code" and codes[0] in csv
    # The challenge and the code are spent.
    again = await verify(gql, challenge["token"], "EMAIL", code)
    assert again["userErrors"][0]["code"] == "CHALLENGE_INVALID"
    me = await gql("{ me { email } }", token=done["session"]["token"])
    assert me["me"]["email"] == DEMO_MEMBER_EMAIL
    second = await gql.login(DEMO_MEMBER_EMAIL)  # no new backup codes the second time
    assert second


async def test_codes_and_challenges_expire_and_attempts_are_limited(gql, inbox, rt, store):
    rt.settings.login_challenge_minutes = 30  # outlive the code, to see the code expire
    try:
        challenge = (await login(gql))["challenge"]["token"]
    finally:
        rt.settings.login_challenge_minutes = 10
    code = await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL)
    clock.travel(rt.settings.two_factor_code_minutes * 60 + 1)
    assert (await verify(gql, challenge, "EMAIL", code))["userErrors"][0]["code"] == "INVALID_CODE"
    clock.travel(20 * 60)
    assert (await verify(gql, challenge, "EMAIL", code))["userErrors"][0][
        "code"
    ] == "CHALLENGE_EXPIRED"

    challenge = (await login(gql))["challenge"]["token"]
    code = await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL)
    for _ in range(rt.settings.two_factor_max_attempts - 1):
        await verify(gql, challenge, "EMAIL", "999999")
    last = await verify(gql, challenge, "EMAIL", "999999")
    assert "残り0回" in last["userErrors"][0]["message"]
    # Guessing used up the challenge: even the right code is refused now.
    assert (await verify(gql, challenge, "EMAIL", code))["userErrors"][0][
        "code"
    ] == "CHALLENGE_INVALID"


async def test_code_mails_are_rate_limited(gql, inbox, rt, store):
    challenge = (await login(gql))["challenge"]["token"]
    send = "mutation($c: String!) { sendLoginCode(input: {challenge: $c}) { sent userErrors { code } } }"
    for _ in range(rt.settings.two_factor_code_send_limit):
        assert (await gql(send, {"c": challenge}))["sendLoginCode"]["sent"] is True
    limited = await gql(send, {"c": challenge})
    assert limited["sendLoginCode"]["userErrors"] == [{"code": "RATE_LIMITED"}]


async def test_trusted_browser_skips_two_factor_until_revoked(gql, inbox, store):
    challenge = (await login(gql))["challenge"]["token"]
    code = await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL)
    done = await verify(gql, challenge, "EMAIL", code, trust=True)
    trusted = done["trustedBrowserToken"]
    assert trusted
    token = done["session"]["token"]
    direct = await login(gql, trusted=trusted)
    assert direct["challenge"] is None and direct["session"]["token"]
    status = await gql("{ myTwoFactor { trustedBrowsers { id } } }", token=token)
    [browser] = status["myTwoFactor"]["trustedBrowsers"]
    revoke = await gql(
        """mutation($id: ID!) { revokeTrustedBrowser(input:
        {trustedBrowserId: $id}) { ok userErrors { code } } }""",
        {"id": browser["id"]},
        token=token,
    )
    assert revoke["revokeTrustedBrowser"]["ok"] is True
    assert (await login(gql, trusted=trusted))["challenge"] is not None
    assert (await login(gql, trusted="forged-token"))["challenge"] is not None


async def test_browser_cookie_marks_the_browser_as_trusted(http, gql, inbox, store):
    challenge = (await login(gql))["challenge"]["token"]
    code = await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL)
    response = await http.post(
        "/graphql",
        json={
            "query": VERIFY_SECOND_FACTOR,
            "variables": {
                "input": {
                    "challenge": challenge,
                    "method": "EMAIL",
                    "code": code,
                    "trustThisBrowser": True,
                }
            },
        },
    )
    cookies = response.headers.get_list("set-cookie")
    assert any(c.startswith("torihiki_trusted_browser=") and "HttpOnly" in c for c in cookies)
    assert any(c.startswith("torihiki_session=") for c in cookies)
    again = await http.post(
        "/graphql",
        json={
            "query": LOGIN,
            "variables": {"input": {"loginId": DEMO_MEMBER_EMAIL, "password": DEMO_PASSWORD}},
        },
    )
    assert again.json()["data"]["login"]["session"] is not None
    http.cookies.clear()


async def test_totp_enrolment_sign_in_and_no_replay(gql, inbox, store):
    token = await gql.login(DEMO_MEMBER_EMAIL)
    start = await gql(
        """mutation { startTotpEnrollment { secret otpauthUri qrCodeSvg
        userErrors { code } } }""",
        token=token,
    )
    enrolment = start["startTotpEnrollment"]
    assert enrolment["otpauthUri"].startswith("otpauth://totp/")
    assert "issuer=torihiki" in enrolment["otpauthUri"]
    assert enrolment["qrCodeSvg"].startswith("data:image/svg+xml")
    totp = pyotp.TOTP(enrolment["secret"])
    confirm = (
        "mutation($c: String!) { confirmTotpEnrollment(input: {code: $c}) { userErrors { code } } }"
    )
    bad = await gql(confirm, {"c": "000000" if totp.now() != "000000" else "111111"}, token=token)
    assert bad["confirmTotpEnrollment"]["userErrors"][0]["code"] == "CODE_MISMATCH"
    ok = await gql(confirm, {"c": totp.now()}, token=token)
    assert ok["confirmTotpEnrollment"]["userErrors"] == []

    clock.travel(30)  # next time step: the enrolment code may not be replayed
    challenge = (await login(gql))["challenge"]
    assert challenge["methods"] == ["TOTP", "BACKUP_CODE"]  # no emailed codes with TOTP
    code = totp.at(clock.now())
    done = await verify(gql, challenge["token"], "TOTP", code)
    assert done["userErrors"] == [] and done["session"]
    replay = (await login(gql))["challenge"]["token"]
    assert (await verify(gql, replay, "TOTP", code))["userErrors"][0]["code"] == "INVALID_CODE"
    status = await gql("{ myTwoFactor { totpEnabled enabled required canOptOut } }", token=token)
    assert status["myTwoFactor"] == {
        "totpEnabled": True,
        "enabled": True,
        "required": True,
        "canOptOut": False,
    }
    off = await gql(
        """mutation { disableTotp(input: {password: "Demo-pass-2026"}) {
        ok userErrors { code } } }""",
        token=token,
    )
    assert off["disableTotp"]["ok"] is True
    assert (await login(gql))["challenge"]["methods"] == ["EMAIL", "BACKUP_CODE"]


async def test_backup_codes_are_single_use_and_regenerable(gql, inbox, store):
    challenge = (await login(gql))["challenge"]["token"]
    done = await verify(
        gql, challenge, "EMAIL", await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL)
    )
    codes, token = done["backupCodes"], done["session"]["token"]
    challenge = (await login(gql))["challenge"]["token"]
    used = await verify(gql, challenge, "BACKUP_CODE", f"{codes[0][:4]}-{codes[0][4:]}")
    assert used["userErrors"] == [] and used["backupCodes"] is None
    challenge = (await login(gql))["challenge"]["token"]
    assert (await verify(gql, challenge, "BACKUP_CODE", codes[0]))["userErrors"][0][
        "code"
    ] == "INVALID_CODE"
    status = await gql("{ myTwoFactor { backupCodesRemaining backupCodesLow } }", token=token)
    assert status["myTwoFactor"] == {"backupCodesRemaining": 9, "backupCodesLow": False}
    wrong = await gql(
        """mutation { regenerateBackupCodes(input: {password: "nope"}) {
        backupCodes userErrors { code } } }""",
        token=token,
    )
    assert wrong["regenerateBackupCodes"]["userErrors"] == [{"code": "PASSWORD_INCORRECT"}]
    fresh = await gql(
        """mutation { regenerateBackupCodes(input: {password: "Demo-pass-2026"}) {
        backupCodes backupCodesCsv userErrors { code } } }""",
        token=token,
    )
    new_codes = fresh["regenerateBackupCodes"]["backupCodes"]
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    challenge = (await login(gql))["challenge"]["token"]
    assert (await verify(gql, challenge, "BACKUP_CODE", codes[1]))["userErrors"][0][
        "code"
    ] == "INVALID_CODE"


async def test_one_backup_code_racing_twice_succeeds_once(gql, inbox, store):
    challenge = (await login(gql))["challenge"]["token"]
    done = await verify(
        gql, challenge, "EMAIL", await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL)
    )
    code = done["backupCodes"][0]
    challenges = [(await login(gql))["challenge"]["token"] for _ in range(3)]
    results = await asyncio.gather(*[verify(gql, c, "BACKUP_CODE", code) for c in challenges])
    winners = [r for r in results if not r["userErrors"]]
    assert len(winners) == 1, results


async def test_lockout_after_failures_and_unlock_by_staff(gql, inbox, run_worker, rt, store):
    rt.settings.lock_after_failures = 3
    try:
        for _ in range(3):
            bad = await login(gql, password="wrong-password-1")
            assert bad["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    finally:
        rt.settings.lock_after_failures = 10
    # A guessing lock answers even the right password as a wrong one: the lock is not
    # revealed to a guesser, nor is a right guess (tests/e2e/test_account_security.py).
    locked = await login(gql)
    assert locked["userErrors"][0]["code"] == "INVALID_CREDENTIALS"
    await run_worker()
    [notice] = [m for m in inbox.to(DEMO_MEMBER_EMAIL) if "ロック" in m["Subject"]]
    assert "password-reset" in body_text(notice)

    staff = await gql.login(DEMO_STAFF_EMAIL)
    member_id = (
        await gql(
            """{ registrationApplications(filter: {status: ACTIVE}) {
        nodes { id email } } }""",
            token=staff,
        )
    )["registrationApplications"]["nodes"]
    member_id = next(n["id"] for n in member_id if n["email"] == DEMO_MEMBER_EMAIL)
    unlock = "mutation($id: ID!) { unlockUser(input: {userId: $id}) { userErrors { code } } }"
    assert (await gql(unlock, {"id": member_id}, token=staff))["unlockUser"]["userErrors"] == []
    assert (await gql(unlock, {"id": member_id}, token=staff))["unlockUser"]["userErrors"] == [
        {"code": "INVALID_STATUS"}
    ]
    member = await gql.login(DEMO_MEMBER_EMAIL)

    lock = """mutation($id: ID!) { lockUser(input: {userId: $id, reason: "不正利用の疑い"}) {
        user { lockedAt } userErrors { code } } }"""
    locked_now = (await gql(lock, {"id": member_id}, token=staff))["lockUser"]
    assert locked_now["userErrors"] == [] and locked_now["user"]["lockedAt"]
    assert (await gql("{ me { email } }", token=member))["me"] is None  # sessions ended
    events = await gql(
        """query($id: ID!) { securityEvents(userId: $id, first: 50) {
        nodes { kind byStaff detail } } }""",
        {"id": member_id},
        token=staff,
    )
    kinds = [e["kind"] for e in events["securityEvents"]["nodes"]]
    assert {"LOCKED", "UNLOCKED", "LOGIN_FAILED", "LOGIN_SUCCEEDED"} <= set(kinds)
    by_staff = [e for e in events["securityEvents"]["nodes"] if e["kind"] == "LOCKED"][0]
    assert by_staff == {"kind": "LOCKED", "byStaff": True, "detail": "不正利用の疑い"}
    forbidden = await gql(lock, {"id": member_id}, token=member, expect_errors=True)
    assert forbidden["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_sessions_are_listed_and_revocable(gql, inbox, store):
    one = await gql.login(DEMO_MEMBER_EMAIL)
    two = await gql.login(DEMO_MEMBER_EMAIL)
    listed = await gql("{ mySessions { totalCount nodes { id current ipAddress } } }", token=one)
    nodes = listed["mySessions"]["nodes"]
    assert listed["mySessions"]["totalCount"] == 2
    assert [n["current"] for n in nodes].count(True) == 1
    assert all(n["ipAddress"] == "203.0.113.7" for n in nodes)
    other = next(n["id"] for n in nodes if not n["current"])
    revoke = (
        "mutation($id: ID!) { revokeSession(input: {sessionId: $id}) { ok userErrors { code } } }"
    )
    assert (await gql(revoke, {"id": other}, token=one))["revokeSession"]["ok"] is True
    assert (await gql("{ me { email } }", token=two))["me"] is None
    # Another user's session id is "not found", never revoked.
    staff = await gql.login(DEMO_STAFF_EMAIL)
    staff_session = await gql("{ mySessions { nodes { id } } }", token=staff)
    staff_id = staff_session["mySessions"]["nodes"][0]["id"]
    assert (await gql(revoke, {"id": staff_id}, token=one))["revokeSession"]["userErrors"] == [
        {"code": "NOT_FOUND"}
    ]
    three = await gql.login(DEMO_MEMBER_EMAIL)
    await gql("mutation { revokeOtherSessions { ok } }", token=three)
    assert (await gql("{ me { email } }", token=one))["me"] is None
    assert (await gql("{ me { email } }", token=three))["me"]["email"] == DEMO_MEMBER_EMAIL
    events = await gql("{ mySecurityEvents(first: 100) { nodes { kind ipAddress } } }", token=three)
    assert "SESSION_REVOKED" in {e["kind"] for e in events["mySecurityEvents"]["nodes"]}


async def test_optional_two_factor_is_the_members_choice(gql, inbox, store, set_policy):
    set_policy(two_factor=TwoFactorRequirement.OPTIONAL)
    plain = await login(gql)
    assert plain["session"] is not None and plain["challenge"] is None
    token = plain["session"]["token"]
    turn_on = """mutation { setTwoFactor(input: {enabled: true, password: "Demo-pass-2026"}) {
        ok userErrors { code } } }"""
    assert (await gql(turn_on, token=token))["setTwoFactor"]["ok"] is True
    assert (await login(gql))["challenge"] is not None
    set_policy(two_factor=TwoFactorRequirement.OFF)
    assert (await login(gql))["session"] is not None
    refused = await gql(turn_on, token=token)
    assert refused["setTwoFactor"]["userErrors"] == [{"code": "TWO_FACTOR_NOT_OPTIONAL"}]


async def test_two_factor_changes_revoke_trusted_browsers(gql, inbox, store):
    challenge = (await login(gql))["challenge"]["token"]
    done = await verify(
        gql, challenge, "EMAIL", await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL), trust=True
    )
    trusted, token = done["trustedBrowserToken"], done["session"]["token"]
    totp_secret = (await gql("mutation { startTotpEnrollment { secret } }", token=token))[
        "startTotpEnrollment"
    ]["secret"]
    await gql(
        "mutation($c: String!) { confirmTotpEnrollment(input: {code: $c}) { userErrors { code } } }",
        {"c": pyotp.TOTP(totp_secret).now()},
        token=token,
    )
    assert (await login(gql, trusted=trusted))["challenge"] is not None


async def test_password_change_kills_trusted_browsers_and_reset_still_asks_2fa(
    gql, inbox, run_worker, store
):
    challenge = (await login(gql))["challenge"]["token"]
    done = await verify(
        gql, challenge, "EMAIL", await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL), trust=True
    )
    trusted, token = done["trustedBrowserToken"], done["session"]["token"]
    assert (await login(gql, trusted=trusted))["session"] is not None
    changed = await gql(
        """mutation { changePassword(input: {currentPassword: "Demo-pass-2026",
        newPassword: "Umi-yama-2027"}) { userErrors { code } } }""",
        token=token,
    )
    assert changed["changePassword"]["userErrors"] == []
    after = await login(gql, password="Umi-yama-2027", trusted=trusted)
    assert after["session"] is None and after["challenge"] is not None

    # A reset never hands out a session: the next sign-in still needs the second factor.
    await gql("""mutation { requestPasswordReset(input: {loginId: "member@example.com"}) {
        userErrors { code } } }""")
    await run_worker()
    mails = inbox.to(DEMO_MEMBER_EMAIL)
    temporary = next(
        re.search(r"仮パスワード[:：]\s*(\S+)", body_text(m)).group(1)
        for m in mails
        if re.search(r"仮パスワード[:：]\s*\S+", body_text(m))
    )
    link = next(
        re.search(r"password-reset\?token=([\w\-]+)", body_text(m)).group(1)
        for m in mails
        if "password-reset?token=" in body_text(m)
    )
    reset = await gql(
        """mutation($t: String!, $p: String!) { resetPassword(input: {token: $t,
        temporaryPassword: $p, newPassword: "Kaze-hana-2028"}) { userErrors { code } } }""",
        {"t": link, "p": temporary},
    )
    assert reset["resetPassword"]["userErrors"] == []
    again = await login(gql, password="Kaze-hana-2028", trusted=trusted)
    assert again["session"] is None and again["challenge"] is not None
