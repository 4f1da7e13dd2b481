"""Password sign-in and opaque session tokens (stored hashed, revocable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from api import clock
from api.accounts import two_factor
from api.accounts.models import SecurityEventKind, Session, User, UserKind, UserStatus
from api.accounts.passwords import (
    hash_password,
    hash_password_async,
    needs_rehash,
    verify_password_async,
)
from api.accounts.security import (
    ClientInfo,
    count_failed_login,
    record_event,
    record_unknown_login,
    revoke_sessions,
    temporarily_locked,
)
from api.db import unit_of_work
from api.errors import DomainError
from api.runtime import Runtime
from api.tokens import hash_token, new_token
from api.validation import normalize_email

# Verified against when the login ID is unknown, so both cases cost one argon2 hash.
_DUMMY_HASHES: dict[tuple[int, int, int], str] = {}


@dataclass
class Caller:
    """Who is asking: nobody, a member or staff."""

    user: User | None = None
    session: Session | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def is_staff(self) -> bool:
        return self.user is not None and self.user.kind == UserKind.STAFF

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None


ANONYMOUS = Caller()


@dataclass
class IssuedSession:
    token: str
    session: Session
    user: User


def _dummy_hash(rt: Runtime) -> str:
    s = rt.settings
    key = (s.argon2_time_cost, s.argon2_memory_cost_kib, s.argon2_parallelism)
    if key not in _DUMMY_HASHES:
        _DUMMY_HASHES[key] = hash_password(s, "torihiki-dummy-password")
    return _DUMMY_HASHES[key]


@dataclass
class LoginOutcome:
    """Either a session, or a challenge for the second factor."""

    issued: IssuedSession | None = None
    challenge: two_factor.Challenge | None = None


async def login(
    rt: Runtime,
    login_id: str,
    password: str,
    *,
    client: ClientInfo,
    trusted_browser_token: str | None = None,
) -> LoginOutcome:
    login_id = normalize_email(login_id)
    s = rt.settings
    await rt.limiter.hit(
        "login-ip", client.ip_address or "-", s.login_limit_per_ip, s.login_window_seconds
    )
    await rt.limiter.hit(
        "login-account", login_id, s.login_limit_per_account, s.login_window_seconds
    )
    user = await User.get_or_none(email=login_id)
    if user is None:
        await verify_password_async(s, _dummy_hash(rt), password)
        await record_unknown_login(rt, login_id, client)
        raise DomainError.of("INVALID_CREDENTIALS")
    if temporarily_locked(user):
        # While a guessing lock runs the password is not even checked (the same
        # argon2 cost is paid): a right password answering differently would let the
        # guesser go on guessing through the lock. The owner has the lock mail.
        await verify_password_async(s, _dummy_hash(rt), password)
        await record_event(user.id, SecurityEventKind.LOGIN_FAILED, client, detail="locked")
        raise DomainError.of("INVALID_CREDENTIALS")
    if not await verify_password_async(s, user.password_hash, password):
        async with unit_of_work():
            await count_failed_login(rt, user, client)
        raise DomainError.of("INVALID_CREDENTIALS")
    # Only the holder of the password learns the account's state.
    if user.locked_at is not None:
        await record_event(user.id, SecurityEventKind.LOGIN_FAILED, client, detail="locked")
        raise DomainError.of("ACCOUNT_LOCKED")
    if user.status != UserStatus.ACTIVE:
        await record_event(user.id, SecurityEventKind.LOGIN_FAILED, client, detail="not active")
        raise DomainError.of("ACCOUNT_NOT_ACTIVE")
    await rt.limiter.reset("login-account", login_id)
    if user.failed_login_count or user.locked_until is not None:
        await User.filter(id=user.id).update(failed_login_count=0, locked_until=None)
    if needs_rehash(s, user.password_hash):
        # The cost setting went up since this hash was made: upgrade it now we know the password.
        await User.filter(id=user.id).update(password_hash=await hash_password_async(s, password))
    if two_factor.is_required(rt.policy, user) and not await two_factor.is_trusted_browser(
        user, trusted_browser_token
    ):
        async with unit_of_work():
            challenge = await two_factor.start_challenge(rt, user, client)
            # The password step passed: on the record, although no session exists yet.
            await record_event(user.id, SecurityEventKind.PASSWORD_VERIFIED, client)
        return LoginOutcome(challenge=challenge)
    return LoginOutcome(issued=await issue_session(rt, user, client))


async def issue_session(rt: Runtime, user: User, client: ClientInfo) -> IssuedSession:
    raw, digest = new_token()
    now = clock.now()
    session = await Session.create(
        user=user,
        token_hash=digest,
        ip_address=client.ip_address[:45],
        user_agent=client.user_agent[:255],
        last_seen_at=now,
        authenticated_at=now,
        expires_at=now + timedelta(days=rt.settings.session_absolute_days),
    )
    await User.filter(id=user.id).update(last_login_at=now)
    await record_event(user.id, SecurityEventKind.LOGIN_SUCCEEDED, client)
    return IssuedSession(token=raw, session=session, user=user)


async def complete_second_factor(
    rt: Runtime,
    challenge: str,
    method: two_factor.SecondFactorMethod,
    code: str,
    *,
    trust_browser: bool,
    client: ClientInfo,
) -> tuple[IssuedSession, two_factor.SecondFactorPassed]:
    checked = await two_factor.check_second_factor(rt, challenge, method, code, client=client)
    async with unit_of_work():
        passed = await two_factor.finish_challenge(
            rt, checked, trust_browser=trust_browser, client=client
        )
        issued = await issue_session(rt, checked.user, client)
    return issued, passed


async def authenticate(rt: Runtime, raw_token: str) -> Caller:
    """The caller a token stands for; anonymous when it is unknown, revoked or expired."""
    if not raw_token:
        return ANONYMOUS
    session = await Session.get_or_none(token_hash=hash_token(raw_token)).select_related("user")
    if session is None or session.revoked_at is not None:
        return ANONYMOUS
    now = clock.now()
    idle = timedelta(minutes=rt.settings.session_idle_minutes)
    if session.expires_at <= now or session.last_seen_at + idle <= now:
        return ANONYMOUS
    user = session.user
    if user.status != UserStatus.ACTIVE or user.locked_at is not None:
        return ANONYMOUS
    # Touch at most once a minute: a write per request would be the hot path's biggest cost.
    if now - session.last_seen_at > timedelta(minutes=1):
        await Session.filter(id=session.id).update(last_seen_at=now)
        session.last_seen_at = now
    return Caller(user=user, session=session)


async def logout(session: Session, client: ClientInfo) -> None:
    await Session.filter(id=session.id, revoked_at__isnull=True).update(revoked_at=clock.now())
    await record_event(session.user_id, SecurityEventKind.LOGOUT, client)


async def revoke_session(user: User, session_id: int, client: ClientInfo) -> None:
    """End one of the user's own sessions (another device). Not found if not theirs."""
    revoked = await Session.filter(id=session_id, user_id=user.id, revoked_at__isnull=True).update(
        revoked_at=clock.now()
    )
    if not revoked:
        raise DomainError.of("NOT_FOUND", "sessionId")
    await record_event(
        user.id, SecurityEventKind.SESSION_REVOKED, client, detail=f"session {session_id}"
    )


async def revoke_other_sessions(user: User, current: Session, client: ClientInfo) -> int:
    count = await revoke_sessions(user.id, keep_session_id=current.id)
    if count:
        await record_event(
            user.id, SecurityEventKind.SESSION_REVOKED, client, detail=f"{count} other session(s)"
        )
    return count
