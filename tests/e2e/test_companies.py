"""Companies, their users and roles, profiles and the address book, over HTTP."""

from __future__ import annotations

import re

import pytest

from api import clock
from api.companies.demo import (
    DEMO_GENERAL_EMAIL,
    DEMO_OTHER_ADMIN_EMAIL,
    DEMO_OTHER_QUOTES_EMAIL,
)
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from tests.conftest import body_text
from tests.helpers import seed

ROLES = "{ companyRoles { id name builtin permissions { key } } }"
USERS = """query($status: UserStatus) { companyUsers(filter: {status: $status}, first: 50) {
  totalCount nodes { id email status lockedAt role { id name } company { name } } } }"""
INVITE = """mutation($email: String!, $role: ID!, $message: String!) {
  inviteUser(input: {email: $email, roleId: $role, message: $message}) {
    invitation { id email status role { name } } userErrors { field code message } } }"""
ACCEPT = """mutation($input: AcceptInvitationInput!) {
  acceptInvitation(input: $input) { accepted status userErrors { field code } } }"""
USER_OP = """mutation($id: ID!) { %s(input: {userId: $id}) {
  user { id status lockedAt role { name } } userErrors { field code } } }"""


@pytest.fixture
async def store(settings):
    await seed(settings)


async def role_id(gql, token, name):
    roles = (await gql(ROLES, token=token))["companyRoles"]
    return next(r["id"] for r in roles if r["name"] == name)


def invite_token(message):
    return re.search(r"accept-invitation\?token=([\w\-]+)", body_text(message)).group(1)


def invitee(token, **overrides):
    data = {
        "token": token,
        "password": "Tsuki-hoshi-88",
        "familyName": "佐々木",
        "givenName": "望",
        "familyNameKana": "ささき",
        "givenNameKana": "ノゾミ",
        "phone": "090-1111-2222",
        "department": "購買部",
        "termsOfUseVersion": 1,
        "privacyPolicyVersion": 1,
    }
    data.update(overrides)
    return {"input": data}


async def test_invitation_registration_and_company_approval(gql, inbox, run_worker, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    perms = await gql("{ myPermissions { key label } }", token=admin)
    assert {"manage_users", "manage_company"} <= {p["key"] for p in perms["myPermissions"]}
    general = await role_id(gql, admin, "一般ユーザー")
    sent = await gql(
        INVITE,
        {"email": "Nozomi@Example.jp", "role": general, "message": "見積の作成をお願いします。"},
        token=admin,
    )
    invitation = sent["inviteUser"]["invitation"]
    assert invitation["email"] == "nozomi@example.jp" and invitation["status"] == "PENDING"
    twice = await gql(
        INVITE, {"email": "nozomi@example.jp", "role": general, "message": ""}, token=admin
    )
    assert twice["inviteUser"]["userErrors"][0]["code"] == "ALREADY_INVITED"
    await run_worker()
    [mail] = inbox.to("nozomi@example.jp")
    assert "株式会社サンプル商事" in mail["Subject"]
    assert "見積の作成をお願いします。" in body_text(mail)
    token = invite_token(mail)

    preview = await gql(
        "query($t: String!) { invitation(token: $t) { email companyName roleName } }", {"t": token}
    )
    assert preview["invitation"] == {
        "email": "nozomi@example.jp",
        "companyName": "株式会社サンプル商事",
        "roleName": "一般ユーザー",
    }
    weak = await gql(ACCEPT, invitee(token, password="nozomi", familyNameKana="sasaki"))
    codes = {e["code"] for e in weak["acceptInvitation"]["userErrors"]}
    assert {"PASSWORD_TOO_SHORT", "INVALID_KANA"} <= codes
    done = await gql(ACCEPT, invitee(token))
    assert done["acceptInvitation"] == {
        "accepted": True,
        "status": "AWAITING_COMPANY_APPROVAL",
        "userErrors": [],
    }
    again = await gql(ACCEPT, invitee(token))
    assert again["acceptInvitation"]["userErrors"][0]["code"] == "TOKEN_INVALID"
    await run_worker()
    assert any("承認待ち" in m["Subject"] for m in inbox.to(DEMO_MEMBER_EMAIL))

    waiting = await gql(USERS, {"status": "AWAITING_COMPANY_APPROVAL"}, token=admin)
    [user] = waiting["companyUsers"]["nodes"]
    assert (
        user["role"]["name"] == "一般ユーザー" and user["company"]["name"] == "株式会社サンプル商事"
    )
    login = await gql("""mutation { login(input: {loginId: "nozomi@example.jp",
        password: "Tsuki-hoshi-88"}) { userErrors { code } } }""")
    assert login["login"]["userErrors"] == [{"code": "ACCOUNT_NOT_ACTIVE"}]
    approved = await gql(USER_OP % "approveCompanyUser", {"id": user["id"]}, token=admin)
    assert approved["approveCompanyUser"]["user"]["status"] == "ACTIVE"
    await run_worker()
    assert any("承認されました" in m["Subject"] for m in inbox.to("nozomi@example.jp"))
    member = await gql.login("nozomi@example.jp", "Tsuki-hoshi-88")
    mine = {
        p["key"] for p in (await gql("{ myPermissions { key } }", token=member))["myPermissions"]
    }
    assert "place_orders" in mine and "manage_users" not in mine
    denied = await gql(USERS, {}, token=member, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_resend_revoke_and_expiry_of_invitations(gql, inbox, run_worker, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    general = await role_id(gql, admin, "一般ユーザー")
    sent = await gql(INVITE, {"email": "a@x.jp", "role": general, "message": ""}, token=admin)
    inv_id = sent["inviteUser"]["invitation"]["id"]
    await run_worker()
    old = invite_token(inbox.to("a@x.jp")[0])
    resent = await gql(
        """mutation($id: ID!) { resendInvitation(input: {invitationId: $id}) {
        invitation { sentCount } userErrors { code } } }""",
        {"id": inv_id},
        token=admin,
    )
    assert resent["resendInvitation"]["invitation"]["sentCount"] == 2
    await run_worker()
    new = invite_token(inbox.to("a@x.jp")[-1])
    assert (await gql(ACCEPT, invitee(old)))["acceptInvitation"]["userErrors"][0][
        "code"
    ] == "TOKEN_INVALID"
    revoked = await gql(
        """mutation($id: ID!) { revokeInvitation(input: {invitationId: $id}) {
        invitation { status } userErrors { code } } }""",
        {"id": inv_id},
        token=admin,
    )
    assert revoked["revokeInvitation"]["invitation"]["status"] == "REVOKED"
    assert (await gql(ACCEPT, invitee(new)))["acceptInvitation"]["userErrors"][0][
        "code"
    ] == "TOKEN_INVALID"

    await gql(INVITE, {"email": "b@x.jp", "role": general, "message": ""}, token=admin)
    await run_worker()
    late = invite_token(inbox.to("b@x.jp")[0])
    clock.travel(8 * 86400)
    assert (await gql(ACCEPT, invitee(late)))["acceptInvitation"]["userErrors"][0][
        "code"
    ] == "TOKEN_EXPIRED"
    admin = await gql.login(DEMO_MEMBER_EMAIL)  # the old session idled out during the trip
    listed = await gql(
        "{ invitations(first: 10) { totalCount nodes { email status expired } } }", token=admin
    )
    assert listed["invitations"]["totalCount"] == 2


async def test_the_last_administrator_stays(gql, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    users = (await gql(USERS, {}, token=admin))["companyUsers"]["nodes"]
    me = next(u for u in users if u["role"]["name"] == "管理者")
    other = next(u for u in users if u["role"]["name"] == "一般ユーザー")
    general = await role_id(gql, admin, "一般ユーザー")
    admin_role = await role_id(gql, admin, "管理者")
    change = """mutation($id: ID!, $role: ID!) { changeUserRole(input: {userId: $id, roleId: $role}) {
        user { role { name } } userErrors { code } } }"""
    demote = await gql(change, {"id": me["id"], "role": general}, token=admin)
    assert demote["changeUserRole"]["userErrors"] == [{"code": "LAST_ADMINISTRATOR"}]
    promote = await gql(change, {"id": other["id"], "role": admin_role}, token=admin)
    assert promote["changeUserRole"]["user"]["role"]["name"] == "管理者"
    # Two administrators now: one may step down.
    demote = await gql(change, {"id": me["id"], "role": general}, token=admin)
    assert demote["changeUserRole"]["userErrors"] == []
    second = await gql.login(DEMO_GENERAL_EMAIL)
    removed = await gql(USER_OP % "removeCompanyUser", {"id": me["id"]}, token=second)
    assert removed["removeCompanyUser"]["user"]["status"] == "REMOVED"
    assert (await gql("{ me { email } }", token=admin))["me"] is None  # sessions ended
    last = await gql(USER_OP % "removeCompanyUser", {"id": other["id"]}, token=second)
    assert last["removeCompanyUser"]["userErrors"][0]["code"] == "INVALID_STATUS"  # not yourself


async def test_custom_roles_shape_permissions(gql, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    create = """mutation($name: String!, $perms: [MemberPermission!]!) {
        createRole(input: {name: $name, permissions: $perms}) {
        role { id name builtin permissions { key label } } userErrors { field code } } }"""
    made = await gql(
        create, {"name": "請求担当", "perms": ["VIEW_INVOICES", "VIEW_ORDERS"]}, token=admin
    )
    role = made["createRole"]["role"]
    assert role["builtin"] is False
    assert [p["key"] for p in role["permissions"]] == ["view_invoices", "view_orders"]
    dup = await gql(create, {"name": "請求担当", "perms": []}, token=admin)
    assert dup["createRole"]["userErrors"] == [{"field": ["name"], "code": "ROLE_NAME_TAKEN"}]
    users = (await gql(USERS, {}, token=admin))["companyUsers"]["nodes"]
    other = next(u for u in users if u["role"]["name"] == "一般ユーザー")
    await gql(
        """mutation($id: ID!, $role: ID!) { changeUserRole(input: {userId: $id,
        roleId: $role}) { userErrors { code } } }""",
        {"id": other["id"], "role": role["id"]},
        token=admin,
    )
    member = await gql.login(DEMO_GENERAL_EMAIL)
    mine = await gql("{ myPermissions { key } me { role { name } } }", token=member)
    assert {p["key"] for p in mine["myPermissions"]} == {"view_invoices", "view_orders"}
    assert mine["me"]["role"]["name"] == "請求担当"
    delete = """mutation($id: ID!) { deleteRole(input: {roleId: $id}) { deletedId
        userErrors { code } } }"""
    assert (await gql(delete, {"id": role["id"]}, token=admin))["deleteRole"]["userErrors"] == [
        {"code": "ROLE_IN_USE"}
    ]
    builtin = await role_id(gql, admin, "管理者")
    assert (await gql(delete, {"id": builtin}, token=admin))["deleteRole"]["userErrors"] == [
        {"code": "BUILTIN_ROLE"}
    ]


async def test_company_admin_locks_and_unlocks_a_user(gql, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    member = await gql.login(DEMO_GENERAL_EMAIL)
    users = (await gql(USERS, {}, token=admin))["companyUsers"]["nodes"]
    other = next(u for u in users if u["email"] == DEMO_GENERAL_EMAIL)
    locked = await gql(USER_OP % "lockCompanyUser", {"id": other["id"]}, token=admin)
    assert locked["lockCompanyUser"]["user"]["lockedAt"]
    assert (await gql("{ me { email } }", token=member))["me"] is None
    unlocked = await gql(USER_OP % "unlockCompanyUser", {"id": other["id"]}, token=admin)
    assert unlocked["unlockCompanyUser"]["user"]["lockedAt"] is None
    assert await gql.login(DEMO_GENERAL_EMAIL)


async def test_profile_and_company_changes_send_notices(gql, inbox, run_worker, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    bad = await gql(
        """mutation { updateMyProfile(input: {phone: "12", postalCode: "1",
        familyNameKana: "yamada", language: "fr"}) { userErrors { field code } } }""",
        token=admin,
    )
    assert {(e["field"][0], e["code"]) for e in bad["updateMyProfile"]["userErrors"]} == {
        ("phone", "INVALID_PHONE"),
        ("postalCode", "INVALID_POSTAL_CODE"),
        ("familyNameKana", "INVALID_KANA"),
        ("language", "INVALID_LANGUAGE"),
    }
    ok = await gql(
        """mutation { updateMyProfile(input: {phone: "03-9999-8888",
        newsletterOptIn: true, directMailOptIn: true}) {
        user { phone newsletterOptIn directMailOptIn } userErrors { code } } }""",
        token=admin,
    )
    assert ok["updateMyProfile"]["user"] == {
        "phone": "0399998888",
        "newsletterOptIn": True,
        "directMailOptIn": True,
    }
    await run_worker()
    notice = next(m for m in inbox.to(DEMO_MEMBER_EMAIL) if "会員情報変更" in m["Subject"])
    assert "電話番号" in body_text(notice)

    company = await gql(
        """mutation { updateCompany(input: {billingName: "サンプル商事 経理部",
        billingPostalCode: "1000005", billingPrefecture: "東京都",
        billingAddressLine1: "千代田区丸の内1-1-1", billingPhone: "03-1234-0000"}) {
        company { billingName billingPostalCode billingPhone } userErrors { field code } } }""",
        token=admin,
    )
    assert company["updateCompany"]["company"] == {
        "billingName": "サンプル商事 経理部",
        "billingPostalCode": "100-0005",
        "billingPhone": "0312340000",
    }
    general = await gql.login(DEMO_GENERAL_EMAIL)
    denied = await gql(
        """mutation { updateCompany(input: {name: "乗っ取り"}) {
        userErrors { code } } }""",
        token=general,
        expect_errors=True,
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    await run_worker()
    assert any("会社情報変更" in m["Subject"] for m in inbox.to(DEMO_MEMBER_EMAIL))


async def test_address_book(gql, sql, store):
    member = await gql.login(DEMO_GENERAL_EMAIL)
    create = """mutation($input: CreateAddressInput!) { createAddress(input: $input) {
        address { id isDefault postalCode phone } userErrors { field code } } }"""
    bad = await gql(
        create,
        {
            "input": {
                "recipientName": "",
                "postalCode": "12",
                "prefecture": "東京",
                "addressLine1": "x",
                "phone": "abc",
            }
        },
        token=member,
    )
    assert {(e["field"][0], e["code"]) for e in bad["createAddress"]["userErrors"]} == {
        ("recipientName", "REQUIRED"),
        ("postalCode", "INVALID_POSTAL_CODE"),
        ("prefecture", "INVALID_PREFECTURE"),
        ("phone", "INVALID_PHONE"),
    }
    made = await gql(
        create,
        {
            "input": {
                "recipientName": "田中 一郎",
                "postalCode": "５３００００１",
                "prefecture": "大阪府",
                "addressLine1": "大阪市北区梅田1-1",
                "phone": "06-1234-5678",
                "makeDefault": True,
            }
        },
        token=member,
    )
    address = made["createAddress"]["address"]
    assert address["isDefault"] is True and address["postalCode"] == "530-0001"
    listing = "{ addresses(first: 100) { totalCount nodes { id isDefault label } } }"
    counts = []
    for batch in (1, 15):
        for i in range(batch):
            await gql(
                create,
                {
                    "input": {
                        "recipientName": f"受取人{i}",
                        "postalCode": "5300001",
                        "prefecture": "大阪府",
                        "addressLine1": f"梅田{i}",
                        "phone": "0612345678",
                    }
                },
                token=member,
            )
        with sql() as counter:
            data = await gql(listing, token=member)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    nodes = data["addresses"]["nodes"]
    assert nodes[0]["id"] == address["id"] and sum(n["isDefault"] for n in nodes) == 1
    delete = """mutation($id: ID!) { deleteAddress(input: {addressId: $id}) { deletedId
        userErrors { code } } }"""
    await gql(delete, {"id": address["id"]}, token=member)
    after = (await gql(listing, token=member))["addresses"]["nodes"]
    assert sum(n["isDefault"] for n in after) == 1  # another entry became the default
    # Another company's administrator sees none of this book.
    other = await gql.login(DEMO_OTHER_ADMIN_EMAIL)
    theirs = (await gql(listing, token=other))["addresses"]["nodes"]
    assert {n["id"] for n in theirs}.isdisjoint({n["id"] for n in after})


async def test_company_user_list_is_constant_in_sql_statements(gql, sql, store):
    from api.accounts.models import User, UserKind, UserStatus
    from api.companies.models import CompanyRole

    admin = await gql.login(DEMO_MEMBER_EMAIL)
    me = await gql("{ me { company { id } } }", token=admin)
    from api.graphql.ids import int_id

    company_id = int_id(me["me"]["company"]["id"], "Company")
    role = await CompanyRole.create(company_id=company_id, name="閲覧", permissions=[])
    counts = []
    for batch in (2, 20):
        for i in range(batch):
            await User.create(
                kind=UserKind.MEMBER,
                status=UserStatus.ACTIVE,
                email=f"c{batch}-{i}@example.jp",
                password_hash="x",
                company_id=company_id,
                family_name="社員",
                given_name=str(i),
                role_key=f"custom:{role.id}" if i % 2 else "general",
            )
        with sql() as counter:
            data = await gql(USERS, {}, token=admin)
        counts.append(counter.count)
    assert len(data["companyUsers"]["nodes"]) == 24
    assert counts[0] == counts[1], counts


async def test_staff_roles_limit_what_staff_may_do(gql, settings, store):
    from api.accounts.staff import create_staff

    await create_staff(
        settings, "catalog@example.com", "Kumo-sora-77", "商品", "担当", role_key="catalog_manager"
    )
    catalog = await gql.login("catalog@example.com", "Kumo-sora-77")
    denied = await gql(
        "{ registrationApplications { totalCount } }", token=catalog, expect_errors=True
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    perms = await gql("{ myPermissions { key } }", token=catalog)
    assert [p["key"] for p in perms["myPermissions"]] == ["manage_catalog"]
    staff = await gql.login(DEMO_STAFF_EMAIL)
    assert await gql("{ registrationApplications { totalCount } }", token=staff)
    maker = 'mutation { createMaker(input: {name: "テスト製作所"}) { userErrors { code } } }'
    assert (await gql(maker, token=catalog))["createMaker"]["userErrors"] == []
    await create_staff(
        settings, "billing@example.com", "Kumo-sora-77", "経理", "担当", role_key="billing"
    )
    billing = await gql.login("billing@example.com", "Kumo-sora-77")
    refused = await gql(maker, token=billing, expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A member's permission with the same name grants nothing to staff, and vice versa.
    quotes = await gql.login(DEMO_OTHER_QUOTES_EMAIL)
    assert (await gql("{ mails { totalCount } }", token=quotes, expect_errors=True))["errors"][0][
        "extensions"
    ]["code"] == "FORBIDDEN"


async def test_only_administrators_grant_administrator_and_locked_admins_do_not_count(gql, store):
    from api.accounts.models import User
    from api.companies.models import CompanyRole

    admin = await gql.login(DEMO_MEMBER_EMAIL)
    users = (await gql(USERS, {}, token=admin))["companyUsers"]["nodes"]
    me = next(u for u in users if u["email"] == DEMO_MEMBER_EMAIL)
    other = next(u for u in users if u["email"] == DEMO_GENERAL_EMAIL)
    # A custom role with manage_users cannot make anyone (itself included) an administrator.
    general_user = await User.get(email=DEMO_GENERAL_EMAIL)
    managers = await CompanyRole.create(
        company_id=general_user.company_id, name="人事", permissions=["manage_users"]
    )
    await User.filter(id=general_user.id).update(role_key=f"custom:{managers.id}")
    manager = await gql.login(DEMO_GENERAL_EMAIL)
    admin_role = await role_id(gql, admin, "管理者")
    change = """mutation($id: ID!, $role: ID!) { changeUserRole(input: {userId: $id,
        roleId: $role}) { userErrors { field code } } }"""
    denied = await gql(change, {"id": other["id"], "role": admin_role}, token=manager)
    assert denied["changeUserRole"]["userErrors"] == [{"field": ["roleId"], "code": "FORBIDDEN"}]
    invite = await gql(
        INVITE, {"email": "boss@x.jp", "role": admin_role, "message": ""}, token=manager
    )
    assert invite["inviteUser"]["userErrors"][0]["code"] == "FORBIDDEN"
    # A second administrator who is locked does not save the last usable one.
    await gql(change, {"id": other["id"], "role": admin_role}, token=admin)
    await gql(USER_OP % "lockCompanyUser", {"id": other["id"]}, token=admin)
    general = await role_id(gql, admin, "一般ユーザー")
    demote = await gql(change, {"id": me["id"], "role": general}, token=admin)
    assert demote["changeUserRole"]["userErrors"] == [
        {"field": ["userId"], "code": "LAST_ADMINISTRATOR"}
    ]


async def test_invitations_reveal_only_own_company_members(gql, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    general = await role_id(gql, admin, "一般ユーザー")
    own = await gql(
        INVITE, {"email": DEMO_GENERAL_EMAIL, "role": general, "message": ""}, token=admin
    )
    assert own["inviteUser"]["userErrors"][0]["code"] == "ALREADY_MEMBER"
    # Someone registered with another company: the inviter learns nothing.
    elsewhere = await gql(
        INVITE, {"email": DEMO_OTHER_ADMIN_EMAIL, "role": general, "message": ""}, token=admin
    )
    assert elsewhere["inviteUser"]["userErrors"] == []


async def test_two_administrators_demoting_each_other_leave_one(gql, store):
    import asyncio

    admin = await gql.login(DEMO_MEMBER_EMAIL)
    users = (await gql(USERS, {}, token=admin))["companyUsers"]["nodes"]
    me = next(u for u in users if u["email"] == DEMO_MEMBER_EMAIL)
    other = next(u for u in users if u["email"] == DEMO_GENERAL_EMAIL)
    admin_role = await role_id(gql, admin, "管理者")
    general = await role_id(gql, admin, "一般ユーザー")
    change = """mutation($id: ID!, $role: ID!) { changeUserRole(input: {userId: $id,
        roleId: $role}) { userErrors { code } } }"""
    await gql(change, {"id": other["id"], "role": admin_role}, token=admin)
    second = await gql.login(DEMO_GENERAL_EMAIL)
    results = await asyncio.gather(
        gql(change, {"id": other["id"], "role": general}, token=admin),
        gql(change, {"id": me["id"], "role": general}, token=second),
    )
    errors = [r["changeUserRole"]["userErrors"] for r in results]
    assert sorted(len(e) for e in errors) == [0, 1], errors
    left = await gql(USERS, {}, token=second if not errors[1] else admin)
    admins = [u for u in left["companyUsers"]["nodes"] if u["role"]["name"] == "管理者"]
    assert len(admins) == 1


async def test_lists_take_a_sort_of_one_shape(gql, store):
    admin = await gql.login(DEMO_MEMBER_EMAIL)
    query = "query($sort: CompanyUserSort!) { companyUsers(sort: $sort) { nodes { email } } }"
    oldest = [
        n["email"]
        for n in (await gql(query, {"sort": "OLDEST"}, token=admin))["companyUsers"]["nodes"]
    ]
    newest = [
        n["email"]
        for n in (await gql(query, {"sort": "NEWEST"}, token=admin))["companyUsers"]["nodes"]
    ]
    by_email = [
        n["email"]
        for n in (await gql(query, {"sort": "EMAIL"}, token=admin))["companyUsers"]["nodes"]
    ]
    assert newest == oldest[::-1] and by_email == sorted(oldest) and len(oldest) == 2
    # `sort: null` (a variable left empty by a client) is each list's default order.
    nullable = query.replace("CompanyUserSort!", "CompanyUserSort")
    default = await gql(nullable, {"sort": None}, token=admin)
    assert [n["email"] for n in default["companyUsers"]["nodes"]] == oldest
    invitations = "{ invitations(sort: %s) { nodes { email } } }"
    assert await gql(invitations % "null", token=admin) == await gql(
        invitations % "NEWEST", token=admin
    )
    staff = await gql.login(DEMO_STAFF_EMAIL)
    applications = "{ registrationApplications(sort: %s, first: 20) { nodes { id } } }"
    assert await gql(applications % "null", token=staff) == await gql(
        applications % "OLDEST", token=staff
    )
    mails = await gql("{ mails(sort: OLDEST, first: 5) { nodes { createdAt } } }", token=staff)
    stamps = [n["createdAt"] for n in mails["mails"]["nodes"]]
    assert stamps == sorted(stamps)
