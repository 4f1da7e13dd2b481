"""Domain events: one domain reacts to another's facts inside the same transaction.

An order that staff accept opens its contracts; a shipped order and a started
contract period become billable charges. The domain that owns the fact
defines the event (a frozen dataclass in `<domain>/events.py`) and publishes
it inside its unit of work; the domains that react subscribe in one place,
`api/subscriptions.py`, so who listens to what is read in a single file
rather than discovered at import time.

Handlers run in the publisher's transaction, in subscription order: if one
raises, the whole unit of work rolls back, so "order accepted" and "contract
opened" are never half done. Work that must wait for the commit (mail, jobs)
goes through `api.db.after_commit` from inside the handler, as everywhere else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

E = TypeVar("E")
Handler = Callable[[Any], Awaitable[None]]


class EventBus:
    def __init__(self) -> None:
        self._handlers: dict[type, list[Handler]] = {}

    def subscribe(self, event_type: type[E], handler: Callable[[E], Awaitable[None]]) -> None:
        handlers = self._handlers.setdefault(event_type, [])
        if handler not in handlers:  # subscribing twice must not run a handler twice
            handlers.append(handler)

    def handlers(self, event_type: type) -> list[Handler]:
        return list(self._handlers.get(event_type, ()))

    async def publish(self, event: object) -> None:
        """Run every handler of the event's type; call inside the publisher's unit of work."""
        from api.db import _after_commit

        if _after_commit.get() is None:
            raise RuntimeError("events.publish() called outside unit_of_work()")
        for handler in self.handlers(type(event)):
            await handler(event)


def build_bus() -> EventBus:
    """The process's bus with every subscription of `api/subscriptions.py`."""
    from api.subscriptions import subscribe_all

    bus = EventBus()
    subscribe_all(bus)
    return bus


_bus: EventBus | None = None


def bus() -> EventBus:
    """The subscriptions are static code, so one bus per process serves every runtime."""
    global _bus
    if _bus is None:
        _bus = build_bus()
    return _bus


async def publish(event: object) -> None:
    await bus().publish(event)
