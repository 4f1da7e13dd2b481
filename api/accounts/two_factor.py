"""Two-factor authentication: emailed codes, TOTP, backup codes and trusted browsers.

Every secret is single-use by a conditional UPDATE (a code, a challenge, a
backup code, a TOTP time step), so two requests racing with the same secret
succeed at most once, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import base64
import csv
import io
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

import pyotp
import segno
from cryptography.fernet import InvalidToken
from pyotp.exceptions import OTPVerificationError
from tortoise.expressions import F

from api import clock
from api.accounts.models import (
    BackupCode,
    LoginChallenge,
    SecurityEventKind,
    TrustedBrowser,
    User,
    UserKind,
)
from api.accounts.security import ClientInfo, record_event, revoke_trusted_browsers
from api.crypto import decrypt, encrypt, keyed_hash
from api.errors import DomainError
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
from api.stores.policy import Policy, TwoFactorRequirement
from api.tokens import hash_token, new_token

BACKUP_CODE_COUNT = 10


class SecondFactorMethod(StrEnum):
    EMAIL = "email"
    TOTP = "totp"
    BACKUP_CODE = "backup_code"


def requirement(policy: Policy, user: User) -> TwoFactorRequirement:
    return policy.staff_two_factor if user.kind == UserKind.STAFF else policy.two_factor


def is_required(policy: Policy, user: User) -> bool:
    """Does this user need a second factor to sign in?"""
    req = requirement(policy, user)
    if req == TwoFactorRequirement.REQUIRED:
        return True
    if req == TwoFactorRequirement.OPTIONAL:
        return user.two_factor_enabled or user.totp_confirmed_at is not None
    return False


def email_code_allowed(user: User) -> bool:
    """Emailed codes are a second factor only for accounts without TOTP.

    Once an authenticator app is enrolled the mailbox is no second factor at all
    (not only after a password reset): the mailbox already receives the reset link,
    so a code mailed to it would let the mailbox alone replace both factors. Such
    users finish with TOTP or a backup code (ASVS 6.4.3).
    """
    return user.totp_confirmed_at is None


async def available_methods(user: User) -> list[SecondFactorMethod]:
    methods = []
    if email_code_allowed(user):
        methods.append(SecondFactorMethod.EMAIL)  # every account has a verified address
    if user.totp_confirmed_at is not None:
        methods.append(SecondFactorMethod.TOTP)
    if await BackupCode.exists(user_id=user.id, used_at__isnull=True):
        methods.append(SecondFactorMethod.BACKUP_CODE)
    return methods


# ---- challenges ------------------------------------------------------------------------


@dataclass
class Challenge:
    token: str
    expires_at: datetime
    methods: list[SecondFactorMethod]
    email_hint: str


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:2]}{'*' * max(len(local) - 2, 1)}@{domain}"


async def start_challenge(rt: Runtime, user: User, client: ClientInfo) -> Challenge:
    raw, digest = new_token()
    expires_at = clock.now() + timedelta(minutes=rt.settings.login_challenge_minutes)
    await LoginChallenge.create(
        user=user,
        token_hash=digest,
        expires_at=expires_at,
        ip_address=client.ip_address[:45],
        user_agent=client.user_agent[:255],
    )
    return Challenge(raw, expires_at, await available_methods(user), mask_email(user.email))


async def _open_challenge(raw: str) -> LoginChallenge:
    challenge = await LoginChallenge.get_or_none(token_hash=hash_token(raw.strip()))
    if challenge is None or challenge.used_at is not None:
        raise DomainError.of("CHALLENGE_INVALID", "challenge")
    if challenge.expires_at <= clock.now():
        raise DomainError.of("CHALLENGE_EXPIRED", "challenge")
    return challenge


async def send_email_code(rt: Runtime, raw_challenge: str) -> datetime:
    """Mail a fresh 6-digit code for the challenge (the previous one dies)."""
    challenge = await _open_challenge(raw_challenge)
    user = await User.get(id=challenge.user_id)
    if not email_code_allowed(user):
        raise DomainError.of("SECOND_FACTOR_METHOD_NOT_AVAILABLE", "method", method="EMAIL")
    s = rt.settings
    await rt.limiter.hit(
        "2fa-send", str(challenge.id), s.two_factor_code_send_limit, s.login_challenge_minutes * 60
    )
    code = f"{secrets.randbelow(10**6):06d}"
    expires_at = clock.now() + timedelta(minutes=s.two_factor_code_minutes)
    await LoginChallenge.filter(id=challenge.id).update(
        email_code_hash=keyed_hash(s.secret_key, "email-code", challenge.id, code),
        email_code_expires_at=expires_at,
    )
    await queue_mail(
        rt,
        "two_factor_code",
        user.email,
        {
            "name": user.full_name,
            "code": code,
            "minutes": s.two_factor_code_minutes,
        },
        user.language,
    )
    return expires_at


@dataclass
class CheckedFactor:
    """A right code on an open challenge, not yet spent: `finish_challenge` spends both
    in one transaction, so only the attempt that wins the challenge uses a backup code."""

    challenge: LoginChallenge
    user: User
    backup_code_hash: str = ""


@dataclass
class SecondFactorPassed:
    user: User
    trusted_browser_token: str | None = None
    new_backup_codes: list[str] = field(default_factory=list)


async def check_second_factor(
    rt: Runtime,
    raw_challenge: str,
    method: SecondFactorMethod,
    code: str,
    *,
    client: ClientInfo,
) -> CheckedFactor:
    """Count the attempt and check the code. Not in a transaction on purpose: a failed
    attempt must stay counted (and audited) although the request fails."""
    challenge = await _open_challenge(raw_challenge)
    s = rt.settings
    if method == SecondFactorMethod.EMAIL:
        owner = await User.get(id=challenge.user_id)
        if not email_code_allowed(owner):
            raise DomainError.of("SECOND_FACTOR_METHOD_NOT_AVAILABLE", "method", method="EMAIL")
    # Guessing is bounded per challenge (attempts) and per account (across challenges).
    await rt.limiter.hit(
        "2fa-user", str(challenge.user_id), s.two_factor_max_attempts * 4, s.login_window_seconds
    )
    counted = await LoginChallenge.filter(
        id=challenge.id, used_at__isnull=True, attempts__lt=s.two_factor_max_attempts
    ).update(attempts=F("attempts") + 1)
    if not counted:
        raise DomainError.of("CHALLENGE_INVALID", "challenge")
    user = await User.get(id=challenge.user_id)
    code = "".join(code.split()).replace("-", "")
    checked = CheckedFactor(challenge, user)
    if method == SecondFactorMethod.BACKUP_CODE:
        checked.backup_code_hash = await find_backup_code(rt, user, code)
        ok = bool(checked.backup_code_hash)
    else:
        ok = await _check(rt, user, challenge, method, code)
    if not ok:
        raise await _wrong_code(rt, checked, method, client)
    return checked


async def _wrong_code(
    rt: Runtime, checked: CheckedFactor, method: SecondFactorMethod, client: ClientInfo
) -> DomainError:
    await record_event(
        checked.user.id, SecurityEventKind.SECOND_FACTOR_FAILED, client, detail=method.value
    )
    left = rt.settings.two_factor_max_attempts - checked.challenge.attempts - 1
    return DomainError.of("INVALID_CODE", "code", attempts_left=max(left, 0))


async def finish_challenge(
    rt: Runtime,
    checked: CheckedFactor,
    *,
    trust_browser: bool,
    client: ClientInfo,
) -> SecondFactorPassed:
    """Spend the challenge (once, even if two requests raced with valid codes), then the
    backup code it was answered with. Runs in the caller's transaction: the loser of
    the challenge spends nothing, and a backup code that another challenge spent first
    rolls the challenge back (PostgreSQL: the conditional UPDATE waits for the row lock
    and sees the winner's commit; SQLite: one writer at a time)."""
    challenge, user = checked.challenge, checked.user
    if not await LoginChallenge.filter(id=challenge.id, used_at__isnull=True).update(
        used_at=clock.now()
    ):
        raise DomainError.of("CHALLENGE_INVALID", "challenge")
    if checked.backup_code_hash and not await spend_backup_code(
        user, checked.backup_code_hash, client
    ):
        left = rt.settings.two_factor_max_attempts - challenge.attempts - 1
        raise DomainError.of("INVALID_CODE", "code", attempts_left=max(left, 0))
    result = SecondFactorPassed(user=user)
    if trust_browser:
        result.trusted_browser_token = await trust_this_browser(rt, user, client)
    if not await BackupCode.exists(user_id=user.id):
        # First two-factor sign-in: hand out the backup codes, shown this once.
        result.new_backup_codes = await generate_backup_codes(rt, user, client)
    return result


async def _check(
    rt: Runtime, user: User, challenge: LoginChallenge, method: SecondFactorMethod, code: str
) -> bool:
    if method == SecondFactorMethod.EMAIL:
        if not email_code_allowed(user):
            return False
        if not challenge.email_code_hash or not code.isdigit():
            return False
        if (
            challenge.email_code_expires_at is None
            or challenge.email_code_expires_at <= clock.now()
        ):
            return False
        expected = keyed_hash(rt.settings.secret_key, "email-code", challenge.id, code)
        if not secrets.compare_digest(expected, challenge.email_code_hash):
            return False
        # Single use: clear the code as it is accepted.
        return bool(
            await LoginChallenge.filter(id=challenge.id, email_code_hash=expected).update(
                email_code_hash=""
            )
        )
    if method == SecondFactorMethod.TOTP:
        return await accept_totp(rt, user, code)
    return False


# ---- TOTP ------------------------------------------------------------------------------


def _totp(rt: Runtime, user: User) -> pyotp.TOTP:
    return pyotp.TOTP(decrypt(rt.settings.secret_key, user.totp_secret_encrypted))


async def accept_totp(rt: Runtime, user: User, code: str, *, enrolling: bool = False) -> bool:
    """Accept a code once: its time step must be newer than the last accepted one."""
    if not user.totp_secret_encrypted or (user.totp_confirmed_at is None and not enrolling):
        return False
    if not (code.isdigit() and len(code) == 6):
        return False
    try:
        timecode = _totp(rt, user).verify_and_get_timecode(
            code, for_time=clock.now(), valid_window=1
        )
    except (OTPVerificationError, InvalidToken):
        # InvalidToken: SECRET_KEY changed since enrolment; the app must be enrolled again.
        return False
    return bool(
        await User.filter(id=user.id, totp_last_timecode__lt=timecode).update(
            totp_last_timecode=timecode
        )
    )


@dataclass
class TotpEnrollment:
    secret: str
    otpauth_uri: str
    qr_code_svg_data_uri: str


async def start_totp_enrollment(rt: Runtime, user: User) -> TotpEnrollment:
    if user.totp_confirmed_at is not None:
        raise DomainError.of("TOTP_ALREADY_ENABLED")
    secret = pyotp.random_base32()
    await User.filter(id=user.id).update(
        totp_secret_encrypted=encrypt(rt.settings.secret_key, secret), totp_last_timecode=0
    )
    issuer = rt.policy.name_en
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)
    svg = segno.make(uri, error="m").svg_data_uri(scale=4)
    return TotpEnrollment(secret=secret, otpauth_uri=uri, qr_code_svg_data_uri=svg)


async def confirm_totp_enrollment(
    rt: Runtime, user: User, code: str, client: ClientInfo
) -> list[str]:
    """The first code proves the app holds the secret. Returns new backup codes if any."""
    await user.refresh_from_db()
    if user.totp_confirmed_at is not None:
        raise DomainError.of("TOTP_ALREADY_ENABLED")
    if not user.totp_secret_encrypted:
        raise DomainError.of("TOTP_NOT_ENABLED")
    if not await accept_totp(rt, user, code.strip(), enrolling=True):
        raise DomainError.of("CODE_MISMATCH", "code")
    await User.filter(id=user.id).update(totp_confirmed_at=clock.now())
    await revoke_trusted_browsers(user.id)
    await record_event(user.id, SecurityEventKind.TOTP_ENABLED, client)
    if not await BackupCode.exists(user_id=user.id, used_at__isnull=True):
        return await generate_backup_codes(rt, user, client)
    return []


async def disable_totp(rt: Runtime, user: User, client: ClientInfo) -> None:
    if user.totp_confirmed_at is None:
        raise DomainError.of("TOTP_NOT_ENABLED")
    await User.filter(id=user.id).update(
        totp_secret_encrypted="", totp_confirmed_at=None, totp_last_timecode=0
    )
    await revoke_trusted_browsers(user.id)
    await record_event(user.id, SecurityEventKind.TOTP_DISABLED, client)


# ---- backup codes ----------------------------------------------------------------------


def _backup_hash(rt: Runtime, user_id: int, code: str) -> str:
    return keyed_hash(rt.settings.secret_key, "backup-code", user_id, code)


async def generate_backup_codes(rt: Runtime, user: User, client: ClientInfo) -> list[str]:
    """Ten new 8-digit codes; every older code dies. Shown to the user this once."""
    codes: set[str] = set()
    while len(codes) < BACKUP_CODE_COUNT:
        codes.add(f"{secrets.randbelow(10**8):08d}")
    await BackupCode.filter(user_id=user.id).delete()
    await BackupCode.bulk_create(
        [BackupCode(user_id=user.id, code_hash=_backup_hash(rt, user.id, c)) for c in codes]
    )
    await record_event(user.id, SecurityEventKind.BACKUP_CODES_GENERATED, client)
    return sorted(codes)


async def find_backup_code(rt: Runtime, user: User, code: str) -> str:
    """The hash of an unused backup code of the user, or "" (nothing is spent here)."""
    if not (code.isdigit() and len(code) == 8):
        return ""
    digest = _backup_hash(rt, user.id, code)
    exists = await BackupCode.exists(user_id=user.id, code_hash=digest, used_at__isnull=True)
    return digest if exists else ""


async def spend_backup_code(user: User, code_hash: str, client: ClientInfo) -> bool:
    """Use the code once: only one conditional UPDATE finds it unused."""
    used = await BackupCode.filter(
        user_id=user.id, code_hash=code_hash, used_at__isnull=True
    ).update(used_at=clock.now())
    if used:
        await record_event(user.id, SecurityEventKind.BACKUP_CODE_USED, client)
    return bool(used)


async def backup_codes_remaining(user_id: int) -> int:
    return await BackupCode.filter(user_id=user_id, used_at__isnull=True).count()


def backup_codes_csv(codes: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["no", "backup_code"])
    for i, code in enumerate(codes, 1):
        writer.writerow([i, code])
    return out.getvalue()


def csv_data_uri(text: str) -> str:
    # BOM so spreadsheet apps open it as UTF-8.
    payload = base64.b64encode(("\ufeff" + text).encode()).decode()
    return f"data:text/csv;charset=utf-8;base64,{payload}"


# ---- trusted browsers ------------------------------------------------------------------


async def trust_this_browser(rt: Runtime, user: User, client: ClientInfo) -> str:
    raw, digest = new_token()
    await TrustedBrowser.create(
        user=user,
        token_hash=digest,
        ip_address=client.ip_address[:45],
        user_agent=client.user_agent[:255],
        expires_at=clock.now() + timedelta(days=rt.settings.trusted_browser_days),
    )
    await record_event(user.id, SecurityEventKind.TRUSTED_BROWSER_ADDED, client)
    return raw


async def is_trusted_browser(user: User, raw: str | None) -> bool:
    if not raw:
        return False
    now = clock.now()
    updated = await TrustedBrowser.filter(
        token_hash=hash_token(raw), user_id=user.id, revoked_at__isnull=True, expires_at__gt=now
    ).update(last_used_at=now)
    return bool(updated)
