"""Document limits in linear time: fan-out fragments, cycles, introspection, parser and error caps."""

from __future__ import annotations

import time

from graphql import get_introspection_query, parse

from api.graphql.limits import DocumentLimits, check_limits


def fan_out(levels: int, leaf: str = "__typename") -> str:
    """About 40 bytes a level: each fragment spreads the previous one twice (2^levels leaves)."""
    parts = [f"query FanOut {{ ...F{levels} }}", f"fragment F0 on Query {{ {leaf} }}"]
    parts += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return "\n".join(parts)


async def test_a_2_to_the_30_fan_out_is_refused_in_milliseconds(http):
    # Anonymous, so the response cache classifies the document first (its own walk), then
    # parsing, the limits and validation: all of it must be linear in the document's size.
    for leaf in ("__typename", "store { code }"):
        document = fan_out(30, leaf)
        assert len(document) < 1300
        started = time.perf_counter()
        response = await http.post("/graphql", json={"query": document})
        elapsed = time.perf_counter() - started
        assert elapsed < 0.5, elapsed
        [error] = response.json()["errors"]
        assert error["extensions"] == {
            "code": "GRAPHQL_VALIDATION_FAILED",
            "spreads": 2**31 - 1,  # 1 + 2 + 4 + ... + 2^30
            "limit": 500,
        }
        assert "spreads fragments" in error["message"]


def test_measures_count_each_spread_where_it_is_reached():
    document = parse("""
      query Q { ...B  products(first: 10) { nodes { ...P } } }
      fragment A on Query { a1: store { code } }
      fragment B on Query { ...A ...A store { name } }
      fragment P on Product { x: id y: name }
    """)
    loose = DocumentLimits(max_depth=99, max_aliases=99, max_cost=10**9, max_spreads=99)
    assert check_limits(document, loose) == []
    errors = check_limits(
        document, DocumentLimits(max_depth=1, max_aliases=3, max_cost=20, max_spreads=3)
    )
    # Too many spreads is reported alone. spreads: B, A twice, P = 4.
    assert [e.extensions for e in errors] == [
        {"code": "GRAPHQL_VALIDATION_FAILED", "spreads": 4, "limit": 3},
    ]
    # depth: products > nodes = 2; aliases: a1 twice, x, y = 4; cost: store + code twice (4),
    # store + name (2), products (1), nodes (10), id and name under nodes (20) = 37.
    errors = check_limits(
        document, DocumentLimits(max_depth=1, max_aliases=3, max_cost=20, max_spreads=4)
    )
    assert [e.extensions for e in errors] == [
        {"code": "GRAPHQL_VALIDATION_FAILED", "depth": 2, "limit": 1},
        {"code": "GRAPHQL_VALIDATION_FAILED", "aliases": 4, "limit": 3},
        {"code": "QUERY_TOO_COMPLEX", "cost": 37, "limit": 20},
    ]


def test_huge_measures_saturate_and_stay_valid_json():
    # 2^300 leaves: the measures stop at 2^53 - 1, which JSON clients still read exactly.
    errors = check_limits(parse(fan_out(300, "store { code }")), DocumentLimits(max_spreads=10**18))
    assert {e.extensions["code"] for e in errors} == {"QUERY_TOO_COMPLEX"}
    assert errors[0].extensions["cost"] == 2**53 - 1


async def test_fragment_cycles_are_refused(http):
    document = """
      query { ...A }
      fragment A on Query { store { code } ...B }
      fragment B on Query { ...C }
      fragment C on Query { ...A ...B }
    """
    body = (await http.post("/graphql", json={"query": document})).json()
    [error] = body["errors"]
    assert "within itself" in error["message"]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


def test_a_long_fragment_chain_does_not_exhaust_recursion():
    chain = ["query { ...F3000 }", "fragment F0 on Query { store { code } }"]
    chain += [f"fragment F{i} on Query {{ ...F{i - 1} }}" for i in range(1, 3001)]
    errors = check_limits(parse("\n".join(chain)), DocumentLimits())
    # The operation spreads F3000, which spreads F2999, ..., which spreads F0.
    assert [e.extensions["spreads"] for e in errors] == [3001]


async def test_nested_introspection_lists_are_refused_but_graphiql_introspects(http):
    nested = "{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }"
    body = (await http.post("/graphql", json={"query": nested})).json()
    assert body["errors"][0]["message"] == "Maximum introspection depth exceeded"
    assert "data" not in body
    body = (await http.post("/graphql", json={"query": get_introspection_query()})).json()
    assert "errors" not in body and body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_validation_errors_are_capped(http, settings):
    document = "{ " + " ".join(f"unknown{i}" for i in range(300)) + " }"
    body = (await http.post("/graphql", json={"query": document})).json()
    assert len(body["errors"]) == settings.graphql_max_errors + 1
    assert "Validation aborted" in body["errors"][-1]["message"]


async def test_comments_are_limited_by_the_parser(http, settings):
    document = "#\n" * (settings.graphql_max_comments + 1) + "{ store { code } }"
    body = (await http.post("/graphql", json={"query": document})).json()
    assert "comments" in body["errors"][0]["message"]
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    fine = "#\n" * settings.graphql_max_comments + "{ store { code } }"
    assert (await http.post("/graphql", json={"query": fine})).json()["data"]["store"]


async def test_a_huge_integer_literal_is_a_validation_error(http):
    document = "{ products(first: " + "9" * 5000 + ") { totalCount } }"
    body = (await http.post("/graphql", json={"query": document})).json()
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
