"""Who may resolve a field. Services check again: the schema is not the only door."""

from __future__ import annotations

from typing import Any

from strawberry.permission import BasePermission

from api.i18n import message


class IsAuthenticated(BasePermission):
    error_extensions = {"code": "UNAUTHENTICATED"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        if info.context.caller.is_authenticated:
            return True
        self.message = message("UNAUTHENTICATED", info.context.language)
        return False


class IsStaff(BasePermission):
    error_extensions = {"code": "FORBIDDEN"}

    def has_permission(self, source: Any, info: Any, **kwargs: Any) -> bool:
        caller = info.context.caller
        if caller.is_staff:
            return True
        if not caller.is_authenticated:
            self.error_extensions = {"code": "UNAUTHENTICATED"}
            self.message = message("UNAUTHENTICATED", info.context.language)
        else:
            self.message = message("FORBIDDEN", info.context.language)
        return False
