"""A response cache for anonymous reads, and the version counter that invalidates it.

A domain whose public reads are the same for every anonymous caller (the
catalog) names its root fields and a `VersionCounter`, and `create_app` hands
the endpoint the `ResponseCache` built from them: the HTTP layer itself knows
no domain. Every write of that data bumps the counter after its commit. A
cached answer is stored under the version it was computed at, so a write
makes every older answer unreachable at once, in every API process. Bumping
after commit (never before) means a reader can never cache data older than
the version it files it under. A missing version (Redis flushed) starts a new
random one: stale answers can never come back.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VersionCounter:
    """A random version string in Redis under `key`, replaced on every change."""

    key: str

    async def current(self, rt: Any) -> str:
        value = await rt.redis.get(self.key)
        if value is None:
            await rt.redis.set(self.key, secrets.token_hex(8), nx=True)
            value = await rt.redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else str(value)

    async def bump(self, rt: Any) -> None:
        if rt is None:  # seeding outside a running service: no cache to invalidate
            return
        try:
            await rt.redis.set(self.key, secrets.token_hex(8))
        except Exception:  # the entry TTL still bounds staleness; do not fail a committed write
            log.exception("could not bump the version %s", self.key)


class ResponseCache:
    """Serialized answers to anonymous queries of the given root fields, per API process.

    Keyed on the document, operation name, variables, language, tax display,
    response media type, Tokyo date and the version of the data. Entries also
    expire after `ttl` seconds, which bounds how late a scheduled change (an
    availability window) shows. Only answers without errors are kept.
    """

    def __init__(
        self,
        rt: Any,
        ttl: float,
        *,
        roots: frozenset[str],
        version: VersionCounter,
        max_entries: int = 4096,
    ) -> None:
        from collections import OrderedDict

        self.rt = rt
        self.ttl = ttl
        self.roots = roots
        self.version = version
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, tuple[float, int, bytes]] = OrderedDict()
        self._documents: dict[tuple[str, str | None], bool] = {}
        self._version_down_until = 0.0

    def cacheable(self, query: str, operation_name: str | None) -> bool:
        known = self._documents.get((query, operation_name))
        if known is None:
            settings = self.rt.settings
            parse_limits = {  # the API's own parser limits (api/graphql/limits.py)
                "max_lexical_tokens": settings.graphql_max_tokens,
                "max_comments": settings.graphql_max_comments,
            }
            known = _only_reads_of(self.roots, query, operation_name, parse_limits)
            if len(self._documents) >= self.max_entries:
                self._documents.clear()
            self._documents[(query, operation_name)] = known
        return known

    async def key(self, payload: dict[str, Any], language: str, media: str) -> tuple | None:
        query = payload.get("query")
        operation_name = payload.get("operationName")
        variables = payload.get("variables")
        if not isinstance(query, str) or not isinstance(operation_name, str | None):
            return None
        if variables is not None and not isinstance(variables, dict):
            return None
        if not self.cacheable(query, operation_name):
            return None
        import orjson

        from api import clock

        try:
            encoded = orjson.dumps(variables, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        version = await self._version()
        if version is None:
            return None  # Redis unreachable: bypass the cache, answer from the database
        return (
            query,
            operation_name,
            encoded,
            language,
            self.rt.policy.tax_display,
            media,
            clock.business_today(),
            version,
        )

    async def _version(self) -> str | None:
        """The data's version, or None while Redis fails (asked again after 5 s): an answer
        filed under no version could outlive a write, so nothing is cached or served."""
        import time

        if time.monotonic() < self._version_down_until:
            return None
        try:
            return await self.version.current(self.rt)
        except Exception:
            self._version_down_until = time.monotonic() + 5.0
            log.warning("response cache bypassed: its version is unreachable", exc_info=True)
            return None

    def get(self, key: tuple) -> tuple[int, bytes] | None:
        import time

        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry[1], entry[2]

    def put(self, key: tuple, status: int, body: bytes) -> None:
        import time

        self._entries[key] = (time.monotonic() + self.ttl, status, body)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


def _only_reads_of(
    allowed: frozenset[str], query: str, operation_name: str | None, parse_limits: dict[str, int]
) -> bool:
    from graphql import (
        FieldNode,
        FragmentDefinitionNode,
        FragmentSpreadNode,
        GraphQLError,
        InlineFragmentNode,
        OperationDefinitionNode,
        OperationType,
        parse,
    )

    try:
        document = parse(query, **parse_limits)
    except GraphQLError:
        return False
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
        return False

    # Each fragment is looked at once (a fragment spread twice by each of 30 others must
    # not be walked 2^30 times). An unknown fragment is not cacheable; a cycle is left to
    # validation, which refuses it (and answers with errors are never cached).
    pending = [operations[0].selection_set]
    entered: set[str] = set()
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FieldNode):
                if selection.name.value not in allowed:
                    return False
            elif isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in fragments:
                    return False
                if name not in entered:
                    entered.add(name)
                    pending.append(fragments[name].selection_set)
    return True
