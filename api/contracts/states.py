"""The contracts domain's choices and status machines: every state listed, one table each.

Contract statuses are the four the customer sees (004 §5.2):
新規契約手続き中 → 契約開始待 → 契約中 → 契約終了.
"""

from __future__ import annotations

from enum import StrEnum

from api.audit.state_machine import StateMachine


class ContractStatus(StrEnum):
    SETTING_UP = "setting_up"  # 新規契約手続き中: the store is setting the service up
    WAITING_TO_START = "waiting_to_start"  # 契約開始待: set up, the start date is ahead
    ACTIVE = "active"  # 契約中: from the start date
    ENDED = "ended"  # 契約終了: after the last day of service


class LineKind(StrEnum):
    MAIN = "main"  # the contracted product (seats)
    OPTION = "option"  # an option of the main product, with its own quantity


STATUS_LABELS = {
    ContractStatus.SETTING_UP: ("新規契約手続き中", "Being set up"),
    ContractStatus.WAITING_TO_START: ("契約開始待", "Waiting to start"),
    ContractStatus.ACTIVE: ("契約中", "Active"),
    ContractStatus.ENDED: ("契約終了", "Ended"),
}


CONTRACT_STATUS = StateMachine(
    "contract",
    {
        # Ended straight from set-up: the order was withdrawn before the service began.
        ContractStatus.SETTING_UP: frozenset(
            {ContractStatus.WAITING_TO_START, ContractStatus.ENDED}
        ),
        ContractStatus.WAITING_TO_START: frozenset({ContractStatus.ACTIVE, ContractStatus.ENDED}),
        ContractStatus.ACTIVE: frozenset({ContractStatus.ENDED}),
        ContractStatus.ENDED: frozenset(),
    },
)


# ---- applications: changes (004 §6) and cancellations (004 §7) ------------------------------


class ApplicationKind(StrEnum):
    CHANGE = "change"  # 数量・商品変更
    PARTIAL_CANCELLATION = "partial_cancellation"  # 部分解約
    FULL_CANCELLATION = "full_cancellation"  # 一括解約


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"  # 申請: mail ご注文完了 (change) / 申込完了 (cancellation)
    ACCEPTED = "accepted"  # 受付済: the store accepted it; not yet in effect
    DELIVERED = "delivered"  # changes: the maker delivered; mail 受領確認 with a link
    COMPLETED = "completed"  # in effect by the policy (change), お申込み手続完了 (cancellation)
    WITHDRAWN = "withdrawn"  # the member took it back before the store accepted it
    REFUSED = "refused"  # the store refused it, with a reason (mailed)


OPEN_APPLICATION_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.DELIVERED,
)

APPLICATION_STATUS_LABELS = {
    ApplicationStatus.SUBMITTED: ("申請", "Submitted"),
    ApplicationStatus.ACCEPTED: ("受付済", "Accepted"),
    ApplicationStatus.DELIVERED: ("受領確認待", "Awaiting receipt"),
    ApplicationStatus.COMPLETED: ("完了", "Completed"),
    ApplicationStatus.WITHDRAWN: ("取下げ", "Withdrawn"),
    ApplicationStatus.REFUSED: ("お断り", "Refused"),
}

CHANGE_APPLICATION_STATUS = StateMachine(
    "contract_change",
    {
        ApplicationStatus.SUBMITTED: frozenset(
            {ApplicationStatus.ACCEPTED, ApplicationStatus.WITHDRAWN, ApplicationStatus.REFUSED}
        ),
        ApplicationStatus.ACCEPTED: frozenset(
            {ApplicationStatus.DELIVERED, ApplicationStatus.REFUSED}
        ),
        ApplicationStatus.DELIVERED: frozenset({ApplicationStatus.COMPLETED}),
        ApplicationStatus.COMPLETED: frozenset(),
        ApplicationStatus.WITHDRAWN: frozenset(),
        ApplicationStatus.REFUSED: frozenset(),
    },
)

CANCELLATION_STATUS = StateMachine(
    "contract_cancellation",
    {
        ApplicationStatus.SUBMITTED: frozenset(
            {ApplicationStatus.ACCEPTED, ApplicationStatus.WITHDRAWN, ApplicationStatus.REFUSED}
        ),
        ApplicationStatus.ACCEPTED: frozenset(
            {ApplicationStatus.COMPLETED, ApplicationStatus.REFUSED}
        ),
        ApplicationStatus.COMPLETED: frozenset(),
        ApplicationStatus.WITHDRAWN: frozenset(),
        ApplicationStatus.REFUSED: frozenset(),
    },
)


def application_machine(kind: ApplicationKind) -> StateMachine:
    return CHANGE_APPLICATION_STATUS if kind == ApplicationKind.CHANGE else CANCELLATION_STATUS


# ---- the change and cancellation policy (store profile [contracts]) --------------------------


class ChangeTiming(StrEnum):
    """When a change takes effect (Kill Bill's change policies)."""

    IMMEDIATE = "immediate"  # the day it completes; the rest of the period prorated by day
    END_OF_TERM = "end_of_term"  # the day after the current term (billing period) ends
    REFUSED = "refused"  # not offered: the application is refused


class CancellationTiming(StrEnum):
    """The last day of service of a cancelled line or contract."""

    END_OF_MONTH = "end_of_month"  # the end of the month the application is made in
    END_OF_TERM = "end_of_term"  # the end of the current term


def diagrams() -> dict[str, str]:
    """Each state machine of the domain as Mermaid, as docs/contracts.md shows them."""
    labels = {k: v[0] for k, v in APPLICATION_STATUS_LABELS.items()}
    return {
        "contract": CONTRACT_STATUS.mermaid({k: v[0] for k, v in STATUS_LABELS.items()}),
        "contract_change": CHANGE_APPLICATION_STATUS.mermaid(labels),
        "contract_cancellation": CANCELLATION_STATUS.mermaid(labels),
    }
