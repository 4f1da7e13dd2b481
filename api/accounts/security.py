"""Account security primitives shared by sign-in, 2FA and recovery flows:
the audit trail, revoking sessions and trusted browsers, and the account lock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.expressions import F, Q
from tortoise.queryset import QuerySet

from api import clock
from api.accounts.models import (
    SecurityEvent,
    SecurityEventKind,
    Session,
    TrustedBrowser,
    User,
    UserKind,
)
from api.accounts.passwords import verify_password_async
from api.crypto import keyed_hash
from api.errors import DomainError
from api.notifications.outbox import queue_mail
from api.runtime import Runtime
from api.settings import Settings
from api.validation import normalize_email


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, for the audit trail and the session list."""

    ip_address: str = ""
    user_agent: str = ""


async def confirm_password(rt: Runtime, user: User, password: str, field: str) -> None:
    """A signed-in user proves again they know the password (before a sensitive change).

    Rate limited per account, so a stolen session cannot be used to guess it.
    """
    s = rt.settings
    await rt.limiter.hit(
        "password-check", str(user.id), s.login_limit_per_account, s.login_window_seconds
    )
    if not password:
        raise DomainError.of("REQUIRED", field)
    if not await verify_password_async(s, user.password_hash, password):
        raise DomainError.of("PASSWORD_INCORRECT", field)


async def record_event(
    user_id: int | None,
    kind: SecurityEventKind,
    client: ClientInfo | None = None,
    *,
    actor_id: int | None = None,
    detail: str = "",
) -> None:
    client = client or ClientInfo()
    await SecurityEvent.create(
        user_id=user_id,
        kind=kind,
        actor_id=actor_id if actor_id is not None else user_id,
        ip_address=client.ip_address[:45],
        user_agent=client.user_agent[:255],
        detail=detail[:255],
    )


async def record_unknown_login(rt: Runtime, login_id: str, client: ClientInfo) -> None:
    """A sign-in for a login ID no account has: kept as a keyed hash of the ID only."""
    await SecurityEvent.create(
        user_id=None,
        kind=SecurityEventKind.LOGIN_FAILED,
        actor_id=None,
        ip_address=client.ip_address[:45],
        user_agent=client.user_agent[:255],
        detail="unknown login ID",
        login_id_hash=login_id_hash(rt.settings, login_id),
    )


def login_id_hash(settings: Settings, login_id: str) -> str:
    return keyed_hash(settings.secret_key, "login-id", 0, normalize_email(login_id))


def audit_trail(
    rt: Runtime, *, user_id: int | None = None, login_id: str | None = None
) -> QuerySet[SecurityEvent]:
    """Staff's view of the trail, newest first: one user's, one unknown login ID's, or all."""
    qs = SecurityEvent.all()
    if user_id is not None:
        qs = qs.filter(user_id=user_id)
    if login_id is not None:
        qs = qs.filter(login_id_hash=login_id_hash(rt.settings, login_id))
    return qs.order_by("-at", "-id")


async def revoke_sessions(user_id: int, *, keep_session_id: int | None = None) -> int:
    """End every session of the user (but the one they are using, if given)."""
    query = Session.filter(user_id=user_id, revoked_at__isnull=True)
    if keep_session_id is not None:
        query = query.exclude(id=keep_session_id)
    return await query.update(revoked_at=clock.now())


async def revoke_trusted_browsers(user_id: int) -> int:
    return await TrustedBrowser.filter(user_id=user_id, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )


async def after_credentials_change(user_id: int, *, keep_session_id: int | None = None) -> None:
    """A password or 2FA change: whoever held the old credentials is signed out everywhere."""
    await revoke_sessions(user_id, keep_session_id=keep_session_id)
    await revoke_trusted_browsers(user_id)


# The reason automatic locks carried before they became temporary (locked_until):
# such legacy rows are lifted by a password reset like a temporary lock.
LEGACY_AUTOMATIC_LOCK_REASON = "too many failed sign-ins"


def temporary_lock_minutes(settings: Settings, lock_number: int) -> int:
    """Length of the n-th password-guessing lock in a row: doubling, capped."""
    first = max(settings.lock_minutes_first, 1)
    cap = max(settings.lock_minutes_max, first)
    return min(first * 2 ** min(max(lock_number - 1, 0), 30), cap)


def temporarily_locked(user: User) -> bool:
    return user.locked_until is not None and user.locked_until > clock.now()


async def count_failed_login(rt: Runtime, user: User, client: ClientInfo) -> datetime | None:
    """Count a wrong password; every LOCK_AFTER_FAILURES-th one in a row starts a
    temporary lock, longer each time (see `temporary_lock_minutes`). Returns its end
    when this attempt started one. Runs in the caller's transaction, so each racing
    attempt reads back its own count and exactly one of them starts each lock."""
    await User.filter(id=user.id).update(failed_login_count=F("failed_login_count") + 1)
    await record_event(user.id, SecurityEventKind.LOGIN_FAILED, client)
    limit = rt.settings.lock_after_failures
    if limit <= 0:
        return None
    count = await User.filter(id=user.id).first().values_list("failed_login_count", flat=True)
    if not count or count % limit:
        return None
    lock_number = count // limit
    minutes = temporary_lock_minutes(rt.settings, lock_number)
    until = clock.now() + timedelta(minutes=minutes)
    if not await User.filter(id=user.id, failed_login_count=count).update(locked_until=until):
        return None
    detail = f"too many failed sign-ins: locked for {minutes} min (lock {lock_number} in a row)"
    await record_event(user.id, SecurityEventKind.LOCKED, client, detail=detail)
    s = rt.settings
    await queue_mail(
        rt,
        "account_locked",
        user.email,
        {
            "name": user.full_name,
            "reset_url": s.public_base_url + "/password-reset",
            "minutes": minutes,
            "locked_until": until.astimezone(clock.TOKYO).strftime("%Y-%m-%d %H:%M"),
        },
        user.language,
    )
    return until


async def lift_temporary_lock(user_id: int) -> None:
    """The owner proved who they are (reset): guessing locks and counts end.
    A lock by staff or the company administrator stays."""
    await User.filter(id=user_id).update(failed_login_count=0, locked_until=None)
    await User.filter(id=user_id, lock_reason=LEGACY_AUTOMATIC_LOCK_REASON).update(
        locked_at=None, lock_reason=""
    )


async def lock(
    rt: Runtime, user: User, reason: str, *, actor_id: int, client: ClientInfo | None = None
) -> User:
    if user.kind == UserKind.STAFF and user.id == actor_id:
        raise DomainError.of("INVALID_STATUS", "userId")  # staff cannot lock themselves out
    reason = reason.strip()[:255]
    if not await User.filter(id=user.id, locked_at__isnull=True).update(
        locked_at=clock.now(), lock_reason=reason or "locked by staff"
    ):
        raise DomainError.of("INVALID_STATUS", "userId")
    await revoke_sessions(user.id)
    await record_event(user.id, SecurityEventKind.LOCKED, client, actor_id=actor_id, detail=reason)
    await user.refresh_from_db()
    return user


async def unlock(
    user: User, *, actor_id: int, client: ClientInfo | None = None, detail: str = ""
) -> bool:
    """Staff lift any lock: their own, the company's, or a temporary one."""
    unlocked = await User.filter(
        Q(locked_at__not_isnull=True) | Q(locked_until__gt=clock.now()), id=user.id
    ).update(locked_at=None, lock_reason="", failed_login_count=0, locked_until=None)
    if unlocked:
        await record_event(
            user.id, SecurityEventKind.UNLOCKED, client, actor_id=actor_id, detail=detail
        )
    return bool(unlocked)
