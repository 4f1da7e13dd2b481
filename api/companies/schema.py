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

from api.companies import roles, service
from api.companies.loaders import company_loader
from api.companies.models import Address as AddressModel
from api.companies.models import Company as CompanyModel
from api.companies.models import CompanyRole
from api.companies.permissions import (
    BUILTIN_MEMBER_ROLES,
    CUSTOM_PREFIX,
    LABELS,
    MemberPermission,
)
from api.errors import DomainError
from api.graphql.errors import UserError, user_errors
from api.graphql.ids import from_global_id, int_id
from api.graphql.nodes import load_nodes
from api.graphql.pagination import Connection, paginate
from api.graphql.permissions import IsAuthenticated, requires

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
class CompanyType(relay.Node):
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
    def from_model(cls, c: CompanyModel) -> CompanyType:
        return cls(
            id=c.id,
            name=c.name,
            name_kana=c.name_kana,
            postal_code=c.postal_code,
            prefecture=c.prefecture,
            address_line1=c.address_line1,
            address_line2=c.address_line2,
            phone=c.phone,
            billing_name=c.billing_name,
            billing_department=c.billing_department,
            billing_postal_code=c.billing_postal_code,
            billing_prefecture=c.billing_prefecture,
            billing_address_line1=c.billing_address_line1,
            billing_address_line2=c.billing_address_line2,
            billing_phone=c.billing_phone,
            created_at=c.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[CompanyType | None]:
        caller = info.context.caller
        loader = info.context.loader("company", company_loader)
        ids = [int(i) if i.isdigit() else -1 for i in node_ids]
        companies = await loader.load_many(ids)
        result: list[CompanyType | None] = []
        for company in companies:
            # A member sees only their own company; anything else is "not found".
            visible = company is not None and (
                caller.is_staff
                or (caller.user is not None and caller.user.company_id == company.id)
            )
            result.append(cls.from_model(company) if visible else None)
        return result


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
        caller = info.context.caller
        result: list[RoleType | None] = []
        for key in node_ids:
            view = None
            if key in BUILTIN_MEMBER_ROLES:
                view = roles.builtin_role(key)
            elif key.isdigit() and caller.user is not None:
                role = await CompanyRole.get_or_none(id=int(key))
                if role and (caller.is_staff or role.company_id == caller.user.company_id):
                    view = roles.custom_role(role)
            result.append(cls.from_view(view, info.context.language) if view else None)
        return result


def role_key_from_id(value: str, field: str = "roleId") -> str:
    """Role global ID -> the key stored on users ('administrator', 'custom:12')."""
    key = from_global_id(value, "Role", field)
    return key if key in BUILTIN_MEMBER_ROLES else f"{CUSTOM_PREFIX}{key}"


@strawberry.type(name="Address", description="An entry of the address book (お届け先).")
class AddressType(relay.Node):
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
    def from_model(cls, a: AddressModel) -> AddressType:
        return cls(
            id=a.id,
            label=a.label,
            recipient_name=a.recipient_name,
            recipient_name_kana=a.recipient_name_kana,
            company_name=a.company_name,
            department=a.department,
            postal_code=a.postal_code,
            prefecture=a.prefecture,
            address_line1=a.address_line1,
            address_line2=a.address_line2,
            phone=a.phone,
            is_default=a.is_default,
            updated_at=a.updated_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[AddressType | None]:
        user = info.context.caller.user
        scope = service.address_owner(user) if user and user.kind == "member" else None
        return await load_nodes(AddressModel, node_ids, cls.from_model, scope)


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
    role: RoleType | None
    user_errors: list[UserError]


@strawberry.type
class DeletionPayload:
    deleted_id: strawberry.ID | None
    user_errors: list[UserError]


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
    company: CompanyType | None
    user_errors: list[UserError]


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
    address: AddressType | None
    user_errors: list[UserError]


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
        return CompanyType.from_model(company) if company else None

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

    @strawberry.field(
        permission_classes=[MANAGE_ADDRESSES], description="The address book, default first."
    )
    async def addresses(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[AddressType]:
        owner = service.address_owner(info.context.caller.user)
        qs = AddressModel.filter(**owner).order_by("-is_default", "id")
        return await paginate(
            qs, AddressType.from_model, first=first, after=after, last=last, before=before
        )


@strawberry.type
class CompaniesMutation:
    @strawberry.mutation(
        permission_classes=[MANAGE_COMPANY],
        description="Change company or billing information (administrators "
        "are told by mail). Existing quotes and orders keep their copy.",
    )
    async def update_company(
        self, info: strawberry.Info, input: UpdateCompanyInput
    ) -> CompanyPayload:
        ctx = info.context
        try:
            company = await service.update_company(
                ctx.rt, ctx.caller.user, _fields(input, service.COMPANY_FIELDS)
            )
        except DomainError as e:
            return CompanyPayload(company=None, user_errors=user_errors(e, info))
        return CompanyPayload(company=CompanyType.from_model(company), user_errors=[])

    @strawberry.mutation(permission_classes=[MANAGE_USERS])
    async def create_role(self, info: strawberry.Info, input: CreateRoleInput) -> RolePayload:
        try:
            role = await service.create_role(
                info.context.caller.user, input.name, [p.value for p in input.permissions]
            )
        except DomainError as e:
            return RolePayload(role=None, user_errors=user_errors(e, info))
        return RolePayload(
            role=RoleType.from_view(roles.custom_role(role), info.context.language), user_errors=[]
        )

    @strawberry.mutation(permission_classes=[MANAGE_USERS])
    async def update_role(self, info: strawberry.Info, input: UpdateRoleInput) -> RolePayload:
        try:
            key = from_global_id(input.role_id, "Role", "roleId")
            if not key.isdigit():
                code = "BUILTIN_ROLE" if key in BUILTIN_MEMBER_ROLES else "NOT_FOUND"
                raise DomainError.of(code, "roleId")
            role = await service.update_role(
                info.context.caller.user, int(key), input.name, [p.value for p in input.permissions]
            )
        except DomainError as e:
            return RolePayload(role=None, user_errors=user_errors(e, info))
        return RolePayload(
            role=RoleType.from_view(roles.custom_role(role), info.context.language), user_errors=[]
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_USERS], description="Delete a custom role nobody holds."
    )
    async def delete_role(self, info: strawberry.Info, input: DeleteRoleInput) -> DeletionPayload:
        try:
            key = from_global_id(input.role_id, "Role", "roleId")
            if not key.isdigit():
                code = "BUILTIN_ROLE" if key in BUILTIN_MEMBER_ROLES else "NOT_FOUND"
                raise DomainError.of(code, "roleId")
            await service.delete_role(info.context.caller.user, int(key))
        except DomainError as e:
            return DeletionPayload(deleted_id=None, user_errors=user_errors(e, info))
        return DeletionPayload(deleted_id=input.role_id, user_errors=[])

    @strawberry.mutation(
        permission_classes=[MANAGE_ADDRESSES],
        description="Add a delivery address; the first one is the default.",
    )
    async def create_address(
        self, info: strawberry.Info, input: CreateAddressInput
    ) -> AddressPayload:
        try:
            address = await service.create_address(
                info.context.caller.user, _fields(input, service.ADDRESS_FIELDS), input.make_default
            )
        except DomainError as e:
            return AddressPayload(address=None, user_errors=user_errors(e, info))
        return AddressPayload(address=AddressType.from_model(address), user_errors=[])

    @strawberry.mutation(permission_classes=[MANAGE_ADDRESSES])
    async def update_address(
        self, info: strawberry.Info, input: UpdateAddressInput
    ) -> AddressPayload:
        try:
            address = await service.update_address(
                info.context.caller.user,
                int_id(input.address_id, "Address", "addressId"),
                _fields(input, service.ADDRESS_FIELDS),
            )
        except DomainError as e:
            return AddressPayload(address=None, user_errors=user_errors(e, info))
        return AddressPayload(address=AddressType.from_model(address), user_errors=[])

    @strawberry.mutation(permission_classes=[MANAGE_ADDRESSES])
    async def set_default_address(
        self, info: strawberry.Info, input: AddressIdInput
    ) -> AddressPayload:
        try:
            address = await service.set_default_address(
                info.context.caller.user, int_id(input.address_id, "Address", "addressId")
            )
        except DomainError as e:
            return AddressPayload(address=None, user_errors=user_errors(e, info))
        return AddressPayload(address=AddressType.from_model(address), user_errors=[])

    @strawberry.mutation(permission_classes=[MANAGE_ADDRESSES])
    async def delete_address(self, info: strawberry.Info, input: AddressIdInput) -> DeletionPayload:
        try:
            await service.delete_address(
                info.context.caller.user, int_id(input.address_id, "Address", "addressId")
            )
        except DomainError as e:
            return DeletionPayload(deleted_id=None, user_errors=user_errors(e, info))
        return DeletionPayload(deleted_id=input.address_id, user_errors=[])
