"""The catalog version, and a response cache for anonymous catalog reads.

Every catalog or calendar write replaces `catalog:version` in Redis after its
commit. A cached answer is stored under the version it was computed at, so a
write makes every older answer unreachable at once, in every API process.
Bumping after commit (never before) means a reader can never cache data older
than the version it files it under. A missing version (Redis flushed) starts a
new random one: stale answers can never come back.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

log = logging.getLogger(__name__)

VERSION_KEY = "catalog:version"


async def current_version(rt: Any) -> str:
    value = await rt.redis.get(VERSION_KEY)
    if value is None:
        await rt.redis.set(VERSION_KEY, secrets.token_hex(8), nx=True)
        value = await rt.redis.get(VERSION_KEY)
    return value.decode() if isinstance(value, bytes) else str(value)


async def bump_version(rt: Any) -> None:
    if rt is None:  # seeding outside a running service: no cache to invalidate
        return
    try:
        await rt.redis.set(VERSION_KEY, secrets.token_hex(8))
    except Exception:  # the entry TTL still bounds staleness; do not fail a committed write
        log.exception("could not bump the catalog version")


# ---- response cache ----------------------------------------------------------------------

# Root fields whose answers depend only on the catalog, the calendar, the language, the
# store's tax display and today's date: the same for every anonymous caller.
CACHEABLE_ROOTS = frozenset(
    {
        "products",
        "product",
        "productFacets",
        "categories",
        "tagGroups",
        "makers",
        "earliestStartDate",
        "checkProductSelection",
        "businessCalendar",
        "storeHolidays",
        "store",
        "__typename",
    }
)


class ResponseCache:
    """Serialized answers to anonymous catalog queries, per API process.

    Keyed on the document, operation name, variables, language, tax display,
    response media type, Tokyo date and catalog version. Entries also expire
    after `ttl` seconds, which bounds how late a scheduled availability window
    (availableFrom/availableUntil) shows. Only answers without errors are kept.
    """

    def __init__(self, rt: Any, ttl: float, max_entries: int = 4096) -> None:
        from collections import OrderedDict

        self.rt = rt
        self.ttl = ttl
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, tuple[float, int, bytes]] = OrderedDict()
        self._documents: dict[tuple[str, str | None], bool] = {}

    def cacheable(self, query: str, operation_name: str | None) -> bool:
        known = self._documents.get((query, operation_name))
        if known is None:
            known = _only_catalog_reads(query, operation_name)
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
        return (
            query,
            operation_name,
            encoded,
            language,
            self.rt.policy.tax_display,
            media,
            clock.business_today(),
            await current_version(self.rt),
        )

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


def _only_catalog_reads(query: str, operation_name: str | None) -> bool:
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
        document = parse(query)
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

    def roots(selection_set: Any, seen: frozenset[str]) -> bool:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value not in CACHEABLE_ROOTS:
                    return False
            elif isinstance(selection, InlineFragmentNode):
                if not roots(selection.selection_set, seen):
                    return False
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in seen or name not in fragments:
                    return False
                if not roots(fragments[name].selection_set, seen | {name}):
                    return False
        return True

    return roots(operations[0].selection_set, frozenset())
