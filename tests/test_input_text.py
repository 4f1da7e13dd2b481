"""Refused characters in string inputs: one check before any resolver, for every field.

NUL reached PostgreSQL from registration, login, the catalog keyword, the contact
form and staff catalog writes, and the client got INTERNAL_ERROR. Now every string
input, in variables or literals, nested or in lists, is checked by
api/graphql/text.py against api/text.py and the operation is refused with
INVALID_CHARACTERS (path and character in params), nothing written. These run on
both backends.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.accounts.models import User
from api.catalog.models import Product
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.support.models import Inquiry
from api.text import forbidden_character, is_clean, strip_forbidden
from tests.helpers import REGISTER, application, seed

BAD = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ufeff", "\u200b"]


@pytest.fixture
async def store(settings):
    await seed(settings)


def refusal(body: dict[str, Any]) -> dict[str, Any]:
    """The one INVALID_CHARACTERS error of a refused operation, which never ran."""
    assert body.get("data") is None, body
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INVALID_CHARACTERS", error
    return error["extensions"]


def test_the_one_definition():
    for c in BAD:
        assert forbidden_character(f"a{c}b") == c
        assert forbidden_character(f"a{c}b", multiline=True) == c
    for c in "\n\t\r\u2028":
        assert not is_clean(f"a{c}b")
        assert is_clean(f"a{c}b", multiline=True)
    # Japanese text, full-width spaces, emoji sequences with a zero-width joiner stay.
    assert is_clean("株式会社テスト　営業部 👨\u200d👩\u200d👧 ｱｲｳ")
    assert strip_forbidden("a\x00b\u202ec\nd") == "abc\nd"
    assert strip_forbidden("a\nb", keep_newlines=False) == "ab"


async def test_registration_refuses_nul_in_any_field_and_stores_nothing(gql, inbox, store):
    before = await User.all().count()
    for name in ("email", "familyName", "companyName", "addressLine2", "password", "department"):
        value = application()[name] + "\x00"
        body = await gql(REGISTER, {"input": application(**{name: value})}, expect_errors=True)
        ext = refusal(body)
        assert ext["field"] == ["input", name]
        assert ext["params"] == {
            "field": f"input.{name}",
            "selection": "register",
            "character": "U+0000",
        }
    assert await User.all().count() == before
    assert inbox.messages == []


async def test_english_message_and_no_echo_of_the_character(gql, store):
    body = await gql(
        REGISTER,
        {"input": application(familyName="鈴\x1b[31m木")},
        headers={"Accept-Language": "en"},
        expect_errors=True,
    )
    ext = refusal(body)
    assert ext["params"]["character"] == "U+001B"
    assert "control characters" in body["errors"][0]["message"]
    assert "\x1b" not in str(body)


async def test_login_with_nul_is_coded_not_internal(gql, store):
    doc = """mutation($i: LoginInput!) { login(input: $i) { session { token } userErrors { code } } }"""
    for field in ("loginId", "password"):
        values = {"loginId": DEMO_MEMBER_EMAIL, "password": "Demo-pass-2026"}
        values[field] += "\x00"
        body = await gql(doc, {"i": values}, expect_errors=True)
        assert refusal(body)["field"] == ["input", field]


async def test_literals_nested_lists_and_json_are_checked_too(gql, store):
    # A literal in the document (GraphQL escapes), not a variable.
    literal = (
        r'mutation { login(input: {loginId: "a\u0000b", password: "x"}) { session { token } } }'
    )
    ext = refusal(await gql(literal, expect_errors=True))
    assert ext["field"] == ["input", "loginId"] and ext["params"]["selection"] == "login"
    # A scalar variable goes where its use says; the default of a variable is checked too.
    doc = """query($k: String = "ok\\u0007") { products(filter: {keyword: $k}) { totalCount } }"""
    ext = refusal(await gql(doc, expect_errors=True))
    assert ext["field"] == ["filter", "keyword"] and ext["params"]["character"] == "U+0007"
    ok = await gql(doc, {"k": "コーヒー"})
    assert ok["products"]["totalCount"] >= 0


async def test_catalog_keyword_anonymous_and_on_the_cached_path(gql, store):
    doc = "query($f: ProductFilter) { products(filter: $f) { totalCount } }"
    for _ in range(2):  # the second would be a cache hit if the first had been stored
        ext = refusal(await gql(doc, {"f": {"keyword": "\x00"}}, token="", expect_errors=True))
        assert ext["field"] == ["filter", "keyword"]
        assert ext["params"]["selection"] == "products"


async def test_multiline_fields_take_newlines_others_refuse_them(gql, inbox, store):
    doc = """mutation($i: SubmitInquiryInput!) { submitInquiry(input: $i) {
        inquiry { body } userErrors { field code } } }"""
    form = {
        "category": "ORDER",
        "name": "鈴木 花子",
        "email": "hanako@example.jp",
        "subject": "見積書の宛名",
        "body": "一行目\r\n二行目\n\t字下げ",
        "privacyPolicyVersion": 1,
    }
    done = (await gql(doc, {"i": form}))["submitInquiry"]
    assert done["userErrors"] == [] and "二行目" in done["inquiry"]["body"]
    count = await Inquiry.all().count()
    for field, value in (("subject", "件名\n改行"), ("name", "鈴木\t花子"), ("body", "本文\x00")):
        ext = refusal(await gql(doc, {"i": {**form, field: value}}, expect_errors=True))
        assert ext["field"] == ["input", field]
    assert await Inquiry.all().count() == count


async def test_staff_catalog_writes_refuse_control_characters(gql, store):
    staff = await gql.login(DEMO_STAFF_EMAIL)
    doc = """mutation($i: CreateProductInput!) { createProduct(input: $i) {
        product { id } userErrors { field code } } }"""
    base = {"code": "NUL-1", "name": "商品", "price": 100}
    before = await Product.all().count()
    for field, value in (
        ("name", "商品\x00"),
        ("code", "NUL\x00"),
        ("descriptionEn", "a\u202eb"),
        ("tagIds", ["VGFnOjE=", "VGFn\x00"]),
    ):
        ext = refusal(
            await gql(doc, {"i": {**base, field: value}}, token=staff, expect_errors=True)
        )
        assert ext["field"][:2] == ["input", field]
    assert ext["field"] == ["input", "tagIds", "1"]
    # A description may span lines.
    made = await gql(doc, {"i": {**base, "description": "一行目\n二行目"}}, token=staff)
    assert made["createProduct"]["userErrors"] == []
    assert await Product.all().count() == before + 1


async def test_every_refusal_of_one_operation_is_named_up_to_a_cap(gql, store):
    fields = {
        f"a{i}": f'login(input: {{loginId: "x\\u0000", password: "p{i}"}}) {{ __typename }}'
        for i in range(3)
    }
    doc = "mutation { " + " ".join(f"{k}: {v}" for k, v in fields.items()) + " }"
    body = await gql(doc, expect_errors=True)
    assert [e["extensions"]["params"]["selection"] for e in body["errors"]] == ["a0", "a1", "a2"]
    many = {
        "input": application(
            **{k: "\x00" for k in application() if isinstance(application()[k], str)}
        )
    }
    body = await gql(REGISTER, many, expect_errors=True)
    assert 1 < len(body["errors"]) <= 10
