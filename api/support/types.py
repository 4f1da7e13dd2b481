"""Strawberry types of the support domain: inquiries, withdrawal requests, their inputs."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

import strawberry
from strawberry import relay

from api.accounts.schema import UserType
from api.graphql.errors import UserError
from api.graphql.rows import FromRow
from api.graphql.text import multiline
from api.support import queries, states
from api.support.loaders import user_loader

strawberry.enum(
    states.InquiryCategory,
    name="InquiryCategory",
    description="What an inquiry is about: PRODUCT (商品・サービス), ORDER (注文・見積), "
    "ACCOUNT (会員情報・ログイン), BILLING (支払い・請求), OTHER (その他).",
)
strawberry.enum(states.InquiryStatus, name="InquiryStatus")
strawberry.enum(states.WithdrawalStatus, name="WithdrawalStatus")
InquiryCategory = states.InquiryCategory
InquiryStatus = states.InquiryStatus
WithdrawalStatus = states.WithdrawalStatus


async def _load_user(info: strawberry.Info, user_id: int | None) -> UserType | None:
    if user_id is None:
        return None
    user = await info.context.loader("support.user", user_loader).load(user_id)
    return UserType.from_model(user) if user else None


@strawberry.type(name="Inquiry", description="A message sent with the contact form.")
class InquiryType(FromRow, relay.Node):
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
    def from_inquiry(cls, row: Any) -> InquiryType:
        return cls.from_row(row, answer=row.answer or None)

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[InquiryType | None]:
        rows = await queries.inquiries_by_keys(await info.context.actor(), list(node_ids))
        return [cls.from_inquiry(r) if r else None for r in rows]


@strawberry.type(name="WithdrawalRequest", description="A member's request to close the account.")
class WithdrawalRequestType(FromRow, relay.Node):
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
    def from_request(cls, row: Any) -> WithdrawalRequestType:
        return cls.from_row(
            row,
            number=f"{row.id:06d}",
            personal_data_anonymized=row.personal_data == "anonymize",
            requested_at=row.created_at,
        )

    @classmethod
    async def resolve_nodes(
        cls, *, info: Any, node_ids: Iterable[str], required: bool = False
    ) -> list[WithdrawalRequestType | None]:
        rows = await queries.withdrawal_requests_by_keys(await info.context.actor(), list(node_ids))
        return [cls.from_request(r) if r else None for r in rows]


# ---- inputs and payloads ---------------------------------------------------------------


@strawberry.input(
    description="The contact form. Signed-in members may leave name and email "
    "empty: their own are used."
)
class SubmitInquiryInput:
    category: InquiryCategory  # type: ignore[valid-type]
    subject: str
    body: str = multiline()
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
    inquiry: InquiryType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class InquiryFilter:
    status: InquiryStatus | None = None  # type: ignore[valid-type]
    category: InquiryCategory | None = None  # type: ignore[valid-type]


@strawberry.input
class AnswerInquiryInput:
    inquiry_id: strawberry.ID
    body: str = multiline(description="The answer; mailed to the sender as written.")


@strawberry.input
class CloseInquiryInput:
    inquiry_id: strawberry.ID
    reason: str = multiline(default="", description="For the audit trail only.")


@strawberry.type
class InquiryPayload:
    inquiry: InquiryType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.input
class RequestWithdrawalInput:
    password: str = strawberry.field(description="The current password, asked again.")
    reason: str = multiline(default="")


@strawberry.input
class WithdrawalRequestFilter:
    status: WithdrawalStatus | None = None  # type: ignore[valid-type]


@strawberry.input
class CompleteWithdrawalInput:
    request_id: strawberry.ID


@strawberry.input
class RejectWithdrawalInput:
    request_id: strawberry.ID
    reason: str = multiline(description="Mailed to the member.")


@strawberry.type
class WithdrawalRequestPayload:
    withdrawal_request: WithdrawalRequestType | None = None
    user_errors: list[UserError] = strawberry.field(default_factory=list)
