"""The contact form and withdrawal requests in the schema.

Thin: resolvers turn inputs into `api.support.service` calls and its
`DomainError` into `userErrors`. Members see their own inquiries and requests
only (by list and by `node`), staff see all.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import Enum
from typing import Any

import strawberry
from strawberry import relay

from api.accounts.schema import UserType
from api.companies.permissions import StaffPermission
from api.errors import DomainError
from api.graphql.errors import UserError, user_errors
from api.graphql.ids import int_id
from api.graphql.nodes import load_nodes
from api.graphql.pagination import Connection, paginate
from api.graphql.permissions import IsAuthenticated, requires
from api.support import service
from api.support.loaders import user_loader
from api.support.models import Inquiry as InquiryModel
from api.support.models import InquiryCategory as InquiryCategoryModel
from api.support.models import InquiryStatus as InquiryStatusModel
from api.support.models import WithdrawalRequest as WithdrawalRequestModel
from api.support.models import WithdrawalStatus as WithdrawalStatusModel

InquiryCategory = strawberry.enum(
    Enum("InquiryCategory", {c.name: c.value for c in InquiryCategoryModel}),
    name="InquiryCategory",
    description="What an inquiry is about: PRODUCT (商品・サービス), ORDER (注文・見積), "
    "ACCOUNT (会員情報・ログイン), BILLING (支払い・請求), OTHER (その他).",
)
InquiryStatus = strawberry.enum(
    Enum("InquiryStatus", {s.name: s.value for s in InquiryStatusModel}), name="InquiryStatus"
)
WithdrawalStatus = strawberry.enum(
    Enum("WithdrawalStatus", {s.name: s.value for s in WithdrawalStatusModel}),
    name="WithdrawalStatus",
)

MANAGE_INQUIRIES = requires(StaffPermission.MANAGE_INQUIRIES)
MANAGE_CUSTOMERS = requires(StaffPermission.MANAGE_CUSTOMERS)


async def _load_user(info: strawberry.Info, user_id: int | None) -> UserType | None:
    if user_id is None:
        return None
    user = await info.context.loader("support.user", user_loader).load(user_id)
    return UserType.from_model(user) if user else None


def _visible(caller: Any, owner_id: int | None) -> bool:
    return caller.is_staff or (caller.user_id is not None and caller.user_id == owner_id)


@strawberry.type(name="Inquiry", description="A message sent with the contact form.")
class InquiryType(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="The reference quoted in mails (お問い合わせ番号).")
    status: InquiryStatus  # type: ignore[valid-type]
    category: InquiryCategory  # type: ignore[valid-type]
    name: str
    email: str = strawberry.field(description="Where the acknowledgement and the answer go.")
    phone: str
    company_name: str
    subject: str
    body: str
    language: str = strawberry.field(description="The language of the mails: ja or en.")
    privacy_policy_version: int = strawberry.field(
        description="The privacy policy version the sender agreed to."
    )
    answer: str | None = strawberry.field(description="The answer mailed by staff, once sent.")
    answered_at: datetime | None
    closed_at: datetime | None
    created_at: datetime
    user_id: strawberry.Private[int | None]

    @strawberry.field(description="The member who sent it; null for an anonymous sender.")
    async def user(self, info: strawberry.Info) -> UserType | None:
        return await _load_user(info, self.user_id)

    @classmethod
    def from_model(cls, i: InquiryModel) -> InquiryType:
        return cls(
            id=i.id,
            number=i.number,
            status=InquiryStatus(i.status.value),
            category=InquiryCategory(i.category.value),
            name=i.name,
            email=i.email,
            phone=i.phone,
            company_name=i.company_name,
            subject=i.subject,
            body=i.body,
            language=i.language,
            privacy_policy_version=i.privacy_policy_version,
            answer=i.answer or None,
            answered_at=i.answered_at,
            closed_at=i.closed_at,
            created_at=i.created_at,
            user_id=i.user_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[InquiryType | None]:
        caller = info.context.caller
        scope = {} if caller.is_authenticated else None
        return await load_nodes(
            InquiryModel, node_ids, cls.from_model, scope, lambda row: _visible(caller, row.user_id)
        )


def _inquiry_page(
    qs: Any, first: int | None, after: str | None, last: int | None, before: str | None
) -> Any:
    return paginate(qs, InquiryType.from_model, first=first, after=after, last=last, before=before)


@strawberry.type(name="WithdrawalRequest", description="A member's request to close the account.")
class WithdrawalRequestType(relay.Node):
    id: relay.NodeID[int]
    number: str = strawberry.field(description="The reference staff and the member quote.")
    status: WithdrawalStatus  # type: ignore[valid-type]
    reason: str = strawberry.field(description="Why the member leaves (optional).")
    rejection_reason: str = strawberry.field(description="Why staff declined; mailed too.")
    personal_data_anonymized: bool = strawberry.field(
        description="Completed with personal data anonymised (the store's setting then)."
    )
    requested_at: datetime
    decided_at: datetime | None
    user_id: strawberry.Private[int]
    decided_by_id: strawberry.Private[int | None]

    @strawberry.field(description="The member. After an anonymising completion: placeholders.")
    async def user(self, info: strawberry.Info) -> UserType | None:
        return await _load_user(info, self.user_id)

    @strawberry.field(description="Staff only: who completed or rejected it.")
    async def decided_by(self, info: strawberry.Info) -> UserType | None:
        if not info.context.caller.is_staff:
            return None
        return await _load_user(info, self.decided_by_id)

    @classmethod
    def from_model(cls, r: WithdrawalRequestModel) -> WithdrawalRequestType:
        return cls(
            id=r.id,
            number=f"{r.id:06d}",
            status=WithdrawalStatus(r.status.value),
            reason=r.reason,
            rejection_reason=r.rejection_reason,
            personal_data_anonymized=r.personal_data == "anonymize",
            requested_at=r.created_at,
            decided_at=r.decided_at,
            user_id=r.user_id,
            decided_by_id=r.decided_by_id,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[WithdrawalRequestType | None]:
        caller = info.context.caller
        scope = {} if caller.is_authenticated else None
        return await load_nodes(
            WithdrawalRequestModel,
            node_ids,
            cls.from_model,
            scope,
            lambda row: _visible(caller, row.user_id),
        )


# ---- inputs and payloads ---------------------------------------------------------------


@strawberry.input(
    description="The contact form. Signed-in members may leave name and email "
    "empty: their own are used."
)
class SubmitInquiryInput:
    category: InquiryCategory  # type: ignore[valid-type]
    subject: str
    body: str
    name: str = ""
    email: str = ""
    phone: str = strawberry.field(default="", description="Optional; 10 or 11 digits.")
    company_name: str = ""
    privacy_policy_version: int | None = strawberry.field(
        default=None, description="The version of the privacy policy the sender agreed to."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Repeat a request safely (double click): same key, one inquiry."
    )


@strawberry.type
class SubmitInquiryPayload:
    inquiry: InquiryType | None
    user_errors: list[UserError]


@strawberry.input
class InquiryFilter:
    status: InquiryStatus | None = None  # type: ignore[valid-type]
    category: InquiryCategory | None = None  # type: ignore[valid-type]


@strawberry.input
class AnswerInquiryInput:
    inquiry_id: strawberry.ID
    body: str = strawberry.field(description="The answer; mailed to the sender as written.")


@strawberry.input
class CloseInquiryInput:
    inquiry_id: strawberry.ID
    reason: str = strawberry.field(default="", description="For the audit trail only.")


@strawberry.type
class InquiryPayload:
    inquiry: InquiryType | None
    user_errors: list[UserError]


@strawberry.input
class RequestWithdrawalInput:
    password: str = strawberry.field(description="The current password, asked again.")
    reason: str = ""


@strawberry.input
class WithdrawalRequestFilter:
    status: WithdrawalStatus | None = None  # type: ignore[valid-type]


@strawberry.input
class CompleteWithdrawalInput:
    request_id: strawberry.ID


@strawberry.input
class RejectWithdrawalInput:
    request_id: strawberry.ID
    reason: str = strawberry.field(description="Mailed to the member.")


@strawberry.type
class WithdrawalRequestPayload:
    withdrawal_request: WithdrawalRequestType | None
    user_errors: list[UserError]


# ---- queries -----------------------------------------------------------------------------


@strawberry.type
class SupportQuery:
    @strawberry.field(
        permission_classes=[MANAGE_INQUIRIES],
        description="Staff: contact-form inquiries, oldest first.",
    )
    async def inquiries(
        self,
        info: strawberry.Info,
        filter: InquiryFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[InquiryType]:
        qs = InquiryModel.all()
        if filter and filter.status:
            qs = qs.filter(status=filter.status.value)
        if filter and filter.category:
            qs = qs.filter(category=filter.category.value)
        return await _inquiry_page(qs.order_by("created_at", "id"), first, after, last, before)

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The caller's own inquiries, newest first.",
    )
    async def my_inquiries(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[InquiryType]:
        qs = InquiryModel.filter(user_id=info.context.caller.user_id).order_by("-created_at", "-id")
        return await _inquiry_page(qs, first, after, last, before)

    @strawberry.field(
        permission_classes=[MANAGE_CUSTOMERS],
        description="Staff: withdrawal requests, oldest first.",
    )
    async def withdrawal_requests(
        self,
        info: strawberry.Info,
        filter: WithdrawalRequestFilter | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> Connection[WithdrawalRequestType]:
        qs = WithdrawalRequestModel.all()
        if filter and filter.status:
            qs = qs.filter(status=filter.status.value)
        return await paginate(
            qs.order_by("created_at", "id"),
            WithdrawalRequestType.from_model,
            first=first,
            after=after,
            last=last,
            before=before,
        )

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The caller's latest withdrawal request (open or decided), if any.",
    )
    async def my_withdrawal_request(self, info: strawberry.Info) -> WithdrawalRequestType | None:
        request = (
            await WithdrawalRequestModel.filter(user_id=info.context.caller.user_id)
            .order_by("-created_at", "-id")
            .first()
        )
        return WithdrawalRequestType.from_model(request) if request else None


# ---- mutations ---------------------------------------------------------------------------


@strawberry.type
class SupportMutation:
    @strawberry.mutation(
        description="Send the contact form, signed in or not. The sender gets an "
        "acknowledgement mail; staff are notified. Rate limited per client and per address."
    )
    async def submit_inquiry(
        self, info: strawberry.Info, input: SubmitInquiryInput
    ) -> SubmitInquiryPayload:
        ctx = info.context
        form = service.InquiryForm(
            category=InquiryCategoryModel(input.category.value),
            subject=input.subject,
            body=input.body,
            name=input.name,
            email=input.email,
            phone=input.phone,
            company_name=input.company_name,
            privacy_policy_version=input.privacy_policy_version,
            language=ctx.language,
        )
        try:
            inquiry = await service.submit_inquiry(
                ctx.rt,
                form,
                sender=ctx.caller.user,
                ip_address=ctx.ip_address,
                idempotency_key=input.idempotency_key,
            )
        except DomainError as e:
            return SubmitInquiryPayload(inquiry=None, user_errors=user_errors(e, info))
        return SubmitInquiryPayload(inquiry=InquiryType.from_model(inquiry), user_errors=[])

    @strawberry.mutation(
        permission_classes=[MANAGE_INQUIRIES],
        description="Staff: mail the answer to the sender; the inquiry becomes ANSWERED.",
    )
    async def answer_inquiry(
        self, info: strawberry.Info, input: AnswerInquiryInput
    ) -> InquiryPayload:
        ctx = info.context
        try:
            inquiry = await service.get_inquiry(int_id(input.inquiry_id, "Inquiry", "inquiryId"))
            await service.answer_inquiry(ctx.rt, inquiry, input.body, actor_id=ctx.caller.user_id)
        except DomainError as e:
            return InquiryPayload(inquiry=None, user_errors=user_errors(e, info))
        return InquiryPayload(inquiry=InquiryType.from_model(inquiry), user_errors=[])

    @strawberry.mutation(
        permission_classes=[MANAGE_INQUIRIES],
        description="Staff: close an inquiry (resolved, duplicate or spam); no mail is sent.",
    )
    async def close_inquiry(
        self, info: strawberry.Info, input: CloseInquiryInput
    ) -> InquiryPayload:
        ctx = info.context
        try:
            inquiry = await service.get_inquiry(int_id(input.inquiry_id, "Inquiry", "inquiryId"))
            await service.close_inquiry(inquiry, actor_id=ctx.caller.user_id, reason=input.reason)
        except DomainError as e:
            return InquiryPayload(inquiry=None, user_errors=user_errors(e, info))
        return InquiryPayload(inquiry=InquiryType.from_model(inquiry), user_errors=[])

    @strawberry.mutation(
        permission_classes=[IsAuthenticated],
        description="Members: ask the store to close the account (password confirmed). "
        "Asking again while a request is open returns that request.",
    )
    async def request_withdrawal(
        self, info: strawberry.Info, input: RequestWithdrawalInput
    ) -> WithdrawalRequestPayload:
        ctx = info.context
        try:
            request = await service.request_withdrawal(
                ctx.rt, ctx.caller.user, input.password, input.reason
            )
        except DomainError as e:
            return WithdrawalRequestPayload(
                withdrawal_request=None, user_errors=user_errors(e, info)
            )
        return WithdrawalRequestPayload(
            withdrawal_request=WithdrawalRequestType.from_model(request), user_errors=[]
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_CUSTOMERS],
        description="Staff: close the member's account. Sessions end at once; personal data "
        "is anonymised or kept as the store's setting says; the member is told by mail.",
    )
    async def complete_withdrawal(
        self, info: strawberry.Info, input: CompleteWithdrawalInput
    ) -> WithdrawalRequestPayload:
        ctx = info.context
        try:
            request = await service.get_withdrawal_request(
                int_id(input.request_id, "WithdrawalRequest", "requestId")
            )
            await service.complete_withdrawal(ctx.rt, request, actor_id=ctx.caller.user_id)
        except DomainError as e:
            return WithdrawalRequestPayload(
                withdrawal_request=None, user_errors=user_errors(e, info)
            )
        return WithdrawalRequestPayload(
            withdrawal_request=WithdrawalRequestType.from_model(request), user_errors=[]
        )

    @strawberry.mutation(
        permission_classes=[MANAGE_CUSTOMERS],
        description="Staff: decline a withdrawal request with a reason (mailed to the member).",
    )
    async def reject_withdrawal(
        self, info: strawberry.Info, input: RejectWithdrawalInput
    ) -> WithdrawalRequestPayload:
        ctx = info.context
        try:
            request = await service.get_withdrawal_request(
                int_id(input.request_id, "WithdrawalRequest", "requestId")
            )
            await service.reject_withdrawal(
                ctx.rt, request, input.reason, actor_id=ctx.caller.user_id
            )
        except DomainError as e:
            return WithdrawalRequestPayload(
                withdrawal_request=None, user_errors=user_errors(e, info)
            )
        return WithdrawalRequestPayload(
            withdrawal_request=WithdrawalRequestType.from_model(request), user_errors=[]
        )


__all__ = ["InquiryType", "SupportMutation", "SupportQuery", "WithdrawalRequestType"]
