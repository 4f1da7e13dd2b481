"""Per-request context: who is asking, in which language, with fresh dataloaders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from strawberry.dataloader import DataLoader

from api.accounts.sessions import Caller
from api.runtime import Runtime


@dataclass
class Context:
    rt: Runtime
    caller: Caller
    language: str
    ip_address: str = ""
    user_agent: str = ""
    request: Any = None
    # Set by sign-in/sign-out mutations; the HTTP layer turns them into Set-Cookie.
    set_session_cookie: tuple[str, Any] | None = None
    clear_session_cookie: bool = False
    _loaders: dict[str, DataLoader] = field(default_factory=dict)

    def loader(self, name: str, factory: Callable[[], DataLoader]) -> DataLoader:
        """One loader per name per request: batching without a cache that outlives it."""
        found = self._loaders.get(name)
        if found is None:
            found = self._loaders[name] = factory()
        return found
