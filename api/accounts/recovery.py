"""Password change, password reset and login-ID (email) change.

Rules shared by every flow here:

- The answer to "reset my password" never says whether an account exists: an
  unknown login ID, a phone number that does not match and a real account all
  get the same (empty) answer, and only a real account gets mail.
- A password change or reset signs out whoever held the old password: every
  other session and every trusted browser is revoked. A reset never signs in
  by itself, so the second factor still applies at the next sign-in.
- Links in mails are single-use (a conditional UPDATE on `used_at`), expire,
  and are stored hashed. Issuing a new one kills the older ones.
- No mail carries a password, except the temporary password of the
  TEMPORARY_PASSWORD flow, which is useless without the link sent separately.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from tortoise.exceptions import IntegrityError

from api import clock
from api.accounts.models import EmailToken, SecurityEventKind, TokenPurpose, User, UserStatus
from api.accounts.passwords import check_password, hash_password_async, verify_password_async
from api.accounts.security import (
    LEGACY_AUTOMATIC_LOCK_REASON,
    ClientInfo,
    after_credentials_change,
    confirm_password,
    lift_temporary_lock,
    record_event,
    temporarily_locked,
)
from api.db import unit_of_work
from api.errors import DomainError, Problems
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
from api.stores.policy import PasswordResetFlow
from api.tokens import hash_token, new_token
from api.validation import is_valid_email, nfkc, normalize_email, normalize_phone

# Letters and digits a person cannot confuse when copying from a mail (no 0/O, 1/l/I).
TEMPORARY_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
TEMPORARY_PASSWORD_LENGTH = 10
# Wrong temporary passwords a reset link survives; the last one kills it.
TEMPORARY_PASSWORD_MAX_ATTEMPTS = 5


def new_temporary_password() -> str:
    return "".join(
        secrets.choice(TEMPORARY_PASSWORD_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH)
    )


def _urls(rt: Runtime) -> dict[str, str]:
    base = rt.settings.public_base_url
    return {"login_url": base + "/login", "reset_url": base + "/password-reset"}


async def _check_current_password(rt: Runtime, user: User, password: str) -> None:
    await confirm_password(rt, user, password, "currentPassword")


async def _password_changed_notice(rt: Runtime, user: User) -> None:
    await queue_mail(
        rt,
        "password_changed",
        user.email,
        {"name": user.full_name, "login_id": user.email, **_urls(rt)},
        user.language,
    )


# ---- change (signed in) ---------------------------------------------------------------


async def change_password(
    rt: Runtime,
    user: User,
    session_id: int | None,
    current_password: str,
    new_password: str,
    client: ClientInfo | None = None,
) -> User:
    """Replace the password; the session in use stays, every other one ends."""
    await _check_current_password(rt, user, current_password)
    problems = Problems()
    check_password(rt.policy.password, new_password, user.email, problems, field="newPassword")
    if not problems.has("newPassword") and await verify_password_async(
        rt.settings, user.password_hash, new_password
    ):
        problems.add("PASSWORD_SAME_AS_CURRENT", "newPassword")
    problems.raise_if_any()
    password_hash = await hash_password_async(rt.settings, new_password)
    async with unit_of_work():
        now = clock.now()
        await User.filter(id=user.id).update(
            password_hash=password_hash, password_changed_at=now, updated_at=now
        )
        await after_credentials_change(user.id, keep_session_id=session_id)
        await record_event(user.id, SecurityEventKind.PASSWORD_CHANGED, client)
        await _password_changed_notice(rt, user)
    user.password_hash = password_hash
    user.password_changed_at = now
    return user


# ---- reset (forgotten password) ---------------------------------------------------------


async def request_password_reset(
    rt: Runtime, login_id: str, phone: str | None = None, client: ClientInfo | None = None
) -> None:
    """Mail reset instructions if the account exists. The answer is the same either way.

    TEMPORARY_PASSWORD (manual 004): two mails, a temporary password and a link;
    the reset needs both. EMAIL_AND_PHONE (manual 000): the phone number on file
    must match too; one mail with the link. Input errors are only about the form
    (format, required), never about the account.
    """
    client = client or ClientInfo()
    flow = rt.policy.password_reset
    email = normalize_email(login_id or "")
    problems = Problems()
    if not email:
        problems.add("REQUIRED", "loginId")
    elif not is_valid_email(email):
        problems.add("INVALID_EMAIL", "loginId")
    normalized_phone = None
    if flow == PasswordResetFlow.EMAIL_AND_PHONE:
        if not (phone or "").strip():
            problems.add("REQUIRED", "phone")
        else:
            normalized_phone = normalize_phone(phone or "")
            if normalized_phone is None:
                problems.add("INVALID_PHONE", "phone")
    problems.raise_if_any()

    s = rt.settings
    await rt.limiter.hit(
        "password-reset-ip",
        client.ip_address or "-",
        s.password_reset_limit_per_ip,
        s.password_reset_window_seconds,
    )
    # Counted for unknown IDs too, so the limit itself tells nothing.
    await rt.limiter.hit(
        "password-reset-account",
        email,
        s.password_reset_limit_per_account,
        s.password_reset_window_seconds,
    )

    user = await User.get_or_none(email=email, status=UserStatus.ACTIVE)
    if (
        user is not None
        and flow == PasswordResetFlow.EMAIL_AND_PHONE
        and not (user.phone and secrets.compare_digest(user.phone, normalized_phone or ""))
    ):
        user = None

    temporary, secret_hash = None, ""
    if flow == PasswordResetFlow.TEMPORARY_PASSWORD:
        temporary = new_temporary_password()
        # Hash whether or not the account exists: both answers cost one argon2 hash.
        secret_hash = await hash_password_async(s, temporary)
    if user is None:
        return

    raw, digest = new_token()
    now = clock.now()
    reset_url = f"{s.public_base_url}/password-reset?token={raw}"
    async with unit_of_work():
        await EmailToken.filter(
            user_id=user.id, purpose=TokenPurpose.PASSWORD_RESET, used_at__isnull=True
        ).update(used_at=now)
        await EmailToken.create(
            user=user,
            purpose=TokenPurpose.PASSWORD_RESET,
            token_hash=digest,
            secret_hash=secret_hash,
            expires_at=now + timedelta(minutes=s.password_reset_minutes),
        )
        await record_event(
            user.id, SecurityEventKind.PASSWORD_RESET_REQUESTED, client, detail=flow.value
        )
        common = {"name": user.full_name, "expires_minutes": s.password_reset_minutes}
        if temporary:
            await queue_mail(
                rt,
                "password_reset_temporary",
                user.email,
                {**common, "temporary_password": temporary},
                user.language,
            )
        await queue_mail(
            rt,
            "password_reset_link",
            user.email,
            {**common, "reset_url": reset_url, "needs_temporary_password": bool(temporary)},
            user.language,
        )


async def _usable_token(raw_token: str, purpose: TokenPurpose) -> EmailToken:
    raw_token = (raw_token or "").strip()
    token = (
        await EmailToken.get_or_none(token_hash=hash_token(raw_token), purpose=purpose)
        if raw_token
        else None
    )
    if token is None or token.used_at is not None:
        raise DomainError.of("TOKEN_INVALID", "token")
    if token.expires_at <= clock.now():
        raise DomainError.of("TOKEN_EXPIRED", "token")
    return token


async def _count_wrong_temporary_password(rt: Runtime, token: EmailToken) -> None:
    """One more wrong temporary password; the last allowed one kills the link."""
    key = f"recovery:temporary-password:{token.id}"
    ttl = max(int((token.expires_at - clock.now()).total_seconds()), 1)
    async with rt.redis.pipeline(transaction=True) as pipe:
        pipe.incr(key)
        pipe.expire(key, ttl, nx=True)
        count, _ = await pipe.execute()
    if count >= TEMPORARY_PASSWORD_MAX_ATTEMPTS:
        await EmailToken.filter(id=token.id, used_at__isnull=True).update(used_at=clock.now())
        raise DomainError.of("RESET_ATTEMPTS_EXCEEDED", "temporaryPassword")
    raise DomainError.of(
        "TEMPORARY_PASSWORD_INVALID",
        "temporaryPassword",
        remaining=TEMPORARY_PASSWORD_MAX_ATTEMPTS - count,
    )


async def reset_password(
    rt: Runtime,
    raw_token: str,
    new_password: str,
    temporary_password: str | None = None,
    client: ClientInfo | None = None,
) -> User:
    """Set a new password with a reset link (and the temporary password, when one was sent).

    Ends a password-guessing lock (not a lock by staff) and signs out everywhere.
    Issues no session: the user signs in again, second factor included.
    """
    token = await _usable_token(raw_token, TokenPurpose.PASSWORD_RESET)
    user = await User.get(id=token.user_id)
    if user.status != UserStatus.ACTIVE:
        raise DomainError.of("TOKEN_INVALID", "token")
    temporary = nfkc(temporary_password or "")
    if token.secret_hash:
        if not temporary:
            raise DomainError.of("REQUIRED", "temporaryPassword")
        if not await verify_password_async(rt.settings, token.secret_hash, temporary):
            await _count_wrong_temporary_password(rt, token)
    problems = Problems()
    check_password(rt.policy.password, new_password, user.email, problems, field="newPassword")
    if token.secret_hash and new_password == temporary:
        problems.add("PASSWORD_SAME_AS_TEMPORARY", "newPassword")
    problems.raise_if_any()

    password_hash = await hash_password_async(rt.settings, new_password)
    async with unit_of_work():
        now = clock.now()
        # Single use even under a double click: only one UPDATE finds it unused.
        if await EmailToken.filter(id=token.id, used_at__isnull=True).update(used_at=now) != 1:
            raise DomainError.of("TOKEN_INVALID", "token")
        await EmailToken.filter(
            user_id=user.id, purpose=TokenPurpose.PASSWORD_RESET, used_at__isnull=True
        ).update(used_at=now)
        await User.filter(id=user.id).update(
            password_hash=password_hash,
            password_changed_at=now,
            failed_login_count=0,
            updated_at=now,
        )
        # A guessing lock ends (the owner proved who they are); a lock by staff or the
        # company administrator stays until they lift it.
        if temporarily_locked(user) or user.lock_reason == LEGACY_AUTOMATIC_LOCK_REASON:
            await record_event(user.id, SecurityEventKind.UNLOCKED, client, detail="password reset")
        await lift_temporary_lock(user.id)
        await after_credentials_change(user.id)
        await record_event(user.id, SecurityEventKind.PASSWORD_RESET, client)
        await _password_changed_notice(rt, user)
    # The sign-in limit that may have led here should not keep the owner out now.
    await rt.limiter.reset("login-account", user.email)
    await user.refresh_from_db()
    return user


# ---- login ID (email) change --------------------------------------------------------------


async def request_email_change(
    rt: Runtime,
    user: User,
    current_password: str,
    new_email: str,
    client: ClientInfo | None = None,
) -> str:
    """Send a confirmation link to the new address; the login ID changes only on confirm.

    An address that belongs to another account gets a notice instead of a link,
    and the caller gets the same answer, so the form cannot probe for members.
    Returns the normalised new address.
    """
    await _check_current_password(rt, user, current_password)
    email = normalize_email(new_email or "")
    if not email:
        raise DomainError.of("REQUIRED", "newEmail")
    if not is_valid_email(email):
        raise DomainError.of("INVALID_EMAIL", "newEmail")
    if email == user.email:
        raise DomainError.of("EMAIL_UNCHANGED", "newEmail")
    s = rt.settings
    # Each request mails an address the caller chooses: limit it like reset requests.
    await rt.limiter.hit(
        "email-change",
        str(user.id),
        s.password_reset_limit_per_account,
        s.password_reset_window_seconds,
    )
    async with unit_of_work():
        now = clock.now()
        await EmailToken.filter(
            user_id=user.id, purpose=TokenPurpose.CHANGE_EMAIL, used_at__isnull=True
        ).update(used_at=now)
        owner = await User.get_or_none(email=email)
        if owner is not None:
            await queue_mail(
                rt,
                "email_change_taken",
                email,
                {"name": owner.full_name, **_urls(rt)},
                owner.language,
            )
        else:
            raw, digest = new_token()
            await EmailToken.create(
                user=user,
                purpose=TokenPurpose.CHANGE_EMAIL,
                token_hash=digest,
                new_email=email,
                expires_at=now + timedelta(minutes=s.email_change_minutes),
            )
            await queue_mail(
                rt,
                "email_change_verify",
                email,
                {
                    "name": user.full_name,
                    "verify_url": f"{s.public_base_url}/confirm-email-change?token={raw}",
                    "expires_hours": max(s.email_change_minutes // 60, 1),
                },
                user.language,
            )
        # The owner of the current address hears of it either way.
        await queue_mail(
            rt,
            "email_change_notice",
            user.email,
            {"name": user.full_name, "login_id": email, "completed": False, **_urls(rt)},
            user.language,
        )
        await record_event(user.id, SecurityEventKind.EMAIL_CHANGE_REQUESTED, client, detail=email)
    return email


async def confirm_email_change(
    rt: Runtime, raw_token: str, client: ClientInfo | None = None
) -> User:
    """Use the link sent to the new address: it becomes the login ID now."""
    token = await _usable_token(raw_token, TokenPurpose.CHANGE_EMAIL)
    try:
        async with unit_of_work():
            now = clock.now()
            if await EmailToken.filter(id=token.id, used_at__isnull=True).update(used_at=now) != 1:
                raise DomainError.of("TOKEN_INVALID", "token")
            user = await User.get(id=token.user_id)
            if user.status != UserStatus.ACTIVE:
                raise DomainError.of("TOKEN_INVALID", "token")
            if await User.filter(email=token.new_email).exclude(id=user.id).exists():
                raise DomainError.of("EMAIL_TAKEN", "token")
            old_email = user.email
            # The unique constraint settles a race with a registration or another change.
            await User.filter(id=user.id).update(
                email=token.new_email, email_verified_at=now, updated_at=now
            )
            await EmailToken.filter(
                user_id=user.id, purpose=TokenPurpose.CHANGE_EMAIL, used_at__isnull=True
            ).update(used_at=now)
            await record_event(
                user.id,
                SecurityEventKind.EMAIL_CHANGED,
                client,
                detail=f"{old_email} -> {token.new_email}",
            )
            await queue_mail(
                rt,
                "email_change_notice",
                old_email,
                {
                    "name": user.full_name,
                    "login_id": token.new_email,
                    "completed": True,
                    **_urls(rt),
                },
                user.language,
            )
    except IntegrityError as e:
        raise DomainError.of("EMAIL_TAKEN", "token") from e
    # Sign-in counters were keyed on the old login ID.
    await rt.limiter.reset("login-account", old_email)
    await user.refresh_from_db()
    return user
