"""Errors in the schema: `userErrors` for expected failures, coded GraphQL errors otherwise."""

from __future__ import annotations

from enum import Enum
from typing import Any

import strawberry
from graphql import GraphQLError

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


def to_user_errors(problems: list[Problem], language: str) -> list[UserError]:
    return [
        UserError(
            field=list(p.field) if p.field else None,
            code=ErrorCode[p.code],  # type: ignore[index]
            message=message(p.code, language, **p.params),
        )
        for p in problems
    ]


def user_errors(error: DomainError, info: Any) -> list[UserError]:
    return to_user_errors(error.problems, info.context.language)


class PublicError(GraphQLError):
    """A GraphQL error that is safe to show (not masked), with a machine code."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(text, extensions={"code": code})
