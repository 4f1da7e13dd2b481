"""The catalog's version, and the response cache for anonymous catalog reads.

Every catalog or calendar write bumps `catalog:version` after its commit
(`bump_version`); `response_cache` is what `create_app` hands the GraphQL
endpoint: the generic `api.graphql.cache.ResponseCache` over the root fields
below, invalidated by that version.
"""

from __future__ import annotations

from typing import Any

from api.graphql.cache import ResponseCache, VersionCounter

VERSION_KEY = "catalog:version"
VERSION = VersionCounter(VERSION_KEY)

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


async def current_version(rt: Any) -> str:
    return await VERSION.current(rt)


async def bump_version(rt: Any) -> None:
    await VERSION.bump(rt)


def response_cache(rt: Any) -> ResponseCache | None:
    """The cache of anonymous catalog answers, or None when CATALOG_CACHE_SECONDS is 0."""
    ttl = rt.settings.catalog_cache_seconds
    if ttl <= 0:
        return None
    return ResponseCache(rt, ttl, roots=CACHEABLE_ROOTS, version=VERSION)
