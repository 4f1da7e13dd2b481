"""Errors in the schema: `userErrors` for expected failures, coded GraphQL errors otherwise."""

from __future__ import annotations

from datetime import date, datetime
from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.scalars import JSON

from api.errors import DomainError, Problem
from api.i18n import MESSAGES, message

# One source for the codes: every message in api.i18n is a code clients may see.
ErrorCode = strawberry.enum(
    Enum("ErrorCode", {code: code for code in MESSAGES}),  # type: ignore[misc]
    name="ErrorCode",
    description="Stable codes of expected failures; switch on these, show `message`.",
)


@strawberry.type(description="An expected failure of a mutation, tied to an input field.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path to the input field at fault (camelCase), or null for the whole input."
    )
    code: ErrorCode  # type: ignore[valid-type]
    message: str
    params: JSON | None = strawberry.field(
        default=None,
        description="The problem's values as data (camelCase keys), e.g. the minimum "
        "quantity or the earliest allowed date; null when the code says it all.",
    )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple | set | frozenset):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def problem_params(problem: Problem) -> dict[str, Any] | None:
    if not problem.params:
        return None
    return {_camel(k): _json_value(v) for k, v in problem.params.items()}


def to_user_errors(problems: list[Problem], language: str) -> list[UserError]:
    return [
        UserError(
            field=list(p.field) if p.field else None,
            code=ErrorCode[p.code],  # type: ignore[index]
            message=message(p.code, language, **p.params),
            params=problem_params(p),
        )
        for p in problems
    ]


def user_errors(error: DomainError, info: Any) -> list[UserError]:
    return to_user_errors(error.problems, info.context.language)


class PublicError(GraphQLError):
    """A GraphQL error that is safe to show (not masked), with a machine code."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text, extensions={"code": code})
