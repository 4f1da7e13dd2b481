"""Who may do what: resolving a user's permissions and the roles of a company."""

from __future__ import annotations

from dataclasses import dataclass

from api.accounts.models import User, UserKind
from api.companies.models import CompanyRole
from api.companies.permissions import (
    ADMINISTRATOR,
    BUILTIN_MEMBER_ROLES,
    CUSTOM_PREFIX,
    DEFAULT_STAFF_ROLE,
    STAFF_ROLES,
    MemberPermission,
    StaffPermission,
)
from api.errors import DomainError
from api.keys import row_key

# A member without a company (individual store) manages only their own things.
INDIVIDUAL_PERMISSIONS = frozenset(MemberPermission) - {
    MemberPermission.MANAGE_USERS,
    MemberPermission.MANAGE_COMPANY,
}


@dataclass(frozen=True)
class RoleView:
    """A role as clients see it: built-in or custom, with its permissions."""

    key: str
    name: str
    name_en: str
    permissions: frozenset[str]
    builtin: bool
    company_id: int | None = None


def builtin_role(key: str) -> RoleView:
    name, name_en, perms = BUILTIN_MEMBER_ROLES[key]
    return RoleView(key, name, name_en, frozenset(p.value for p in perms), True)


def custom_role(role: CompanyRole) -> RoleView:
    return RoleView(
        f"{CUSTOM_PREFIX}{role.id}",
        role.name,
        role.name,
        frozenset(role.permissions),
        False,
        role.company_id,
    )


async def permissions_of(user: User) -> frozenset[str]:
    """The permissions a user holds now (one query at most, for a custom role)."""
    if user.kind == UserKind.STAFF:
        _, _, perms = STAFF_ROLES.get(user.role_key) or STAFF_ROLES[DEFAULT_STAFF_ROLE]
        return frozenset(p.value for p in perms)
    if user.company_id is None:
        return frozenset(p.value for p in INDIVIDUAL_PERMISSIONS)
    role = await role_for(user.company_id, user.role_key)
    return role.permissions if role else frozenset()


async def role_for(company_id: int, key: str) -> RoleView | None:
    if key in BUILTIN_MEMBER_ROLES:
        return builtin_role(key)
    custom = row_key(key[len(CUSTOM_PREFIX) :]) if key.startswith(CUSTOM_PREFIX) else None
    if custom is not None:
        role = await CompanyRole.get_or_none(id=custom, company_id=company_id)
        return custom_role(role) if role else None
    return None


async def company_roles(company_id: int) -> list[RoleView]:
    customs = await CompanyRole.filter(company_id=company_id).order_by("name")
    return [builtin_role(k) for k in BUILTIN_MEMBER_ROLES] + [custom_role(r) for r in customs]


async def require_role(company_id: int, key: str, field: str = "roleId") -> RoleView:
    role = await role_for(company_id, key)
    if role is None:
        raise DomainError.of("NOT_FOUND", field)
    return role


def is_administrator(user: User) -> bool:
    return user.role_key == ADMINISTRATOR


async def require_staff_permission(user_id: int | None, permission: StaffPermission) -> None:
    """Services check who acts, not only the schema: staff with this permission only."""
    user = await User.get_or_none(id=user_id) if user_id is not None else None
    if user is None or user.kind != UserKind.STAFF:
        raise DomainError.of("FORBIDDEN")
    if permission.value not in await permissions_of(user):
        raise DomainError.of("FORBIDDEN")
