"""Who is acting: the one argument every domain service takes first.

An `Actor` is built once per request by the GraphQL layer (or by the CLI and
the workers with `Actor.system()`), so services never reach back into a
request to find out who is asking. It carries what the rules need: the user
(or nobody), their company, the permissions they hold now, where the request
came from, and the language for messages and mails. Services call
`actor.require(permission)` themselves: the schema's permission classes are
a first door, not the only one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from api.errors import DomainError

if TYPE_CHECKING:
    from api.accounts.models import User
    from api.accounts.security import ClientInfo


@dataclass(frozen=True)
class Actor:
    user: User | None = None
    permissions: frozenset[str] = frozenset()
    client: ClientInfo | None = None
    language: str = "ja"
    request_id: str = ""
    # The CLI and the workers act as the system: every staff permission, no user.
    system: bool = field(default=False)

    @classmethod
    def anonymous(cls, *, language: str = "ja", client: ClientInfo | None = None) -> Actor:
        return cls(language=language, client=client)

    @classmethod
    def for_system(cls, *, language: str = "ja") -> Actor:
        from api.companies.permissions import StaffPermission

        return cls(
            permissions=frozenset(p.value for p in StaffPermission),
            language=language,
            system=True,
        )

    @classmethod
    async def of_user(
        cls,
        user: User | None,
        *,
        language: str = "ja",
        client: ClientInfo | None = None,
        request_id: str = "",
    ) -> Actor:
        """An actor for a user, with the permissions their role grants now."""
        from api.companies.roles import permissions_of

        permissions = await permissions_of(user) if user else frozenset()
        return cls(user, permissions, client, language, request_id)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def is_staff(self) -> bool:
        from api.accounts.models import UserKind

        return self.system or (self.user is not None and self.user.kind == UserKind.STAFF)

    @property
    def is_member(self) -> bool:
        return self.user is not None and not self.is_staff

    @property
    def user_id(self) -> int | None:
        return self.user.id if self.user else None

    @property
    def company_id(self) -> int | None:
        return self.user.company_id if self.user else None  # type: ignore[attr-defined]

    def can(self, permission: StrEnum | str) -> bool:
        """Staff permissions need a staff actor and member ones a member: the two
        sets share names (manage_contracts) but never grant across the line."""
        from api.companies.permissions import StaffPermission

        for_staff = isinstance(permission, StaffPermission)
        value = permission.value if isinstance(permission, StrEnum) else permission
        return self.is_staff == for_staff and value in self.permissions

    def require_user(self) -> User:
        if self.user is None:
            raise DomainError.of("UNAUTHENTICATED")
        return self.user

    def require(self, permission: StrEnum | str) -> None:
        if not self.is_authenticated and not self.system:
            raise DomainError.of("UNAUTHENTICATED")
        if not self.can(permission):
            raise DomainError.of("FORBIDDEN")

    def require_staff(self) -> None:
        if not self.is_staff:
            raise DomainError.of("UNAUTHENTICATED" if self.user is None else "FORBIDDEN")
