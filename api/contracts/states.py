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


def diagrams() -> dict[str, str]:
    """Each state machine of the domain as Mermaid, as docs/contracts.md shows them."""
    return {
        "contract": CONTRACT_STATUS.mermaid({k: v[0] for k, v in STATUS_LABELS.items()}),
    }
