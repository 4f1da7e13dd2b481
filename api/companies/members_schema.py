"""The people of a company in the schema: users, invitations, approval, roles, profile."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from api.accounts.models import User as UserModel
from api.accounts.models import UserKind
from api.accounts.schema import UserStatus, UserType
from api.companies import roles, service
from api.companies.models import Invitation as InvitationModel
from api.companies.models import InvitationStatus as InvitationStatusModel
from api.companies.permissions import MemberPermission
from api.companies.schema import MANAGE_USERS, RoleType, role_key_from_id
from api.errors import DomainError
from api.graphql.errors import UserError, user_errors
from api.graphql.ids import int_id
from api.graphql.nodes import load_nodes
from api.graphql.pagination import Connection, SortOrder, paginate
from api.graphql.permissions import IsAuthenticated
from api.graphql.text import multiline

InvitationStatus = strawberry.enum(
    Enum("InvitationStatus", {s.name: s.value for s in InvitationStatusModel}),
    name="InvitationStatus",
)


@strawberry.type(name="Invitation")
class InvitationType(relay.Node):
    id: relay.NodeID[int]
    email: str
    message: str
    status: InvitationStatus  # type: ignore[valid-type]
    expires_at: datetime
    sent_count: int
    created_at: datetime
    expired: bool
    role_key: strawberry.Private[str]
    company_id: strawberry.Private[int]

    @strawberry.field
    async def role(self, info: strawberry.Info) -> RoleType | None:
        view = await roles.role_for(self.company_id, self.role_key)
        return RoleType.from_view(view, info.context.language) if view else None

    @classmethod
    def from_model(cls, i: InvitationModel) -> InvitationType:
        from api import clock

        return cls(
            id=i.id,
            email=i.email,
            message=i.message,
            status=InvitationStatus(i.status.value),
            expires_at=i.expires_at,
            sent_count=i.sent_count,
            created_at=i.created_at,
            expired=i.expires_at <= clock.now(),
            role_key=i.role_key,
            company_id=i.company_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[InvitationType | None]:
        user = info.context.caller.user
        allowed = (
            user is not None
            and user.company_id is not None
            and (MemberPermission.MANAGE_USERS.value in await info.context.permissions())
        )
        scope = {"company_id": user.company_id} if allowed else None
        return await load_nodes(InvitationModel, node_ids, cls.from_model, scope)


@strawberry.type(description="What the invitation page shows before the invitee registers.")
class InvitationPreview:
    email: str
    company_name: str
    role_name: str
    message: str
    expires_at: datetime


CompanyUserSort = strawberry.enum(
    Enum("CompanyUserSort", {k: k for k in ("OLDEST", "NEWEST", "EMAIL", "NAME_KANA")}),
    name="CompanyUserSort",
)
USER_ORDERS = SortOrder({
    "OLDEST": ("id",), "NEWEST": ("-id",), "EMAIL": ("email", "id"),
    "NAME_KANA": ("family_name_kana", "given_name_kana", "id"),
})  # fmt: skip
InvitationSort = strawberry.enum(
    Enum("InvitationSort", {k: k for k in ("NEWEST", "OLDEST", "EXPIRES_SOON")}),
    name="InvitationSort",
)
INVITATION_ORDERS = SortOrder(
    {"NEWEST": ("-id",), "OLDEST": ("id",), "EXPIRES_SOON": ("expires_at", "id")}
)


@strawberry.input
class CompanyUserFilter:
    status: UserStatus | None = None  # type: ignore[valid-type]


@strawberry.input
class InvitationFilter:
    status: InvitationStatus | None = None  # type: ignore[valid-type]


@strawberry.input
class InviteUserInput:
    email: str
    role_id: strawberry.ID
    message: str = multiline(default="")


@strawberry.input
class InvitationIdInput:
    invitation_id: strawberry.ID


@strawberry.type
class InvitationPayload:
    invitation: InvitationType | None
    user_errors: list[UserError]


@strawberry.input(description="The invitee registers; the email is the invited one.")
class AcceptInvitationInput:
    token: str
    password: str
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    phone: str
    department: str = ""
    terms_of_use_version: int | None = None
    privacy_policy_version: int | None = None


@strawberry.type
class AcceptInvitationPayload:
    accepted: bool
    status: UserStatus | None = strawberry.field(  # type: ignore[valid-type]
        description="AWAITING_COMPANY_APPROVAL: the company's administrator approves next."
    )
    user_errors: list[UserError]


@strawberry.input
class CompanyUserInput:
    user_id: strawberry.ID


@strawberry.input
class RejectCompanyUserInput:
    user_id: strawberry.ID
    reason: str = multiline(default="")


@strawberry.input
class ChangeUserRoleInput:
    user_id: strawberry.ID
    role_id: strawberry.ID


@strawberry.type
class CompanyUserPayload:
    user: UserType | None
    user_errors: list[UserError]


@strawberry.input(description="Only the fields given are changed.")
class UpdateMyProfileInput:
    family_name: str | None = None
    given_name: str | None = None
    family_name_kana: str | None = None
    given_name_kana: str | None = None
    department: str | None = None
    phone: str | None = None
    postal_code: str | None = None
    prefecture: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    newsletter_opt_in: bool | None = None
    direct_mail_opt_in: bool | None = None
    language: str | None = None


@strawberry.type
class ProfilePayload:
    user: UserType | None
    user_errors: list[UserError]


def _user_id(value: str) -> int:
    return int_id(value, "User", "userId")


@strawberry.type
class MembersQuery:
    @strawberry.field(
        permission_classes=[MANAGE_USERS],
        description="The company's users (ユーザー一覧), oldest first.",
    )
    async def company_users(
        self,
        info: strawberry.Info,
        filter: CompanyUserFilter | None = None,
        sort: CompanyUserSort | None = CompanyUserSort.OLDEST,  # type: ignore[valid-type,attr-defined]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[UserType]:
        user = info.context.caller.user
        qs = UserModel.filter(company_id=user.company_id, kind=UserKind.MEMBER)
        if filter and filter.status:
            qs = qs.filter(status=filter.status.value)
        return await paginate(
            qs.order_by(*USER_ORDERS.fields(sort, "OLDEST")),
            UserType.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(
        permission_classes=[MANAGE_USERS], description="The company's invitations, newest first."
    )
    async def invitations(
        self,
        info: strawberry.Info,
        filter: InvitationFilter | None = None,
        sort: InvitationSort | None = InvitationSort.NEWEST,  # type: ignore[valid-type,attr-defined]
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[InvitationType]:
        user = info.context.caller.user
        qs = InvitationModel.filter(company_id=user.company_id)
        if filter and filter.status:
            qs = qs.filter(status=filter.status.value)
        return await paginate(
            qs.order_by(*INVITATION_ORDERS.fields(sort, "NEWEST")),
            InvitationType.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(
        description="The invitation behind a link, for the invitee's form; "
        "null when the link is unknown, used or expired."
    )
    async def invitation(self, info: strawberry.Info, token: str) -> InvitationPreview | None:
        try:
            invitation, company = await service.open_invitation(token)
        except DomainError:
            return None
        view = await roles.role_for(company.id, invitation.role_key)
        language = info.context.language
        return InvitationPreview(
            email=invitation.email,
            company_name=company.name,
            role_name=(view.name if language == "ja" else view.name_en) if view else "",
            message=invitation.message,
            expires_at=invitation.expires_at,
        )


@strawberry.type
class MembersMutation:
    @strawberry.mutation(
        permission_classes=[MANAGE_USERS],
        description="Invite a person by email with a role; a link is mailed.",
    )
    async def invite_user(self, info: strawberry.Info, input: InviteUserInput) -> InvitationPayload:
        ctx = info.context
        try:
            invitation = await service.invite(
                ctx.rt, ctx.caller.user, input.email, role_key_from_id(input.role_id), input.message
            )
        except DomainError as e:
            return InvitationPayload(invitation=None, user_errors=user_errors(e, info))
        return InvitationPayload(invitation=InvitationType.from_model(invitation), user_errors=[])

    @strawberry.mutation(
        permission_classes=[MANAGE_USERS],
        description="Mail a fresh link (the old one stops working).",
    )
    async def resend_invitation(
        self, info: strawberry.Info, input: InvitationIdInput
    ) -> InvitationPayload:
        ctx = info.context
        try:
            invitation = await service.resend_invitation(
                ctx.rt, ctx.caller.user, int_id(input.invitation_id, "Invitation", "invitationId")
            )
        except DomainError as e:
            return InvitationPayload(invitation=None, user_errors=user_errors(e, info))
        return InvitationPayload(invitation=InvitationType.from_model(invitation), user_errors=[])

    @strawberry.mutation(permission_classes=[MANAGE_USERS])
    async def revoke_invitation(
        self, info: strawberry.Info, input: InvitationIdInput
    ) -> InvitationPayload:
        ctx = info.context
        try:
            invitation = await service.revoke_invitation(
                ctx.rt, ctx.caller.user, int_id(input.invitation_id, "Invitation", "invitationId")
            )
        except DomainError as e:
            return InvitationPayload(invitation=None, user_errors=user_errors(e, info))
        return InvitationPayload(invitation=InvitationType.from_model(invitation), user_errors=[])

    @strawberry.mutation(description="The invitee registers from the invitation link.")
    async def accept_invitation(
        self, info: strawberry.Info, input: AcceptInvitationInput
    ) -> AcceptInvitationPayload:
        ctx = info.context
        form = service.InviteeForm(
            password=input.password,
            family_name=input.family_name,
            given_name=input.given_name,
            family_name_kana=input.family_name_kana,
            given_name_kana=input.given_name_kana,
            phone=input.phone,
            department=input.department,
            terms_of_use_version=input.terms_of_use_version,
            privacy_policy_version=input.privacy_policy_version,
            language=ctx.language,
        )
        try:
            user = await service.accept_invitation(ctx.rt, input.token, form, ctx.client())
        except DomainError as e:
            return AcceptInvitationPayload(
                accepted=False, status=None, user_errors=user_errors(e, info)
            )
        return AcceptInvitationPayload(
            accepted=True, status=UserStatus(user.status.value), user_errors=[]
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_USERS], description="Approve an invited user (承認済)."
    )
    async def approve_company_user(
        self, info: strawberry.Info, input: CompanyUserInput
    ) -> CompanyUserPayload:
        return await _user_change(
            info,
            lambda ctx, uid: service.approve_member(ctx.rt, ctx.caller.user, uid),
            input.user_id,
        )

    @strawberry.mutation(permission_classes=[MANAGE_USERS])
    async def reject_company_user(
        self, info: strawberry.Info, input: RejectCompanyUserInput
    ) -> CompanyUserPayload:
        return await _user_change(
            info,
            lambda ctx, uid: service.reject_member(ctx.rt, ctx.caller.user, uid, input.reason),
            input.user_id,
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_USERS], description="The last administrator cannot be demoted."
    )
    async def change_user_role(
        self, info: strawberry.Info, input: ChangeUserRoleInput
    ) -> CompanyUserPayload:
        return await _user_change(
            info,
            lambda ctx, uid: service.change_role(
                ctx.rt, ctx.caller.user, uid, role_key_from_id(input.role_id)
            ),
            input.user_id,
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_USERS],
        description="Stop a user from signing in (ロック); sessions end.",
    )
    async def lock_company_user(
        self, info: strawberry.Info, input: CompanyUserInput
    ) -> CompanyUserPayload:
        return await _user_change(
            info,
            lambda ctx, uid: service.set_member_lock(
                ctx.rt, ctx.caller.user, uid, True, ctx.client()
            ),
            input.user_id,
        )

    @strawberry.mutation(permission_classes=[MANAGE_USERS])
    async def unlock_company_user(
        self, info: strawberry.Info, input: CompanyUserInput
    ) -> CompanyUserPayload:
        return await _user_change(
            info,
            lambda ctx, uid: service.set_member_lock(
                ctx.rt, ctx.caller.user, uid, False, ctx.client()
            ),
            input.user_id,
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_USERS],
        description="Take a user out of the company. Not the last administrator.",
    )
    async def remove_company_user(
        self, info: strawberry.Info, input: CompanyUserInput
    ) -> CompanyUserPayload:
        return await _user_change(
            info,
            lambda ctx, uid: service.remove_member(ctx.rt, ctx.caller.user, uid),
            input.user_id,
        )

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Change one's own contact data; a notice is mailed "
        "(会員情報変更のお知らせ). Existing quotes and orders keep their copy.",
    )
    async def update_my_profile(
        self, info: strawberry.Info, input: UpdateMyProfileInput
    ) -> ProfilePayload:
        ctx = info.context
        changes = {name: getattr(input, name) for name in service.PROFILE_FIELDS}
        try:
            user = await service.update_profile(ctx.rt, ctx.caller.user, changes)
        except DomainError as e:
            return ProfilePayload(user=None, user_errors=user_errors(e, info))
        return ProfilePayload(user=UserType.from_model(user), user_errors=[])


async def _user_change(info: Any, change: Any, user_id: str) -> CompanyUserPayload:
    ctx = info.context
    try:
        user = await change(ctx, _user_id(user_id))
    except DomainError as e:
        return CompanyUserPayload(user=None, user_errors=user_errors(e, info))
    return CompanyUserPayload(user=UserType.from_model(user), user_errors=[])
