"""Account security over HTTP: temporary guessing locks, the audit trail of sign-in,
second factors after a reset, step-up, security notices, password rules and set-up.

Mails are read from the SMTP server; time is moved with api.clock.
"""

from __future__ import annotations

import re

import pytest

from api import clock
from api.accounts.models import SecurityEvent, SecurityEventKind, User
from api.demo import DEMO_MEMBER_EMAIL, DEMO_PASSWORD, DEMO_STAFF_EMAIL
from tests.conftest import LOGIN, body_text
from tests.helpers import seed


@pytest.fixture
async def store(settings):
    await seed(settings)


async def login(gql, email=DEMO_MEMBER_EMAIL, password=DEMO_PASSWORD):
    data = await gql(LOGIN, {"input": {"loginId": email, "password": password}})
    return data["login"]


def codes(payload):
    return [e["code"] for e in payload["userErrors"]]


async def member_id(gql, staff_token, email=DEMO_MEMBER_EMAIL):
    nodes = (
        await gql(
            """{ registrationApplications(filter: {status: ACTIVE}, first: 50) {
            nodes { id email } } }""",
            token=staff_token,
        )
    )["registrationApplications"]["nodes"]
    return next(n["id"] for n in nodes if n["email"] == email)


# ---- lockout ---------------------------------------------------------------------------


@pytest.fixture
def three_strikes(rt):
    s = rt.settings
    saved = (s.lock_after_failures, s.lock_minutes_first, s.lock_minutes_max)
    s.lock_after_failures, s.lock_minutes_first, s.lock_minutes_max = 3, 5, 20
    yield
    s.lock_after_failures, s.lock_minutes_first, s.lock_minutes_max = saved


async def test_guessing_locks_for_a_while_growing_to_a_bound(
    gql, inbox, run_worker, rt, store, three_strikes
):
    async def guess(times):
        for _ in range(times):
            assert codes(await login(gql, password="wrong-password-1")) == ["INVALID_CREDENTIALS"]

    async def locked_for():
        user = await User.get(email=DEMO_MEMBER_EMAIL)
        return round((user.locked_until - clock.now()).total_seconds() / 60)

    await guess(3)
    assert await locked_for() == 5
    # During the lock even the right password gets the guesser's answer: no oracle.
    assert codes(await login(gql)) == ["INVALID_CREDENTIALS"]
    await run_worker()
    [notice] = [m for m in inbox.to(DEMO_MEMBER_EMAIL) if "ロック" in m["Subject"]]
    assert "5 分間" in body_text(notice) and "password-reset" in body_text(notice)
    inbox.clear()

    # The lock ends by itself; the next three wrong ones lock twice as long, up to the bound.
    for minutes in (10, 20, 20):
        clock.travel(61 * 60)
        await rt.limiter.reset("login-account", DEMO_MEMBER_EMAIL)
        await guess(3)
        assert await locked_for() == minutes
    await run_worker()
    assert len([m for m in inbox.to(DEMO_MEMBER_EMAIL) if "ロック" in m["Subject"]]) == 3

    # After it the owner signs in, and the count starts again from nothing.
    clock.travel(21 * 60)
    await rt.limiter.reset("login-account", DEMO_MEMBER_EMAIL)
    token = await gql.login(DEMO_MEMBER_EMAIL)
    assert token
    user = await User.get(email=DEMO_MEMBER_EMAIL)
    assert (user.failed_login_count, user.locked_until, user.locked_at) == (0, None, None)
    await guess(2)
    assert (await User.get(email=DEMO_MEMBER_EMAIL)).locked_until is None


async def test_staff_lock_stays_until_lifted_and_reset_ends_only_a_guessing_lock(
    gql, inbox, run_worker, rt, store, three_strikes
):
    staff = await gql.login(DEMO_STAFF_EMAIL)
    uid = await member_id(gql, staff)
    lock = """mutation($id: ID!) { lockUser(input: {userId: $id, reason: "調査中"}) {
        user { lockedAt lockedUntil } userErrors { code } } }"""
    assert (await gql(lock, {"id": uid}, token=staff))["lockUser"]["userErrors"] == []
    clock.travel(30 * 24 * 3600)  # a staff lock does not wear off
    await rt.limiter.reset("login-account", DEMO_MEMBER_EMAIL)
    assert codes(await login(gql)) == ["ACCOUNT_LOCKED"]

    # A password reset does not lift a staff lock.
    await gql(
        'mutation { requestPasswordReset(input: {loginId: "member@example.com"}) { accepted } }'
    )
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
        temporaryPassword: $p, newPassword: "Kaze-hana-2028"}) { ok userErrors { code } } }""",
        {"t": link, "p": temporary},
    )
    assert reset["resetPassword"]["ok"] is True
    assert codes(await login(gql, password="Kaze-hana-2028")) == ["ACCOUNT_LOCKED"]
    staff = await gql.login(DEMO_STAFF_EMAIL)  # the first session went idle meanwhile
    unlock = "mutation($id: ID!) { unlockUser(input: {userId: $id}) { userErrors { code } } }"
    assert (await gql(unlock, {"id": uid}, token=staff))["unlockUser"]["userErrors"] == []
    assert (await login(gql, password="Kaze-hana-2028"))["challenge"] is not None

    # A guessing lock is shown to staff as lockedUntil, and staff can lift it too.
    for _ in range(3):
        await login(gql, password="wrong-password-1")
    user_q = "query($id: ID!) { node(id: $id) { ... on User { lockedAt lockedUntil } } }"
    shown = (await gql(user_q, {"id": uid}, token=staff))["node"]
    assert shown["lockedAt"] is None and shown["lockedUntil"]
    assert (await gql(unlock, {"id": uid}, token=staff))["unlockUser"]["userErrors"] == []
    assert (await login(gql, password="Kaze-hana-2028"))["challenge"] is not None


# ---- audit trail of sign-in ---------------------------------------------------------------


async def test_unknown_login_ids_and_the_password_step_are_on_the_record(gql, inbox, store):
    secret_guess = "Hunter2-secret-guess"
    for _ in range(2):
        bad = await login(gql, email="Nobody@Example.com", password=secret_guess)
        assert codes(bad) == ["INVALID_CREDENTIALS"]
    first = await login(gql)
    assert first["challenge"] is not None  # password right, second factor pending

    staff = await gql.login(DEMO_STAFF_EMAIL)
    trail = """query($login: String, $user: ID) {
      securityEvents(loginId: $login, userId: $user, first: 50) {
        totalCount nodes { kind userId ipAddress detail } } }"""
    unknown = (await gql(trail, {"login": "nobody@example.com"}, token=staff))["securityEvents"]
    assert unknown["totalCount"] == 2
    assert unknown["nodes"][0] == {
        "kind": "LOGIN_FAILED",
        "userId": None,
        "ipAddress": "203.0.113.7",
        "detail": "unknown login ID",
    }
    uid = await member_id(gql, staff)
    mine = (await gql(trail, {"user": uid}, token=staff))["securityEvents"]["nodes"]
    assert [e["kind"] for e in mine] == ["PASSWORD_VERIFIED"]
    # Neither the ID typed nor the password is stored anywhere in the trail.
    for event in await SecurityEvent.all():
        stored = " ".join(str(v) for v in event.__dict__.values())
        assert "nobody" not in stored.lower() and secret_guess not in stored
    everything = (await gql(trail, {}, token=staff))["securityEvents"]["totalCount"]
    assert everything >= 2 + len(mine)
    # The staff member's own sign-in passed the password step too.
    assert await SecurityEvent.filter(kind=SecurityEventKind.PASSWORD_VERIFIED).count() == 2


# ---- second factors -----------------------------------------------------------------------


VERIFY = """mutation($input: VerifySecondFactorInput!) { verifySecondFactor(input: $input) {
    session { token } backupCodes userErrors { field code } } }"""
SEND_CODE = """mutation($c: String!) { sendLoginCode(input: {challenge: $c}) {
    sent userErrors { field code } } }"""


async def verify(gql, challenge, method, code):
    data = await gql(VERIFY, {"input": {"challenge": challenge, "method": method, "code": code}})
    return data["verifySecondFactor"]


async def first_sign_in(gql):
    """The member's first two-factor sign-in: a session and the ten backup codes."""
    challenge = (await login(gql))["challenge"]["token"]
    done = await verify(
        gql, challenge, "EMAIL", await gql.emailed_code(challenge, DEMO_MEMBER_EMAIL)
    )
    return done["session"]["token"], done["backupCodes"]


async def enrol_totp(gql, token, password=None):
    import pyotp

    args = f'(input: {{password: "{password}"}})' if password else ""
    start = await gql(
        f"mutation {{ startTotpEnrollment{args} {{ secret userErrors {{ code }} }} }}",
        token=token,
    )
    assert start["startTotpEnrollment"]["userErrors"] == [], start
    totp = pyotp.TOTP(start["startTotpEnrollment"]["secret"])
    ok = await gql(
        "mutation($c: String!) { confirmTotpEnrollment(input: {code: $c}) { userErrors { code } } }",
        {"c": totp.now()},
        token=token,
    )
    assert ok["confirmTotpEnrollment"]["userErrors"] == []
    return totp


async def reset_password(gql, inbox, run_worker, new_password):
    await gql(
        'mutation { requestPasswordReset(input: {loginId: "member@example.com"}) { accepted } }'
    )
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
        """mutation($t: String!, $p: String!, $n: String!) { resetPassword(input: {token: $t,
        temporaryPassword: $p, newPassword: $n}) { ok userErrors { code } } }""",
        {"t": link, "p": temporary, "n": new_password},
    )
    assert reset["resetPassword"]["ok"] is True, reset


async def test_a_mailbox_alone_cannot_pass_totp_after_a_reset(gql, inbox, run_worker, store):
    token, backup = await first_sign_in(gql)
    totp = await enrol_totp(gql, token)
    inbox.clear()
    # Someone with the mailbox only: resets the password, then asks for an emailed code.
    await reset_password(gql, inbox, run_worker, "Kaze-hana-2028")
    challenge = (await login(gql, password="Kaze-hana-2028"))["challenge"]
    assert challenge["methods"] == ["TOTP", "BACKUP_CODE"]
    sent = (await gql(SEND_CODE, {"c": challenge["token"]}))["sendLoginCode"]
    assert sent == {
        "sent": False,
        "userErrors": [{"field": ["method"], "code": "SECOND_FACTOR_METHOD_NOT_AVAILABLE"}],
    }
    await run_worker()
    assert not [m for m in inbox.to(DEMO_MEMBER_EMAIL) if "認証コード" in m["Subject"]]
    refused = await verify(gql, challenge["token"], "EMAIL", "123456")
    assert codes(refused) == ["SECOND_FACTOR_METHOD_NOT_AVAILABLE"] and refused["session"] is None
    # The owner finishes with the app (or a backup code).
    clock.travel(30)
    done = await verify(gql, challenge["token"], "TOTP", totp.at(clock.now()))
    assert done["userErrors"] == [] and done["session"]["token"]
    challenge = (await login(gql, password="Kaze-hana-2028"))["challenge"]["token"]
    assert (await verify(gql, challenge, "BACKUP_CODE", backup[0]))["session"]


async def test_two_backup_codes_racing_on_one_challenge_spend_one(gql, inbox, rt, store):
    import asyncio

    token, backup = await first_sign_in(gql)
    remaining = 10
    for round_ in range(3):
        challenge = (await login(gql))["challenge"]["token"]
        pair = backup[2 * round_ : 2 * round_ + 2]
        results = await asyncio.gather(*[verify(gql, challenge, "BACKUP_CODE", c) for c in pair])
        assert len([r for r in results if r["session"]]) == 1, results
        remaining -= 1
        status = await gql("{ myTwoFactor { backupCodesRemaining } }", token=token)
        assert status["myTwoFactor"]["backupCodesRemaining"] == remaining, (round_, results)
    # The code that lost its race still works on the next challenge.
    spent = {c: await _spent(rt, c) for c in backup[:2]}
    assert sorted(spent.values()) == [False, True]
    loser = next(c for c, used in spent.items() if not used)
    challenge = (await login(gql))["challenge"]["token"]
    assert (await verify(gql, challenge, "BACKUP_CODE", loser))["session"]


async def _spent(rt, code):
    from api.accounts.models import BackupCode
    from api.crypto import keyed_hash

    user = await User.get(email=DEMO_MEMBER_EMAIL)
    digest = keyed_hash(rt.settings.secret_key, "backup-code", user.id, code)
    return await BackupCode.exists(user_id=user.id, code_hash=digest, used_at__isnull=False)
