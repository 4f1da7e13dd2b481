"""Who may resolve a field. Services check again: the schema is not the only door.

Permission instances are shared by every request, so they keep no state:
a refusal raises a coded `PublicError` straight from `has_permission`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from strawberry.permission import BasePermission

from api.graphql.errors import PublicError
from api.i18n import message


def _refuse(info: Any, code: str) -> PublicError:
    return PublicError(code, message(code, info.context.language))


class IsAuthenticated(BasePermission):
    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        if info.context.caller.is_authenticated:
            return True
        raise _refuse(info, "UNAUTHENTICATED")


class IsStaff(BasePermission):
    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        caller = info.context.caller
        if caller.is_staff:
            return True
        raise _refuse(info, "FORBIDDEN" if caller.is_authenticated else "UNAUTHENTICATED")


def requires(permission: StrEnum) -> type[BasePermission]:
    """A permission class for one named permission.

    Staff permissions need a staff caller and member permissions a member: the two
    sets share some names (manage_contracts) but never grant across the line.
    """
    from api.companies.permissions import StaffPermission

    for_staff = isinstance(permission, StaffPermission)

    class Requires(BasePermission):
        async def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
            ctx = info.context
            caller = ctx.caller
            if not caller.is_authenticated:
                raise _refuse(info, "UNAUTHENTICATED")
            if caller.is_staff == for_staff and permission.value in await ctx.permissions():
                return True
            raise _refuse(info, "FORBIDDEN")

    Requires.__name__ = Requires.__qualname__ = f"Requires_{permission.value}"
    return Requires
