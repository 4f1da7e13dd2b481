"""No field hands one company's objects to another company's user.

The test reads the schema itself (introspection): every query field with an
`ID` argument and every mutation whose input has an `ID` field is called by
company A's administrator with the IDs of company B's objects. A query must
answer null (or an error), a mutation must refuse (userErrors or an error),
and company B's data must be unchanged afterwards. A field added later is
covered without touching this file.
"""

from __future__ import annotations

from typing import Any

import pytest

from api.companies.demo import DEMO_OTHER_ADMIN_EMAIL
from api.demo import DEMO_MEMBER_EMAIL
from tests.helpers import seed

INTROSPECTION = """
fragment T on __Type { kind name ofType { kind name ofType { kind name ofType { kind name } } } }
{ __schema {
    queryType { fields { name args { name type { ...T } } type { ...T } } }
    mutationType { fields { name args { name type { ...T } } type { ...T } } }
    types { name kind inputFields { name type { ...T } } fields { name } enumValues { name } }
} }"""


def unwrap(t: dict[str, Any]) -> tuple[dict[str, Any], bool, bool]:
    """(named type, required, is list)."""
    required = t["kind"] == "NON_NULL"
    if required:
        t = t["ofType"]
    is_list = t["kind"] == "LIST"
    while t.get("ofType"):
        t = t["ofType"]
    return t, required, is_list


class Literals:
    def __init__(self, schema: dict[str, Any], foreign_id: str) -> None:
        self.types = {t["name"]: t for t in schema["types"]}
        self.foreign_id = foreign_id

    def value(self, t: dict[str, Any], depth: int = 0) -> str:
        named, _, is_list = unwrap(t)
        literal = self.scalar(named, depth)
        return f"[{literal}]" if is_list else literal

    def scalar(self, named: dict[str, Any], depth: int) -> str:
        name, kind = named["name"], named["kind"]
        if name == "ID":
            return f'"{self.foreign_id}"'
        if kind == "ENUM":
            return self.types[name]["enumValues"][0]["name"]
        if kind == "INPUT_OBJECT":
            fields = []
            for field in self.types[name]["inputFields"]:
                named_field, required, _ = unwrap(field["type"])
                # Every ID field gets the foreign ID; other fields only when required.
                if named_field["name"] == "ID" or (required and depth < 3):
                    fields.append(f"{field['name']}: {self.value(field['type'], depth + 1)}")
            return "{" + ", ".join(fields) + "}"
        return {
            "String": '"x"',
            "Int": "1",
            "Float": "1.0",
            "Boolean": "false",
            "Date": '"2027-01-04"',
            "DateTime": '"2027-01-04T00:00:00+09:00"',
        }.get(name, '"x"')


def has_id(t: dict[str, Any], types: dict[str, Any], depth: int = 0) -> bool:
    named, _, _ = unwrap(t)
    if named["name"] == "ID":
        return True
    if named["kind"] == "INPUT_OBJECT" and depth < 3:
        return any(has_id(f["type"], types, depth + 1) for f in types[named["name"]]["inputFields"])
    return False


def selection(t: dict[str, Any], types: dict[str, Any]) -> str:
    named, _, _ = unwrap(t)
    if named["kind"] in ("OBJECT", "INTERFACE", "UNION"):
        fields = {f["name"] for f in types[named["name"]].get("fields") or []}
        return " { __typename" + (" userErrors { code }" if "userErrors" in fields else "") + " }"
    return ""


async def company_b_objects(gql) -> tuple[list[str], Any]:
    token = await gql.login(DEMO_OTHER_ADMIN_EMAIL)
    general = next(
        r["id"]
        for r in (await gql("{ companyRoles { id name } }", token=token))["companyRoles"]
        if r["name"] == "一般ユーザー"
    )
    await gql(
        """mutation($r: ID!) { inviteUser(input: {email: "new@mirai.example.com",
        roleId: $r}) { userErrors { code } } }""",
        {"r": general},
        token=token,
    )
    data = await gql(
        """{
        myCompany { id }
        companyUsers(first: 50) { nodes { id } }
        companyRoles { id builtin }
        invitations(first: 50) { nodes { id } }
        addresses(first: 50) { nodes { id } }
        mySessions { nodes { id } }
    }""",
        token=token,
    )
    ids = [data["myCompany"]["id"]]
    ids += [n["id"] for n in data["companyUsers"]["nodes"]]
    ids += [r["id"] for r in data["companyRoles"] if not r["builtin"]]
    ids += [n["id"] for n in data["invitations"]["nodes"]]
    ids += [n["id"] for n in data["addresses"]["nodes"]]
    ids += [n["id"] for n in data["mySessions"]["nodes"]]
    return ids, token


async def snapshot() -> list[Any]:
    from api.accounts.models import Session, User
    from api.companies.models import Address, Company, CompanyRole, Invitation

    b = await Company.get(name="株式会社ミライ物流")
    users = (
        await User.filter(company_id=b.id)
        .order_by("id")
        .values_list("id", "status", "role_key", "locked_at", "email", "phone")
    )
    return [
        users,
        await CompanyRole.filter(company_id=b.id)
        .order_by("id")
        .values_list("id", "name", "permissions"),
        await Invitation.filter(company_id=b.id)
        .order_by("id")
        .values_list("id", "status", "token_hash"),
        await Address.filter(company_id=b.id)
        .order_by("id")
        .values_list("id", "recipient_name", "is_default"),
        await Session.filter(user_id__in=[u[0] for u in users])
        .order_by("id")
        .values_list("id", "revoked_at"),
        await Company.filter(id=b.id).values_list("name", "billing_name", "phone"),
    ]


@pytest.fixture
async def store(settings):
    await seed(settings)


async def test_no_id_taking_field_crosses_companies(gql, store):
    foreign_ids, _ = await company_b_objects(gql)
    assert len(foreign_ids) >= 7
    caller = await gql.login(DEMO_MEMBER_EMAIL)
    schema = (await gql(INTROSPECTION))["__schema"]
    types = {t["name"]: t for t in schema["types"]}
    before = await snapshot()
    checked = 0
    leaks = []
    for kind, root in (("query", schema["queryType"]), ("mutation", schema["mutationType"])):
        for field in root["fields"]:
            id_args = [a for a in field["args"] if has_id(a["type"], types)]
            if not id_args:
                continue
            for foreign_id in foreign_ids:
                literals = Literals(schema, foreign_id)
                args = []
                for arg in field["args"]:
                    named, required, _ = unwrap(arg["type"])
                    if arg in id_args or required:
                        args.append(f"{arg['name']}: {literals.value(arg['type'])}")
                arg_text = f"({', '.join(args)})" if args else ""
                document = (
                    f"{kind} {{ {field['name']}{arg_text}{selection(field['type'], types)} }}"
                )
                body = await gql(document, token=caller, expect_errors=True)
                checked += 1
                result = (body.get("data") or {}).get(field["name"])
                if kind == "query":
                    refused = result is None or result == [] or body.get("errors")
                else:
                    refused = body.get("errors") or (
                        isinstance(result, dict) and result.get("userErrors")
                    )
                if not refused:
                    leaks.append((document, body))
    assert checked > 40, checked
    assert leaks == [], leaks
    assert await snapshot() == before
