"""Account security primitives shared by sign-in, 2FA and recovery flows:
the audit trail, revoking sessions and trusted browsers, and the account lock.
"""

from __future__ import annotations

from dataclasses import dataclass

from tortoise.expressions import F

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
from api.errors import DomainError
from api.notifications.outbox import queue_mail
from api.runtime import Runtime


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
    user_id: int,
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


async def count_failed_login(rt: Runtime, user: User, client: ClientInfo) -> bool:
    """Count a wrong password; lock the account at the limit. True when it just locked."""
    await User.filter(id=user.id).update(failed_login_count=F("failed_login_count") + 1)
    await record_event(user.id, SecurityEventKind.LOGIN_FAILED, client)
    limit = rt.settings.lock_after_failures
    if limit <= 0:
        return False
    # Only the request that crosses the limit locks and mails (conditional update).
    locked = await User.filter(
        id=user.id, locked_at__isnull=True, failed_login_count__gte=limit
    ).update(locked_at=clock.now(), lock_reason="too many failed sign-ins")
    if locked:
        await record_event(
            user.id, SecurityEventKind.LOCKED, client, detail="too many failed sign-ins"
        )
        await queue_mail(
            rt,
            "account_locked",
            user.email,
            {
                "name": user.full_name,
                "reset_url": rt.settings.public_base_url + "/password-reset",
            },
            user.language,
        )
    return bool(locked)


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
    unlocked = await User.filter(id=user.id, locked_at__not_isnull=True).update(
        locked_at=None, lock_reason="", failed_login_count=0
    )
    if unlocked:
        await record_event(
            user.id, SecurityEventKind.UNLOCKED, client, actor_id=actor_id, detail=detail
        )
    return bool(unlocked)
