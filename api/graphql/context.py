"""Per-request context: who is asking, in which language, with fresh dataloaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from api.accounts.security import ClientInfo
from api.accounts.sessions import Caller
from api.actor import Actor
from api.logs import current_request_id
from api.runtime import Runtime


@dataclass
class Context:
    rt: Runtime
    caller: Caller
    language: str
    ip_address: str = ""
    user_agent: str = ""
    request: Any = None
    # Set by sign-in/sign-out mutations; the HTTP layer turns them into Set-Cookie
    # (HttpOnly, Secure, SameSite=Lax): {name: (value, expires)}, value None clears it.
    cookies: dict[str, tuple[str | None, Any]] = field(default_factory=dict)
    _loaders: dict[str, DataLoader] = field(default_factory=dict)
    _permissions: frozenset[str] | None = None
    _actor: Actor | None = None

    async def permissions(self) -> frozenset[str]:
        """The caller's permissions, resolved once per request."""
        if self._permissions is None:
            from api.companies.roles import permissions_of

            user = self.caller.user
            self._permissions = await permissions_of(user) if user else frozenset()
        return self._permissions

    async def actor(self) -> Actor:
        """The caller as the services see it, built once per request."""
        if self._actor is None:
            self._actor = Actor(
                user=self.caller.user,
                permissions=await self.permissions(),
                client=self.client(),
                language=self.language,
                request_id=current_request_id(),
            )
        return self._actor

    def client(self) -> ClientInfo:
        return ClientInfo(self.ip_address, self.user_agent)

    def cookie(self, name: str) -> str | None:
        return self.request.cookies.get(name) if self.request is not None else None

    def loader(self, name: str, factory: Callable[[], DataLoader]) -> DataLoader:
        """One loader per name per request: batching without a cache that outlives it."""
        found = self._loaders.get(name)
        if found is None:
            found = self._loaders[name] = factory()
        return found
