"""Companies in the schema: the company, its roles and permissions, its address book.

People (company users, invitations, profile) are in members_schema.py, which
needs the User type; this module must not import accounts.schema.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from api.companies import queries, roles, service
from api.companies.loaders import company_loader
from api.companies.permissions import (
    BUILTIN_MEMBER_ROLES,
    CUSTOM_PREFIX,
    LABELS,
    MemberPermission,
)
from api.errors import DomainError
from api.graphql.connections import Page, connection
from api.graphql.errors import UserError
from api.graphql.ids import from_global_id, int_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import IsAuthenticated, requires
from api.graphql.rows import FromRow

MemberPermissionEnum = strawberry.enum(
    Enum("MemberPermission", {p.name: p.value for p in MemberPermission}),
    name="MemberPermission",
    description="What a company's role may allow.",
)

MANAGE_USERS = requires(MemberPermission.MANAGE_USERS)
MANAGE_COMPANY = requires(MemberPermission.MANAGE_COMPANY)
MANAGE_ADDRESSES = requires(MemberPermission.MANAGE_ADDRESSES)


@strawberry.type(description="A permission with its label, for the permission table.")
class Permission:
    key: str = strawberry.field(description="The permission's name (an enum value, lower case).")
    label: str


def permission_list(keys: Iterable[str], language: str) -> list[Permission]:
    index = 0 if language == "ja" else 1
    return [Permission(key=k, label=LABELS[k][index] if k in LABELS else k) for k in sorted(keys)]


@strawberry.type(name="Company")
class CompanyType(FromRow, relay.Node):
    id: relay.NodeID[int]
    name: str
    name_kana: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str
    phone: str
    billing_name: str
    billing_department: str
    billing_postal_code: str
    billing_prefecture: str
    billing_address_line1: str
    billing_address_line2: str
    billing_phone: str
    created_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[CompanyType | None]:
        # A member sees only their own company; anything else is "not found".
        rows = await queries.companies_by_keys(await info.context.actor(), list(node_ids))
        return [cls.from_row(c) if c else None for c in rows]


@strawberry.type(name="Role", description="管理者, 一般ユーザー or a role the company composed.")
class RoleType(relay.Node):
    id: relay.NodeID[str]
    name: str
    builtin: bool
    permission_keys: strawberry.Private[frozenset[str]]

    @strawberry.field
    def permissions(self, info: strawberry.Info) -> list[Permission]:
        return permission_list(self.permission_keys, info.context.language)

    @classmethod
    def from_view(cls, view: roles.RoleView, language: str) -> RoleType:
        key = view.key.removeprefix(CUSTOM_PREFIX)
        return cls(
            id=key,
            name=view.name if language == "ja" else view.name_en,
            builtin=view.builtin,
            permission_keys=view.permissions,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[RoleType | None]:
        actor = await info.context.actor()
        result: list[RoleType | None] = []
        for key in node_ids:
            view = None
            if key in BUILTIN_MEMBER_ROLES:
                view = roles.builtin_role(key)
            else:
                role = await queries.custom_role(actor, key)
                view = roles.custom_role(role) if role else None
            result.append(cls.from_view(view, info.context.language) if view else None)
        return result


def role_key_from_id(value: str, field: str = "roleId") -> str:
    """Role global ID -> the key stored on users ('administrator', 'custom:12')."""
    key = from_global_id(value, "Role", field)
    if key in BUILTIN_MEMBER_ROLES:
        return key
    custom = queries.custom_role_id(key)
    if custom is None:
        raise DomainError.of("NOT_FOUND", field)
    return f"{CUSTOM_PREFIX}{custom}"


@strawberry.type(name="Address", description="An entry of the address book (お届け先).")
class AddressType(FromRow, relay.Node):
    id: relay.NodeID[int]
    label: str
    recipient_name: str
    recipient_name_kana: str
    company_name: str
    department: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str
    phone: str
    is_default: bool
    updated_at: datetime

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[AddressType | None]:
        rows = await queries.addresses_by_keys(await info.context.actor(), list(node_ids))
        return [cls.from_row(a) if a else None for a in rows]


# ---- inputs and payloads ---------------------------------------------------------------


@strawberry.input
class RoleInput:
    name: str
    permissions: list[MemberPermissionEnum]  # type: ignore[valid-type]


@strawberry.input
class CreateRoleInput(RoleInput):
    pass


@strawberry.input
class UpdateRoleInput(RoleInput):
    role_id: strawberry.ID


@strawberry.input
class DeleteRoleInput:
    role_id: strawberry.ID


@strawberry.type
class RolePayload:
    role: RoleType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class DeletionPayload:
    deleted_id: strawberry.ID | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input(description="Only the fields given are changed.")
class UpdateCompanyInput:
    name: str | None = None
    name_kana: str | None = None
    postal_code: str | None = None
    prefecture: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    phone: str | None = None
    billing_name: str | None = None
    billing_department: str | None = None
    billing_postal_code: str | None = None
    billing_prefecture: str | None = None
    billing_address_line1: str | None = None
    billing_address_line2: str | None = None
    billing_phone: str | None = None


@strawberry.type
class CompanyPayload:
    company: CompanyType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class AddressInput:
    label: str | None = None
    recipient_name: str | None = None
    recipient_name_kana: str | None = None
    company_name: str | None = None
    department: str | None = None
    postal_code: str | None = None
    prefecture: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    phone: str | None = None


@strawberry.input
class CreateAddressInput(AddressInput):
    make_default: bool = False


@strawberry.input
class UpdateAddressInput(AddressInput):
    address_id: strawberry.ID


@strawberry.input
class AddressIdInput:
    address_id: strawberry.ID


@strawberry.type
class AddressPayload:
    address: AddressType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


def _fields(data: Any, names: Iterable[str]) -> dict[str, Any]:
    return {n: getattr(data, n) for n in names}


# ---- operations ------------------------------------------------------------------------


@strawberry.type
class CompaniesQuery:
    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The caller's company, or null for an individual member.",
    )
    async def my_company(self, info: strawberry.Info) -> CompanyType | None:
        user = info.context.caller.user
        if user.company_id is None:
            return None
        company = await info.context.loader("company", company_loader).load(user.company_id)
        return CompanyType.from_row(company) if company else None

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="What the caller may do; hide what is not in it.",
    )
    async def my_permissions(self, info: strawberry.Info) -> list[Permission]:
        return permission_list(await info.context.permissions(), info.context.language)

    @strawberry.field(description="Every member permission with its label.")
    def member_permissions(self, info: strawberry.Info) -> list[Permission]:
        return permission_list([p.value for p in MemberPermission], info.context.language)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The roles of the caller's company: built-in, then custom.",
    )
    async def company_roles(self, info: strawberry.Info) -> list[RoleType]:
        user = info.context.caller.user
        if user.company_id is None:
            return []
        views = await roles.company_roles(user.company_id)
        return [RoleType.from_view(v, info.context.language) for v in views]

    @connection(
        permission_classes=[MANAGE_ADDRESSES], description="The address book, default first."
    )
    async def addresses(self, info: strawberry.Info) -> Connection[AddressType]:
        rows = queries.address_book(await info.context.actor())
        return Page(rows, AddressType.from_row)  # type: ignore[return-value]


def _custom_role_id(global_id: str) -> int:
    """A custom role's key; the built-in roles cannot be changed or deleted."""
    key = from_global_id(global_id, "Role", "roleId")
    if key in BUILTIN_MEMBER_ROLES:
        raise DomainError.of("BUILTIN_ROLE", "roleId")
    role_id = queries.custom_role_id(key)
    if role_id is None:
        raise DomainError.of("NOT_FOUND", "roleId")
    return role_id


@strawberry.type
class CompaniesMutation:
    @mutation(
        permission_classes=[MANAGE_COMPANY],
        description="Change company or billing information (administrators "
        "are told by mail). Existing quotes and orders keep their copy.",
    )
    async def update_company(
        self, info: strawberry.Info, input: UpdateCompanyInput
    ) -> CompanyPayload:
        ctx = info.context
        company = await service.update_company(
            ctx.rt, ctx.caller.user, _fields(input, service.COMPANY_FIELDS)
        )
        return CompanyPayload(company=CompanyType.from_row(company))

    @mutation(
        permission_classes=[MANAGE_USERS],
        description="Compose a custom role from member permissions.",
    )
    async def create_role(self, info: strawberry.Info, input: CreateRoleInput) -> RolePayload:
        role = await service.create_role(
            info.context.caller.user, input.name, [p.value for p in input.permissions]
        )
        return RolePayload(role=RoleType.from_view(roles.custom_role(role), info.context.language))

    @mutation(
        permission_classes=[MANAGE_USERS],
        description="Rename a custom role or change its permissions; its holders get the "
        "new permissions with their next request.",
    )
    async def update_role(self, info: strawberry.Info, input: UpdateRoleInput) -> RolePayload:
        role = await service.update_role(
            info.context.caller.user,
            _custom_role_id(input.role_id),
            input.name,
            [p.value for p in input.permissions],
        )
        return RolePayload(role=RoleType.from_view(roles.custom_role(role), info.context.language))

    @mutation(permission_classes=[MANAGE_USERS], description="Delete a custom role nobody holds.")
    async def delete_role(self, info: strawberry.Info, input: DeleteRoleInput) -> DeletionPayload:
        await service.delete_role(info.context.caller.user, _custom_role_id(input.role_id))
        return DeletionPayload(deleted_id=input.role_id)

    @mutation(
        permission_classes=[MANAGE_ADDRESSES],
        description="Add a delivery address; the first one is the default.",
    )
    async def create_address(
        self, info: strawberry.Info, input: CreateAddressInput
    ) -> AddressPayload:
        address = await service.create_address(
            info.context.caller.user, _fields(input, service.ADDRESS_FIELDS), input.make_default
        )
        return AddressPayload(address=AddressType.from_row(address))

    @mutation(
        permission_classes=[MANAGE_ADDRESSES],
        description="Change an address; only the fields given are changed.",
    )
    async def update_address(
        self, info: strawberry.Info, input: UpdateAddressInput
    ) -> AddressPayload:
        address = await service.update_address(
            info.context.caller.user,
            int_id(input.address_id, "Address", "addressId"),
            _fields(input, service.ADDRESS_FIELDS),
        )
        return AddressPayload(address=AddressType.from_row(address))

    @mutation(
        permission_classes=[MANAGE_ADDRESSES],
        description="Make an address the default delivery address.",
    )
    async def set_default_address(
        self, info: strawberry.Info, input: AddressIdInput
    ) -> AddressPayload:
        address = await service.set_default_address(
            info.context.caller.user, int_id(input.address_id, "Address", "addressId")
        )
        return AddressPayload(address=AddressType.from_row(address))

    @mutation(
        permission_classes=[MANAGE_ADDRESSES],
        description="Remove an address; the oldest remaining one becomes the default.",
    )
    async def delete_address(self, info: strawberry.Info, input: AddressIdInput) -> DeletionPayload:
        await service.delete_address(
            info.context.caller.user, int_id(input.address_id, "Address", "addressId")
        )
        return DeletionPayload(deleted_id=input.address_id)
