"""Password sign-in and opaque session tokens (stored hashed, revocable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from api import clock
from api.accounts.models import Session, User, UserKind, UserStatus
from api.accounts.passwords import hash_password, verify_password
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


async def login(
    rt: Runtime, login_id: str, password: str, *, ip_address: str = "", user_agent: str = ""
) -> IssuedSession:
    login_id = normalize_email(login_id)
    s = rt.settings
    await rt.limiter.hit(
        "login-ip", ip_address or "-", s.login_limit_per_ip, s.login_window_seconds
    )
    await rt.limiter.hit(
        "login-account", login_id, s.login_limit_per_account, s.login_window_seconds
    )
    user = await User.get_or_none(email=login_id)
    if user is None:
        verify_password(s, _dummy_hash(rt), password)
        raise DomainError.of("INVALID_CREDENTIALS")
    if not verify_password(s, user.password_hash, password):
        raise DomainError.of("INVALID_CREDENTIALS")
    # Only the holder of the password learns the account's state.
    if user.locked_at is not None:
        raise DomainError.of("ACCOUNT_LOCKED")
    if user.status != UserStatus.ACTIVE:
        raise DomainError.of("ACCOUNT_NOT_ACTIVE")
    await rt.limiter.reset("login-account", login_id)
    return await issue_session(rt, user, ip_address=ip_address, user_agent=user_agent)


async def issue_session(
    rt: Runtime, user: User, *, ip_address: str = "", user_agent: str = ""
) -> IssuedSession:
    raw, digest = new_token()
    now = clock.now()
    session = await Session.create(
        user=user,
        token_hash=digest,
        ip_address=ip_address[:45],
        user_agent=user_agent[:255],
        last_seen_at=now,
        expires_at=now + timedelta(days=rt.settings.session_absolute_days),
    )
    await User.filter(id=user.id).update(last_login_at=now)
    return IssuedSession(token=raw, session=session, user=user)


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


async def logout(session: Session) -> None:
    await Session.filter(id=session.id, revoked_at__isnull=True).update(revoked_at=clock.now())


def session_expiry(session: Session) -> datetime:
    return session.expires_at
