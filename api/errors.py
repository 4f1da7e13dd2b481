"""Expected failures of domain operations.

Services raise `DomainError` with one or more `Problem`s; the GraphQL layer
turns them into `userErrors` with a stable code and a localized message.
Anything else that escapes a service is a bug or an outage and is masked.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    code: str
    field: tuple[str, ...] | None = None
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class DomainError(Exception):
    def __init__(self, *problems: Problem) -> None:
        super().__init__(", ".join(p.code for p in problems))
        self.problems = list(problems)

    @classmethod
    def of(cls, code: str, field: str | None = None, /, **params: Any) -> DomainError:
        return cls(Problem(code, (field,) if field else None, params))


class Problems:
    """Collects every problem of an input before failing, so a form shows them all."""

    def __init__(self) -> None:
        self.items: list[Problem] = []

    def add(self, code: str, field: str | None = None, /, **params: Any) -> None:
        self.items.append(Problem(code, (field,) if field else None, params))

    def has(self, field: str) -> bool:
        return any(p.field == (field,) for p in self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise DomainError(*self.items)
