"""The support domain's choices and status machines: every state listed, one table each."""

from __future__ import annotations

from enum import StrEnum

from api.audit.state_machine import StateMachine


class InquiryCategory(StrEnum):
    PRODUCT = "product"  # 商品・サービスについて
    ORDER = "order"  # ご注文・お見積りについて
    ACCOUNT = "account"  # 会員情報・ログインについて
    BILLING = "billing"  # お支払い・ご請求について
    OTHER = "other"  # その他


class InquiryStatus(StrEnum):
    OPEN = "open"  # waiting for staff
    ANSWERED = "answered"  # the answer went out by mail
    CLOSED = "closed"  # nothing more to do (resolved, duplicate, spam)


class WithdrawalStatus(StrEnum):
    REQUESTED = "requested"
    COMPLETED = "completed"  # the account is closed
    REJECTED = "rejected"  # staff declined, with a reason (e.g. an open contract)


INQUIRY_STATUS = StateMachine(
    "inquiry",
    {
        InquiryStatus.OPEN: frozenset({InquiryStatus.ANSWERED, InquiryStatus.CLOSED}),
        InquiryStatus.ANSWERED: frozenset({InquiryStatus.CLOSED}),
        InquiryStatus.CLOSED: frozenset(),
    },
)

WITHDRAWAL_STATUS = StateMachine(
    "withdrawal_request",
    {
        WithdrawalStatus.REQUESTED: frozenset(
            {WithdrawalStatus.COMPLETED, WithdrawalStatus.REJECTED}
        ),
        WithdrawalStatus.COMPLETED: frozenset(),
        WithdrawalStatus.REJECTED: frozenset(),
    },
)
