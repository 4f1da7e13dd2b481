"""Accounts in the schema: registration, verification, approval and sign-in.

Thin: each resolver turns its input into a service call and the service's
`DomainError` into `userErrors`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from api import clock
from api.accounts import registration
from api.accounts.models import User as UserModel
from api.accounts.models import UserKind as UserKindModel
from api.accounts.models import UserStatus as UserStatusModel
from api.companies.loaders import company_loader, custom_role_loader
from api.companies.permissions import BUILTIN_MEMBER_ROLES, CUSTOM_PREFIX, StaffPermission
from api.companies.roles import builtin_role, custom_role
from api.companies.schema import CompanyType, RoleType
from api.errors import DomainError
from api.graphql.errors import UserError, user_errors
from api.graphql.ids import int_id
from api.graphql.nodes import load_nodes
from api.graphql.pagination import Connection, SortOrder, paginate
from api.graphql.permissions import requires
from api.graphql.text import multiline
from api.keys import row_key

APPROVE = requires(StaffPermission.APPROVE_REGISTRATIONS)

UserStatus = strawberry.enum(
    Enum("UserStatus", {s.name: s.value for s in UserStatusModel}), name="UserStatus"
)
UserKind = strawberry.enum(
    Enum("UserKind", {k.name: k.value for k in UserKindModel}), name="UserKind"
)


@strawberry.type(name="User")
class UserType(relay.Node):
    id: relay.NodeID[int]
    kind: UserKind  # type: ignore[valid-type]
    status: UserStatus  # type: ignore[valid-type]
    email: str = strawberry.field(description="Also the login ID.")
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    department: str
    phone: str
    postal_code: str
    prefecture: str
    address_line1: str
    address_line2: str
    customer_code: str
    newsletter_opt_in: bool
    direct_mail_opt_in: bool
    language: str
    email_verified_at: datetime | None
    approved_at: datetime | None
    rejection_reason: str
    locked_at: datetime | None = strawberry.field(
        description="Set while the account is locked by staff or the company administrator "
        "(until lifted)."
    )
    locked_until: datetime | None = strawberry.field(
        description="Set while sign-in is refused after wrong passwords: a temporary lock "
        "that ends at this time by itself."
    )
    created_at: datetime
    company_id: strawberry.Private[int | None]
    role_key: strawberry.Private[str]

    @strawberry.field(
        description="The member's role in their company (null for staff and individual members)."
    )
    async def role(self, info: strawberry.Info) -> RoleType | None:
        if self.company_id is None or not self.role_key:
            return None
        if self.role_key in BUILTIN_MEMBER_ROLES:
            return RoleType.from_view(builtin_role(self.role_key), info.context.language)
        key = self.role_key.removeprefix(CUSTOM_PREFIX)
        if row_key(key) is None:
            return None
        role = await info.context.loader("custom_role", custom_role_loader).load(row_key(key))
        return RoleType.from_view(custom_role(role), info.context.language) if role else None

    @strawberry.field
    async def company(self, info: strawberry.Info) -> CompanyType | None:
        if self.company_id is None:
            return None
        company = await info.context.loader("company", company_loader).load(self.company_id)
        return CompanyType.from_row(company) if company else None

    @classmethod
    def from_model(cls, u: UserModel) -> UserType:
        return cls(
            id=u.id,
            kind=UserKind(u.kind.value),
            status=UserStatus(u.status.value),
            email=u.email,
            family_name=u.family_name,
            given_name=u.given_name,
            family_name_kana=u.family_name_kana,
            given_name_kana=u.given_name_kana,
            department=u.department,
            phone=u.phone,
            postal_code=u.postal_code,
            prefecture=u.prefecture,
            address_line1=u.address_line1,
            address_line2=u.address_line2,
            customer_code=u.customer_code,
            newsletter_opt_in=u.newsletter_opt_in,
            direct_mail_opt_in=u.direct_mail_opt_in,
            language=u.language,
            email_verified_at=u.email_verified_at,
            approved_at=u.approved_at,
            rejection_reason=u.rejection_reason,
            locked_at=u.locked_at,
            locked_until=u.locked_until
            if u.locked_until is not None and u.locked_until > clock.now()
            else None,
            created_at=u.created_at,
            company_id=u.company_id,
            role_key=u.role_key,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[UserType | None]:
        caller = info.context.caller
        # Members see themselves only (colleagues come through companyUsers).
        scope = {} if caller.is_staff else {"id": caller.user_id} if caller.user else None
        return await load_nodes(UserModel, node_ids, cls.from_model, scope)


# ---- registration -------------------------------------------------------------------


@strawberry.input(description="A membership application. `email` becomes the login ID.")
class RegisterInput:
    email: str
    password: str
    family_name: str
    given_name: str
    family_name_kana: str = strawberry.field(description="Katakana (hiragana is converted).")
    given_name_kana: str
    phone: str = strawberry.field(description="10 or 11 digits; hyphens optional.")
    postal_code: str = strawberry.field(description="7 digits, e.g. 123-4567.")
    prefecture: str = strawberry.field(description="e.g. 東京都")
    address_line1: str = strawberry.field(description="City, town and street number.")
    address_line2: str = ""
    company_name: str = ""
    company_name_kana: str = ""
    department: str = ""
    customer_code: str = ""
    newsletter_opt_in: bool = False
    terms_of_use_version: int | None = strawberry.field(
        default=None, description="The version of the terms of use the person agreed to."
    )
    privacy_policy_version: int | None = strawberry.field(
        default=None, description="The version of the privacy policy the person agreed to."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeat a request safely (double click): same key, one account."
    )


@strawberry.type
class RegisterPayload:
    accepted: bool = strawberry.field(
        description="True when the application was taken. The same answer is given for an "
        "address that is already registered (its owner is notified by mail instead)."
    )
    email: str | None
    user_errors: list[UserError]


@strawberry.input
class VerifyEmailInput:
    token: str = strawberry.field(description="The token from the link in the verification mail.")


@strawberry.type
class VerifyEmailPayload:
    status: UserStatus | None = strawberry.field(  # type: ignore[valid-type]
        description="ACTIVE: the member can sign in. PENDING_APPROVAL: the store reviews it."
    )
    user_errors: list[UserError]


@strawberry.input
class ResendVerificationEmailInput:
    email: str


@strawberry.type
class ResendVerificationEmailPayload:
    accepted: bool
    user_errors: list[UserError]


@strawberry.input
class ApproveRegistrationInput:
    user_id: strawberry.ID


@strawberry.input
class RejectRegistrationInput:
    user_id: strawberry.ID
    reason: str = multiline(description="Sent to the applicant in the rejection mail.")


@strawberry.type
class RegistrationDecisionPayload:
    user: UserType | None
    user_errors: list[UserError]


ApplicationSort = strawberry.enum(
    Enum("ApplicationSort", {k: k for k in ("OLDEST", "NEWEST")}), name="ApplicationSort"
)
APPLICATION_ORDERS = SortOrder({"OLDEST": ("created_at", "id"), "NEWEST": ("-created_at", "-id")})


@strawberry.input
class RegistrationApplicationFilter:
    status: UserStatus | None = None  # type: ignore[valid-type]


def _form(data: RegisterInput, language: str) -> registration.RegistrationForm:
    return registration.RegistrationForm(
        email=data.email,
        password=data.password,
        family_name=data.family_name,
        given_name=data.given_name,
        family_name_kana=data.family_name_kana,
        given_name_kana=data.given_name_kana,
        phone=data.phone,
        postal_code=data.postal_code,
        prefecture=data.prefecture,
        address_line1=data.address_line1,
        address_line2=data.address_line2,
        company_name=data.company_name,
        company_name_kana=data.company_name_kana,
        department=data.department,
        customer_code=data.customer_code,
        newsletter_opt_in=data.newsletter_opt_in,
        terms_of_use_version=data.terms_of_use_version,
        privacy_policy_version=data.privacy_policy_version,
        language=language,
    )


async def _pending_user(user_id: str) -> UserModel:
    user = await UserModel.get_or_none(
        id=int_id(user_id, "User", "userId"), kind=UserKindModel.MEMBER
    )
    if user is None:
        raise DomainError.of("NOT_FOUND", "userId")
    return user


@strawberry.type
class AccountsQuery:
    @strawberry.field(description="The signed-in user, or null for an anonymous caller.")
    def me(self, info: strawberry.Info) -> UserType | None:
        user = info.context.caller.user
        return UserType.from_model(user) if user else None

    @strawberry.field(
        permission_classes=[APPROVE], description="Staff: membership applications, oldest first."
    )
    async def registration_applications(
        self,
        info: strawberry.Info,
        filter: RegistrationApplicationFilter | None = None,
        sort: ApplicationSort | None = ApplicationSort.OLDEST,  # type: ignore[valid-type,attr-defined]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[UserType]:
        status = (
            filter.status.value
            if filter and filter.status
            else UserStatusModel.PENDING_APPROVAL.value
        )
        qs = UserModel.filter(kind=UserKindModel.MEMBER, status=status).order_by(
            *APPLICATION_ORDERS.fields(sort, "OLDEST")
        )
        return await paginate(
            qs, UserType.from_model, first=first, after=after, last=last, before=before
        )


@strawberry.type
class AccountsMutation:
    @strawberry.mutation(description="Apply for membership; a verification mail follows.")
    async def register(self, info: strawberry.Info, input: RegisterInput) -> RegisterPayload:
        ctx = info.context
        try:
            email = await registration.register(
                ctx.rt,
                _form(input, ctx.language),
                ip_address=ctx.ip_address,
                idempotency_key=input.idempotency_key,
            )
        except DomainError as e:
            return RegisterPayload(accepted=False, email=None, user_errors=user_errors(e, info))
        return RegisterPayload(accepted=True, email=email, user_errors=[])

    @strawberry.mutation(description="Confirm the address with the token from the mail.")
    async def verify_email(
        self, info: strawberry.Info, input: VerifyEmailInput
    ) -> VerifyEmailPayload:
        try:
            user = await registration.verify_email(info.context.rt, input.token)
        except DomainError as e:
            return VerifyEmailPayload(status=None, user_errors=user_errors(e, info))
        return VerifyEmailPayload(status=UserStatus(user.status.value), user_errors=[])

    @strawberry.mutation(description="Send a new verification link (rate limited).")
    async def resend_verification_email(
        self, info: strawberry.Info, input: ResendVerificationEmailInput
    ) -> ResendVerificationEmailPayload:
        try:
            await registration.resend_verification(
                info.context.rt, input.email, ip_address=info.context.ip_address
            )
        except DomainError as e:
            return ResendVerificationEmailPayload(accepted=False, user_errors=user_errors(e, info))
        return ResendVerificationEmailPayload(accepted=True, user_errors=[])

    @strawberry.mutation(
        permission_classes=[APPROVE],
        description="Staff: approve an application; the member is told by mail.",
    )
    async def approve_registration(
        self, info: strawberry.Info, input: ApproveRegistrationInput
    ) -> RegistrationDecisionPayload:
        try:
            user = await _pending_user(input.user_id)
            await registration.approve(info.context.rt, user, actor_id=info.context.caller.user_id)
        except DomainError as e:
            return RegistrationDecisionPayload(user=None, user_errors=user_errors(e, info))
        return RegistrationDecisionPayload(user=UserType.from_model(user), user_errors=[])

    @strawberry.mutation(
        permission_classes=[APPROVE],
        description="Staff: reject an application with a reason (mailed).",
    )
    async def reject_registration(
        self, info: strawberry.Info, input: RejectRegistrationInput
    ) -> RegistrationDecisionPayload:
        try:
            user = await _pending_user(input.user_id)
            await registration.reject(
                info.context.rt, user, input.reason, actor_id=info.context.caller.user_id
            )
        except DomainError as e:
            return RegistrationDecisionPayload(user=None, user_errors=user_errors(e, info))
        return RegistrationDecisionPayload(user=UserType.from_model(user), user_errors=[])


__all__ = ["AccountsMutation", "AccountsQuery", "UserType"]
