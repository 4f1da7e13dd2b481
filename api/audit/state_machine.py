"""Status changes go through a table of allowed transitions.

`StateMachine.transition` is a conditional UPDATE (`WHERE id = ? AND status =
?`), so two requests or workers racing for the same change cannot both win,
on SQLite as on PostgreSQL; the winner records who, when and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from tortoise.models import Model

from api.audit.models import StatusTransition
from api.errors import DomainError

# Every machine built, by entity name: docs/state-machines.md is generated from it.
MACHINES: dict[str, StateMachine] = {}


class StateMachine:
    def __init__(self, entity: str, transitions: Mapping[StrEnum, frozenset[StrEnum]]) -> None:
        self.entity = entity
        self.transitions = transitions
        known = MACHINES.get(entity)
        if known is not None and known.transitions != transitions:
            raise ValueError(f"two state machines are named {entity!r}")
        MACHINES[entity] = self

    def allowed(self, current: StrEnum, target: StrEnum) -> bool:
        return target in self.transitions.get(current, frozenset())

    async def transition(
        self,
        obj: Model,
        target: StrEnum,
        *,
        actor_id: int | None,
        reason: str = "",
        **changes: Any,
    ) -> None:
        current = obj.status  # type: ignore[attr-defined]
        if not self.allowed(current, target):
            raise DomainError.of("INVALID_STATUS")
        updated = await type(obj).filter(pk=obj.pk, status=current).update(status=target, **changes)
        if updated != 1:
            # Someone else moved it first: report the state conflict, not a crash.
            raise DomainError.of("INVALID_STATUS")
        obj.status = target  # type: ignore[attr-defined]
        for key, value in changes.items():
            setattr(obj, key, value)
        await StatusTransition.create(
            entity=self.entity,
            entity_id=str(obj.pk),
            from_status=current.value,
            to_status=target.value,
            actor_id=actor_id,
            reason=reason,
        )

    def mermaid(self, labels: Mapping[StrEnum, str] | None = None) -> str:
        """The table as a Mermaid state diagram, for the docs (a test keeps them equal).

        The first state of the table is the initial one; states with no way out are final.
        `labels` adds a note (the customer's wording) to a state.
        """
        lines = ["stateDiagram-v2"]
        states = list(self.transitions)
        if states:
            lines.append(f"    [*] --> {states[0].name}")
        for state in states:
            if labels and state in labels:
                lines.append(f"    {state.name} : {state.name} {labels[state]}")
        for state in states:
            targets = self.transitions[state]
            if not targets:
                lines.append(f"    {state.name} --> [*]")
            for target in sorted(targets, key=states.index):
                lines.append(f"    {state.name} --> {target.name}")
        return "\n".join(lines) + "\n"
