"""The contact form and withdrawal requests in the schema.

Thin: each resolver reads its input, calls one `api.support.service` or
`api.support.queries` function with the request's `Actor`, and builds the
result. Members see their own inquiries and requests only (by list and by
`node`), staff see all.
"""

from __future__ import annotations

import strawberry

from api.companies.permissions import StaffPermission
from api.graphql.connections import Page, connection
from api.graphql.ids import int_id
from api.graphql.mutations import mutation
from api.graphql.pagination import Connection
from api.graphql.permissions import IsAuthenticated, requires
from api.support import queries, service
from api.support.types import (
    AnswerInquiryInput,
    CloseInquiryInput,
    CompleteWithdrawalInput,
    InquiryFilter,
    InquiryPayload,
    InquiryType,
    RejectWithdrawalInput,
    RequestWithdrawalInput,
    SubmitInquiryInput,
    SubmitInquiryPayload,
    WithdrawalRequestFilter,
    WithdrawalRequestPayload,
    WithdrawalRequestType,
)

MANAGE_INQUIRIES = requires(StaffPermission.MANAGE_INQUIRIES)
MANAGE_CUSTOMERS = requires(StaffPermission.MANAGE_CUSTOMERS)


@strawberry.type
class SupportQuery:
    @connection(
        permission_classes=[MANAGE_INQUIRIES],
        description="Staff: contact-form inquiries, oldest first.",
    )
    async def inquiries(
        self, info: strawberry.Info, filter: InquiryFilter | None = None
    ) -> Connection[InquiryType]:
        actor = await info.context.actor()
        rows = queries.inquiries(
            actor,
            status=filter.status if filter else None,
            category=filter.category if filter else None,
        )
        return Page(rows, InquiryType.from_inquiry)  # type: ignore[return-value]

    @connection(
        permission_classes=[IsAuthenticated],
        description="The caller's own inquiries, newest first.",
    )
    async def my_inquiries(self, info: strawberry.Info) -> Connection[InquiryType]:
        rows = queries.my_inquiries(await info.context.actor())
        return Page(rows, InquiryType.from_inquiry)  # type: ignore[return-value]

    @connection(
        permission_classes=[MANAGE_CUSTOMERS],
        description="Staff: withdrawal requests, oldest first.",
    )
    async def withdrawal_requests(
        self, info: strawberry.Info, filter: WithdrawalRequestFilter | None = None
    ) -> Connection[WithdrawalRequestType]:
        actor = await info.context.actor()
        rows = queries.withdrawal_requests(actor, status=filter.status if filter else None)
        return Page(rows, WithdrawalRequestType.from_request)  # type: ignore[return-value]

    @strawberry.field(
        permission_classes=[IsAuthenticated],
        description="The caller's latest withdrawal request (open or decided), if any.",
    )
    async def my_withdrawal_request(self, info: strawberry.Info) -> WithdrawalRequestType | None:
        request = await queries.my_withdrawal_request(await info.context.actor())
        return WithdrawalRequestType.from_request(request) if request else None


@strawberry.type
class SupportMutation:
    @mutation(
        description="Send the contact form, signed in or not. The sender gets an "
        "acknowledgement mail; staff are notified. Rate limited per client and per address."
    )
    async def submit_inquiry(
        self, info: strawberry.Info, input: SubmitInquiryInput
    ) -> SubmitInquiryPayload:
        ctx = info.context
        form = service.InquiryForm(
            category=input.category,
            subject=input.subject,
            body=input.body,
            name=input.name,
            email=input.email,
            phone=input.phone,
            company_name=input.company_name,
            privacy_policy_version=input.privacy_policy_version,
            language=ctx.language,
        )
        inquiry = await service.submit_inquiry(
            ctx.rt, await ctx.actor(), form, idempotency_key=input.idempotency_key
        )
        return SubmitInquiryPayload(inquiry=InquiryType.from_inquiry(inquiry))

    @mutation(
        permission_classes=[MANAGE_INQUIRIES],
        description="Staff: mail the answer to the sender; the inquiry becomes ANSWERED.",
    )
    async def answer_inquiry(
        self, info: strawberry.Info, input: AnswerInquiryInput
    ) -> InquiryPayload:
        ctx = info.context
        inquiry_id = int_id(input.inquiry_id, "Inquiry", "inquiryId")
        inquiry = await service.answer_inquiry(ctx.rt, await ctx.actor(), inquiry_id, input.body)
        return InquiryPayload(inquiry=InquiryType.from_inquiry(inquiry))

    @mutation(
        permission_classes=[MANAGE_INQUIRIES],
        description="Staff: close an inquiry (resolved, duplicate or spam); no mail is sent.",
    )
    async def close_inquiry(
        self, info: strawberry.Info, input: CloseInquiryInput
    ) -> InquiryPayload:
        inquiry_id = int_id(input.inquiry_id, "Inquiry", "inquiryId")
        inquiry = await service.close_inquiry(
            await info.context.actor(), inquiry_id, reason=input.reason
        )
        return InquiryPayload(inquiry=InquiryType.from_inquiry(inquiry))

    @mutation(
        permission_classes=[IsAuthenticated],
        description="Members: ask the store to close the account (password confirmed). "
        "Asking again while a request is open returns that request.",
    )
    async def request_withdrawal(
        self, info: strawberry.Info, input: RequestWithdrawalInput
    ) -> WithdrawalRequestPayload:
        ctx = info.context
        request = await service.request_withdrawal(
            ctx.rt, await ctx.actor(), input.password, input.reason
        )
        return WithdrawalRequestPayload(
            withdrawal_request=WithdrawalRequestType.from_request(request)
        )

    @mutation(
        permission_classes=[MANAGE_CUSTOMERS],
        description="Staff: close the member's account. Sessions end at once; personal data "
        "is anonymised or kept as the store's setting says; the member is told by mail.",
    )
    async def complete_withdrawal(
        self, info: strawberry.Info, input: CompleteWithdrawalInput
    ) -> WithdrawalRequestPayload:
        ctx = info.context
        request_id = int_id(input.request_id, "WithdrawalRequest", "requestId")
        request = await service.complete_withdrawal(ctx.rt, await ctx.actor(), request_id)
        return WithdrawalRequestPayload(
            withdrawal_request=WithdrawalRequestType.from_request(request)
        )

    @mutation(
        permission_classes=[MANAGE_CUSTOMERS],
        description="Staff: decline a withdrawal request with a reason (mailed to the member).",
    )
    async def reject_withdrawal(
        self, info: strawberry.Info, input: RejectWithdrawalInput
    ) -> WithdrawalRequestPayload:
        ctx = info.context
        request_id = int_id(input.request_id, "WithdrawalRequest", "requestId")
        request = await service.reject_withdrawal(
            ctx.rt, await ctx.actor(), request_id, input.reason
        )
        return WithdrawalRequestPayload(
            withdrawal_request=WithdrawalRequestType.from_request(request)
        )


__all__ = ["InquiryType", "SupportMutation", "SupportQuery", "WithdrawalRequestType"]
