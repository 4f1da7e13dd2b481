"""Staff publish terms and policies (schema and CLI); a fresh production install is made
ready without demo data, which production refuses."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from api import clock
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from tests.helpers import seed

ROOT = Path(__file__).resolve().parents[1]

PUBLISH = """
mutation Publish($input: PublishLegalDocumentInput!) {
  publishLegalDocument(input: $input) {
    document { id kind version title effectiveAt }
    userErrors { field code message params }
  }
}"""
CURRENT = """
query Current($kinds: [LegalDocumentKind!]) { legalDocuments(kinds: $kinds) { kind version title } }
"""


def _input(**overrides: object) -> dict[str, object]:
    return {"kind": "TERMS_OF_SALE", "title": "売買利用規約", "body": "第1条 …", **overrides}


async def test_staff_publish_versions_and_customers_see_the_current_one(gql, settings) -> None:  # noqa: ANN001
    await seed(settings)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    published = (await gql(PUBLISH, {"input": _input(title="売買利用規約（改定）")}, token=staff))[
        "publishLegalDocument"
    ]
    assert published["userErrors"] == []
    assert published["document"]["version"] == 2  # the demo published version 1
    current = await gql(CURRENT, {"kinds": ["TERMS_OF_SALE"]})
    assert current["legalDocuments"] == [
        {"kind": "TERMS_OF_SALE", "version": 2, "title": "売買利用規約（改定）"}
    ]
    # The registration form asks only for its own two kinds.
    form = await gql(CURRENT, {"kinds": ["TERMS_OF_USE", "PRIVACY_POLICY"]})
    assert [d["kind"] for d in form["legalDocuments"]] == ["TERMS_OF_USE", "PRIVACY_POLICY"]
    everything = await gql(CURRENT)
    assert len(everything["legalDocuments"]) == 5


async def test_a_version_published_ahead_takes_effect_at_its_time(gql, settings) -> None:  # noqa: ANN001
    await seed(settings)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    at = (clock.now() + timedelta(hours=1)).isoformat()
    out = await gql(PUBLISH, {"input": _input(kind="TERMS_OF_USE", effectiveAt=at)}, token=staff)
    assert out["publishLegalDocument"]["userErrors"] == []
    current = await gql(CURRENT, {"kinds": ["TERMS_OF_USE"]})
    assert current["legalDocuments"][0]["version"] == 1
    clock.travel(3601)
    current = await gql(CURRENT, {"kinds": ["TERMS_OF_USE"]})
    assert current["legalDocuments"][0]["version"] == 2


async def test_bad_input_and_callers_who_may_not_publish(gql, settings) -> None:  # noqa: ANN001
    await seed(settings)
    staff = await gql.login(DEMO_STAFF_EMAIL)
    bad = await gql(
        PUBLISH,
        {
            "input": _input(
                title="  ",
                body="x" * 100_001,
                effectiveAt="2020-01-01T00:00:00+09:00",
            )
        },
        token=staff,
    )
    errors = {(tuple(e["field"]), e["code"]) for e in bad["publishLegalDocument"]["userErrors"]}
    assert errors == {
        (("title",), "REQUIRED"),
        (("body",), "TOO_LONG"),
        (("effectiveAt",), "DATE_IN_PAST"),
    }
    far = await gql(PUBLISH, {"input": _input(effectiveAt="2099-01-01T00:00:00Z")}, token=staff)
    problem = far["publishLegalDocument"]["userErrors"][0]
    assert problem["code"] == "DATE_TOO_FAR" and problem["params"] == {"days": 366}
    naive = await gql(PUBLISH, {"input": _input(effectiveAt="2030-01-01T00:00:00")}, token=staff)
    assert naive["publishLegalDocument"]["userErrors"][0]["code"] == "TIMEZONE_REQUIRED"
    member = await gql.login(DEMO_MEMBER_EMAIL)
    refused = await gql(PUBLISH, {"input": _input()}, token=member, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gql(PUBLISH, {"input": _input()}, expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] in {"UNAUTHENTICATED", "FORBIDDEN"}
    current = await gql(CURRENT, {"kinds": ["TERMS_OF_SALE"]})
    assert current["legalDocuments"][0]["version"] == 1  # nothing was published


def _cli(tmp_path: Path, *args: str, env: dict[str, str] | None = None, stdin: str = ""):  # noqa: ANN202
    return subprocess.run(  # noqa: S603 - our own CLI with fixed arguments
        [sys.executable, "-m", "api.cli", *args],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": f"sqlite://{tmp_path / 'cli.sqlite3'}",
            "REDIS_URL": "",
            **(env or {}),
        },
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_fresh_install_publishes_its_documents_from_the_cli(tmp_path: Path) -> None:
    assert _cli(tmp_path, "migrate").returncode == 0
    body = tmp_path / "terms.txt"
    body.write_text("第1条（適用）…\n", encoding="utf-8")
    first = _cli(
        tmp_path,
        "publish-legal",
        "--kind",
        "terms_of_use",
        "--title",
        "会員規約",
        "--file",
        str(body),
    )
    assert first.returncode == 0, first.stderr
    assert "published terms_of_use version 1" in first.stdout
    second = _cli(
        tmp_path,
        "publish-legal",
        "--kind",
        "terms_of_use",
        "--title",
        "会員規約",
        "--file",
        "-",
        stdin="第1条（適用）改定…",
    )
    assert "version 2" in second.stdout
    empty = _cli(
        tmp_path, "publish-legal", "--kind", "privacy_policy", "--title", "x", "--file", "-"
    )
    assert empty.returncode == 1 and "body:" in empty.stderr


def test_demo_data_is_refused_in_production(tmp_path: Path) -> None:
    production = {"ENVIRONMENT": "production"}
    refused = _cli(tmp_path, "seed-demo", env=production)
    assert refused.returncode == 2 and "refusing to seed demo data" in refused.stderr
    assert _cli(tmp_path, "dev", env=production).returncode == 2
