"""Staff accounts (the store operator's people)."""

from __future__ import annotations

from api import clock
from api.accounts.models import User, UserKind, UserStatus
from api.accounts.passwords import check_password, hash_password
from api.companies.permissions import DEFAULT_STAFF_ROLE, STAFF_ROLES
from api.errors import DomainError, Problems
from api.settings import Settings
from api.stores.policy import load_policy
from api.validation import is_valid_email, nfkc, normalize_email


async def create_staff(
    settings: Settings,
    email: str,
    password: str,
    family_name: str,
    given_name: str,
    role_key: str = DEFAULT_STAFF_ROLE,
) -> User:
    email = normalize_email(email)
    problems = Problems()
    if not is_valid_email(email):
        problems.add("INVALID_EMAIL", "email")
    check_password(load_policy(settings.store_profile).password, password, email, problems)
    if role_key not in STAFF_ROLES:
        problems.add("NOT_FOUND", "role")
    problems.raise_if_any()
    if await User.exists(email=email):
        raise DomainError.of("INVALID_STATUS", "email")
    now = clock.now()
    return await User.create(
        kind=UserKind.STAFF,
        status=UserStatus.ACTIVE,
        email=email,
        role_key=role_key,
        password_hash=hash_password(settings, password),
        family_name=nfkc(family_name),
        given_name=nfkc(given_name),
        email_verified_at=now,
        approved_at=now,
    )
