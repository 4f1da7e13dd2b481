"""Global IDs: only canonical ASCII digits within the key column's range name a row.

`User:１` (full-width) resolved to user 1, and keys above the integer range reached
the database and answered INTERNAL_ERROR (`node`, `product`, `securityEvents`,
`lockUser`, `revokeSession`, role IDs). Every decode path now goes through
api/keys.row_key; these run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64

import pytest

from api.accounts.models import User
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.keys import MAX_ROW_ID, row_key
from tests.helpers import seed


def raw_gid(type_name: str, key: str) -> str:
    return base64.b64encode(f"{type_name}:{key}".encode()).decode()


HOSTILE_KEYS = [
    "１",  # full-width digit one
    "١",  # Arabic-Indic one
    str(MAX_ROW_ID + 1),
    str(2**63),
    "9" * 400,
    "01",
    "+1",
    "-1",
    "0",
    "1e3",
    " 1",
]


def test_row_key_accepts_only_canonical_ascii_digits_in_range():
    assert row_key("1") == 1 and row_key(str(MAX_ROW_ID)) == MAX_ROW_ID
    for key in HOSTILE_KEYS:
        assert row_key(key) is None, key


@pytest.fixture
async def staff(settings, gql):
    await seed(settings)
    return await gql.login(DEMO_STAFF_EMAIL)


def codes(body):
    return [e["extensions"]["code"] for e in body.get("errors") or ()]


async def test_node_never_resolves_a_hostile_key(gql, staff):
    member = await User.get(email=DEMO_MEMBER_EMAIL)
    doc = "query($id: ID!) { node(id: $id) { id ... on User { email } } }"
    right = await gql(doc, {"id": raw_gid("User", str(member.id))}, token=staff)
    assert right["node"]["email"] == DEMO_MEMBER_EMAIL
    wide = str(member.id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for key in [wide, *HOSTILE_KEYS]:
        for type_name in ("User", "Product", "Company", "Session", "Role", "Quote", "Contract"):
            body = await gql(doc, {"id": raw_gid(type_name, key)}, token=staff, expect_errors=True)
            assert body == {"data": {"node": None}}, (type_name, key, body)


async def test_staff_fields_answer_not_found_or_invalid_id(gql, staff):
    member = await User.get(email=DEMO_MEMBER_EMAIL)
    wide = str(member.id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    lock = """mutation($id: ID!) { lockUser(input: {userId: $id, reason: "x"}) {
        user { id } userErrors { field code } } }"""
    events = "query($id: ID) { securityEvents(userId: $id) { totalCount } }"
    product = "query($id: ID) { product(id: $id) { id } }"
    for key, expected in [(wide, "INVALID_ID"), ("١", "INVALID_ID"), ("1e3", "INVALID_ID")] + [
        (k, "NOT_FOUND") for k in (str(MAX_ROW_ID + 1), str(2**63), "9" * 400, "01", "0")
    ]:
        locked = (await gql(lock, {"id": raw_gid("User", key)}, token=staff))["lockUser"]
        assert locked == {"user": None, "userErrors": [{"field": ["userId"], "code": expected}]}
        body = await gql(events, {"id": raw_gid("User", key)}, token=staff, expect_errors=True)
        assert codes(body) == [expected], (key, body)
        body = await gql(product, {"id": raw_gid("Product", key)}, token=staff, expect_errors=True)
        assert codes(body) == [expected], (key, body)
    assert (await User.get(id=member.id)).locked_at is None


async def test_member_fields_answer_not_found_or_invalid_id(gql, staff):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    revoke = """mutation($id: ID!) { revokeSession(input: {sessionId: $id}) {
        ok userErrors { field code } } }"""
    role = """mutation($id: ID!) { updateRole(input: {roleId: $id, name: "x", permissions: []}) {
        role { id } userErrors { field code } } }"""
    delete = (
        """mutation($id: ID!) { deleteRole(input: {roleId: $id}) { userErrors { field code } } }"""
    )
    for key in ["１", str(2**63), str(MAX_ROW_ID + 1), "01"]:
        body = (await gql(revoke, {"id": raw_gid("Session", key)}, token=admin))["revokeSession"]
        assert body["ok"] is False and body["userErrors"][0]["code"] in {"INVALID_ID", "NOT_FOUND"}
        for doc, name in ((role, "updateRole"), (delete, "deleteRole")):
            body = (await gql(doc, {"id": raw_gid("Role", key)}, token=admin))[name]
            assert body["userErrors"] == [{"field": ["roleId"], "code": "NOT_FOUND"}], (key, body)
    # The session itself is still alive.
    assert (await gql("{ me { email } }", token=admin))["me"]["email"] == DEMO_MEMBER_EMAIL
