"""Client mistakes answered as the guide says, and logged once, briefly, without tracebacks.

Expected errors (validation, refused characters, permissions) used to be logged by
Strawberry at ERROR with a traceback each (400 unknown directives: 101 ERROR lines);
wrong-typed variables answered BAD_REQUEST although the guide documents
GRAPHQL_VALIDATION_FAILED; date errors carried Python's own text; a non-object
`extensions` was ignored. Plain-text logs dropped the structured fields.
"""

from __future__ import annotations

import logging

from api.logs import RequestIdFilter, TextFormatter

CALENDAR = "query($d: Date!) { businessCalendar(fromDate: $d, toDate: $d) { __typename } }"


async def post(http, query, variables=None, **extra):
    response = await http.post("/graphql", json={"query": query, "variables": variables, **extra})
    return response.status_code, response.json()


async def test_wrong_typed_variables_fail_validation_in_our_words(http):
    for query, variables in (
        ("query($n: Int) { products(first: $n) { totalCount } }", {"n": "abc"}),
        (CALENDAR, {"d": "2026-13-45"}),
        (CALENDAR, {"d": "2026-02-30"}),
        (CALENDAR, {"d": 5}),
        ('{ businessCalendar(fromDate: "2026-02-30", toDate: "2026-03-01") { __typename } }', None),
    ):
        status, body = await post(http, query, variables)
        assert status == 200 and "data" not in body, body
        for error in body["errors"]:
            assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED", body
            # Python's datetime text ("month must be in 1..12", "day is out of range for
            # month") stays out of the answer.
            assert "must be in" not in error["message"] and "out of range" not in error["message"]


async def test_extensions_must_be_an_object(http):
    for bad in ("x", [1], 5, True):
        status, body = await post(http, "{ __typename }", extensions=bad)
        assert status == 400 and body == {
            "errors": [{"message": "extensions must be a JSON object."}]
        }
    status, body = await post(http, "{ __typename }", extensions={"persistedQuery": None})
    assert status == 200 and body == {"data": {"__typename": "Query"}}


async def test_expected_errors_are_one_brief_info_line(http, caplog):
    directives = " ".join(f"@d{i}" for i in range(400))
    caplog.set_level(logging.INFO)
    status, body = await post(http, "{ __typename " + directives + " }")
    assert status == 200 and len(body["errors"]) <= 21
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    [line] = [r for r in caplog.records if r.name == "api.graphql.http"]
    assert line.levelno == logging.INFO and line.exc_info is None
    assert list(line.codes) == ["GRAPHQL_VALIDATION_FAILED"] and line.errors <= 21
    caplog.clear()
    await post(
        http, "query($k: String) { products(filter: {keyword: $k}) { totalCount } }", {"k": "\x00"}
    )
    await post(http, "{ registrationApplications { totalCount } }")  # anonymous: UNAUTHENTICATED
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert [(r.levelno, r.exc_info) for r in caplog.records if r.name == "api.graphql.http"] == [
        (logging.INFO, None),
        (logging.INFO, None),
    ]


async def test_a_response_carries_at_most_the_error_cap(http, rt):
    original = rt.settings.graphql_max_errors
    rt.settings.graphql_max_errors = 2
    try:
        aliases = " ".join(f'a{i}: node(id: "broken") {{ id }}' for i in range(5))
        status, body = await post(http, "{ " + aliases + " }")
    finally:
        rt.settings.graphql_max_errors = original
    codes = [e["extensions"]["code"] for e in body["errors"]]
    assert codes == ["BAD_REQUEST", "BAD_REQUEST", "ERRORS_TRUNCATED"], body
    assert body["data"] == {f"a{i}": None for i in range(5)}
    assert body["errors"][-1]["extensions"]["omitted"] == 3


def test_plain_text_logs_keep_structured_fields():
    record = logging.LogRecord("api.x", logging.INFO, __file__, 1, "swept", None, None)
    record.requeued = 3
    record.ids = ["a", "b"]
    RequestIdFilter().filter(record)
    line = TextFormatter().format(record)
    assert line.endswith('swept requeued=3 ids=["a","b"]'), line
