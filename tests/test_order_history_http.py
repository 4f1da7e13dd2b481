"""Purchase history over HTTP (000 §6 購入履歴, 004 §5.1 注文履歴): list, detail, reorder.

Both backends. Orders are written by tests/order_factory.py (placing them is the order
service's own business); everything the customer does goes through GraphQL documents.
"""

from __future__ import annotations

import pytest

from api import clock
from api.accounts.models import User, UserKind, UserStatus
from api.actor import Actor
from api.carts import service as carts
from api.catalog import service as catalog
from api.companies.models import Company, CompanyRole
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.graphql.ids import to_global_id
from api.orders.states import OrderStatus, PaymentMethod
from tests.helpers import seed
from tests.order_factory import LineSpec, make_order, walk

LIST = """
query Orders($first: Int, $after: String, $filter: OrderFilter) {
  myOrders(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id number placedOn status customerStatus customerStatusLabel
      paymentMethod { code name }
      total { amount } amountDue { amount }
      lines { position productCode name quantity amount { amount } options { code name } }
      shipments { carrier trackingNumber }
      statusHistory { status customerStatusLabel }
    } }
  }
}"""

DETAIL = """
query Detail($id: ID!) {
  node(id: $id) {
    ... on Order {
      id number placedAt placedOn status customerStatus customerStatusLabel
      customer { name companyName email department }
      deliveryAddress { recipientName postalCode prefecture addressLine1 }
      paymentMethod { code name } paymentTerms paid taxIncluded
      subtotal { amount } shippingTotal { amount } taxTotal { amount } total { amount }
      perRate { rate reduced base { amount } tax { amount } }
      lines {
        id position productId productCode name quantity kind hasDeliveryNote shipped
        unitPrice { amount } unitTotal { amount } amount { amount } taxRatePercent reducedRate
        options { code name groupName price { amount } }
        extraFields { code label value }
      }
      deliveryStatus
      shipments { id carrier trackingNumber shippedOn }
      statusHistory { fromStatus status customerStatus customerStatusLabel reason at }
      cancelReason
    }
  }
}"""

REORDER = """
mutation Reorder($input: ReorderInput!) {
  reorder(input: $input) {
    cart { lines { productCode quantity options { code } } }
    addedLines { position productCode quantity droppedOptions }
    skippedLines { position productCode errors { code } }
    userErrors { field code message params }
  }
}"""


async def _member() -> User:
    return await User.get(email=DEMO_MEMBER_EMAIL)


async def _product(rt, code: str, price: int, **kw) -> int:
    staff = Actor.for_system()
    p = await catalog.create_product(
        rt, staff, {"code": code, "name": f"商品{code}", "price": price, **kw}
    )
    await catalog.publish_product(rt, staff, p.id)
    return p.id


async def _user(email: str, *, company_id: int | None, role_key: str) -> User:
    demo = await _member()
    return await User.create(
        kind=UserKind.MEMBER,
        status=UserStatus.ACTIVE,
        email=email,
        password_hash=demo.password_hash,
        company_id=company_id,
        family_name="佐藤",
        given_name="次郎",
        role_key=role_key,
        email_verified_at=clock.now(),
        approved_at=clock.now(),
    )


async def _rival() -> User:
    company = await Company.create(
        name="株式会社ライバル", postal_code="530-0001", prefecture="大阪府"
    )
    return await _user("rival@example.jp", company_id=company.id, role_key="administrator")


async def _without_view_orders() -> User:
    demo = await _member()
    role = await CompanyRole.create(
        company_id=demo.company_id, name="見積のみ", permissions=["view_quotes"]
    )
    return await _user(
        "quotes-only@example.jp", company_id=demo.company_id, role_key=f"custom:{role.id}"
    )


def _spec(pid: int, code: str, price: int, **kw) -> LineSpec:
    return LineSpec(product_id=pid, code=code, name=f"商品{code}", unit_price=price, **kw)


async def test_member_lists_company_orders_with_statuses_and_reads_the_detail(gql, rt, settings):
    await seed(settings)
    member = await _member()
    a = await _product(rt, "GOODS-A", 1200)
    b = await _product(rt, "FOOD-B", 500, tax_category="reduced")
    first = await make_order(
        member,
        [
            _spec(
                a,
                "GOODS-A",
                1200,
                quantity=3,
                options=[{"code": "wrap", "name": "ギフト包装", "group": "包装", "price": 100}],
            ),
            _spec(
                b,
                "FOOD-B",
                500,
                quantity=2,
                rate=8,
                extra_fields=[{"code": "memo", "label": "備考", "value": "午前着"}],
            ),
        ],
        status=OrderStatus.SHIPPED,
        days_ago=3,
    )
    second = await make_order(
        member,
        [_spec(a, "GOODS-A", 1200)],
        payment_method=PaymentMethod.BANK_TRANSFER,
        status=OrderStatus.AWAITING_PAYMENT,
    )
    cancelled = await make_order(member, [_spec(a, "GOODS-A", 1200)], days_ago=1)
    await walk(cancelled, OrderStatus.CANCELLED)
    # Another company's order and a guest order are in nobody's history here.
    rival = await _rival()
    await make_order(rival, [_spec(a, "GOODS-A", 1200)])

    token = await gql.login(DEMO_MEMBER_EMAIL)
    data = await gql(LIST, {"first": 10}, token=token)
    orders = data["myOrders"]
    assert orders["totalCount"] == 3
    nodes = [e["node"] for e in orders["edges"]]
    assert [n["number"] for n in nodes] == [second.number, cancelled.number, first.number]
    by_number = {n["number"]: n for n in nodes}
    assert by_number[second.number]["customerStatusLabel"] == "申請"
    assert by_number[second.number]["status"] == "AWAITING_PAYMENT"
    assert by_number[second.number]["paymentMethod"] == {
        "code": "BANK_TRANSFER",
        "name": "銀行振込",
    }
    assert by_number[first.number]["customerStatus"] == "ACCEPTED"
    assert by_number[first.number]["customerStatusLabel"] == "受付済"
    assert by_number[first.number]["status"] == "SHIPPED"
    assert by_number[cancelled.number]["customerStatusLabel"] == "キャンセル"
    lines = by_number[first.number]["lines"]
    assert [(x["productCode"], x["quantity"], x["amount"]["amount"]) for x in lines] == [
        ("GOODS-A", 3, 3900),
        ("FOOD-B", 2, 1000),
    ]
    # ¥3,900 at 10 % → ¥390; ¥1,000 at 8 % → ¥80.
    assert by_number[first.number]["total"]["amount"] == 3900 + 1000 + 390 + 80

    # Filters: customer status, internal status, date range, number.
    for variables, expected in (
        ({"customerStatus": "RECEIVED"}, [second.number]),
        ({"customerStatus": "CANCELLED"}, [cancelled.number]),
        ({"status": "SHIPPED"}, [first.number]),
        ({"placedTo": first.placed_on.isoformat()}, [first.number]),
        ({"placedFrom": cancelled.placed_on.isoformat()}, [second.number, cancelled.number]),
        ({"number": first.number}, [first.number]),
    ):
        found = await gql(LIST, {"filter": variables}, token=token)
        assert [e["node"]["number"] for e in found["myOrders"]["edges"]] == expected, variables

    detail = (await gql(DETAIL, {"id": to_global_id("Order", first.id)}, token=token))["node"]
    assert detail["customer"]["companyName"] == "株式会社サンプル商事"
    assert detail["deliveryAddress"]["prefecture"] == "東京都"
    assert detail["paymentMethod"] == {"code": "CARD", "name": "クレジットカード"}
    assert detail["perRate"] == [
        {"rate": 10, "reduced": False, "base": {"amount": 3900}, "tax": {"amount": 390}},
        {"rate": 8, "reduced": True, "base": {"amount": 1000}, "tax": {"amount": 80}},
    ]
    assert detail["lines"][0]["options"] == [
        {"code": "wrap", "name": "ギフト包装", "groupName": "包装", "price": {"amount": 100}}
    ]
    assert detail["lines"][1]["extraFields"] == [
        {"code": "memo", "label": "備考", "value": "午前着"}
    ]
    assert detail["lines"][1]["reducedRate"] is True
    assert detail["deliveryStatus"] == "SHIPPED"
    assert detail["shipments"][0]["carrier"] == "ヤマト運輸"
    assert detail["shipments"][0]["trackingNumber"] == "1234-5678-9012"
    assert [h["status"] for h in detail["statusHistory"]] == ["PLACED", "ACCEPTED", "SHIPPED"]
    assert [h["customerStatusLabel"] for h in detail["statusHistory"]] == [
        "申請",
        "受付済",
        "受付済",
    ]
    assert detail["statusHistory"][1]["fromStatus"] == "PLACED"

    cancelled_detail = await gql(DETAIL, {"id": to_global_id("Order", cancelled.id)}, token=token)
    assert cancelled_detail["node"]["cancelReason"] == "ご注文内容に不備があったため"
    assert cancelled_detail["node"]["deliveryStatus"] == "CANCELLED"
    assert cancelled_detail["node"]["statusHistory"][-1]["reason"] == "ご注文内容に不備があったため"

    # English labels.
    en = await gql(
        LIST, {"filter": {"number": second.number}}, token=token, headers={"Accept-Language": "en"}
    )
    node = en["myOrders"]["edges"][0]["node"]
    assert node["customerStatusLabel"] == "Received"
    assert node["paymentMethod"]["name"] == "Bank transfer"


async def test_scope_another_company_is_not_found_and_no_view_orders_is_refused(gql, rt, settings):
    await seed(settings)
    member = await _member()
    a = await _product(rt, "GOODS-A", 1200)
    mine = await make_order(member, [_spec(a, "GOODS-A", 1200)])
    rival = await _rival()
    theirs = await make_order(rival, [_spec(a, "GOODS-A", 1200)])
    token = await gql.login(DEMO_MEMBER_EMAIL)

    # Another company's order: null by node, NOT_FOUND by mutation, absent from the list.
    assert (await gql(DETAIL, {"id": to_global_id("Order", theirs.id)}, token=token))[
        "node"
    ] is None
    refused = await gql(
        REORDER, {"input": {"orderId": to_global_id("Order", theirs.id)}}, token=token
    )
    assert [e["code"] for e in refused["reorder"]["userErrors"]] == ["NOT_FOUND"]
    assert refused["reorder"]["cart"] is None

    # The rival sees theirs only.
    rival_token = await gql.login("rival@example.jp")
    data = await gql(LIST, {}, token=rival_token)
    assert [e["node"]["number"] for e in data["myOrders"]["edges"]] == [theirs.number]

    # A member whose role lacks view_orders is refused the list, and sees no order by node.
    limited = await _without_view_orders()
    limited_token = await gql.login(limited.email)
    body = await gql(LIST, {}, token=limited_token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await gql(DETAIL, {"id": to_global_id("Order", mine.id)}, token=limited_token))[
        "node"
    ] is None

    # Signed out: UNAUTHENTICATED.
    body = await gql(LIST, {}, token="", expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

    # Staff have no purchase history of their own; they read any order by node.
    staff_token = await gql.login(DEMO_STAFF_EMAIL)
    body = await gql(LIST, {}, token=staff_token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    staff_view = await gql(DETAIL, {"id": to_global_id("Order", theirs.id)}, token=staff_token)
    assert staff_view["node"]["number"] == theirs.number


async def test_individual_member_sees_own_orders(gql, rt, settings):
    await seed(settings)
    a = await _product(rt, "GOODS-A", 1200)
    alone = await _user("alone@example.jp", company_id=None, role_key="administrator")
    other = await _user("other-alone@example.jp", company_id=None, role_key="administrator")
    mine = await make_order(alone, [_spec(a, "GOODS-A", 1200)])
    await make_order(other, [_spec(a, "GOODS-A", 1200)])
    token = await gql.login(alone.email)
    data = await gql(LIST, {}, token=token)
    assert [e["node"]["number"] for e in data["myOrders"]["edges"]] == [mine.number]


@pytest.mark.parametrize("orders_count", [1, 5, 20])
async def test_history_costs_the_same_statements_whatever_the_page(
    gql, rt, settings, sql, orders_count
):
    await seed(settings)
    member = await _member()
    ids = [await _product(rt, f"P-{i}", 100 + i) for i in range(3)]
    for n in range(orders_count):
        await make_order(
            member,
            [_spec(p, f"P-{i}", 100 + i, quantity=n + 1) for i, p in enumerate(ids)],
            status=OrderStatus.SHIPPED if n % 2 else OrderStatus.ACCEPTED,
        )
    token = await gql.login(DEMO_MEMBER_EMAIL)
    with sql() as counted:
        data = await gql(LIST, {"first": 20}, token=token)
    assert len(data["myOrders"]["edges"]) == orders_count
    assert all(len(e["node"]["lines"]) == 3 for e in data["myOrders"]["edges"])
    # session, page, count, lines, shipments, history: the same for 1, 5 or 20 orders.
    assert counted.count == EXPECTED_LIST_STATEMENTS, counted.statements
    with sql() as counted:
        first = data["myOrders"]["edges"][0]["node"]["id"]
        await gql(DETAIL, {"id": first}, token=token)
    assert counted.count == EXPECTED_DETAIL_STATEMENTS, counted.statements


EXPECTED_LIST_STATEMENTS = 6
EXPECTED_DETAIL_STATEMENTS = 5


async def test_reorder_puts_the_products_back_at_their_minimum(gql, rt, settings):
    await seed(settings)
    member = await _member()
    staff = Actor.for_system()
    a = await _product(rt, "BOX-A", 800, min_quantity=5)
    b = await _product(rt, "PEN-B", 120)
    gone = await _product(rt, "OLD-C", 300)
    order = await make_order(
        member,
        [
            _spec(a, "BOX-A", 800, quantity=40),
            _spec(
                b,
                "PEN-B",
                120,
                quantity=12,
                options=[{"code": "engrave", "name": "名入れ", "price": 50}],
            ),
            _spec(gone, "OLD-C", 300, quantity=2),
        ],
        status=OrderStatus.DELIVERED,
    )
    await catalog.unpublish_product(rt, staff, gone)
    token = await gql.login(DEMO_MEMBER_EMAIL)
    data = await gql(REORDER, {"input": {"orderId": to_global_id("Order", order.id)}}, token=token)
    payload = data["reorder"]
    assert [(x["productCode"], x["quantity"]) for x in payload["addedLines"]] == [
        ("BOX-A", 5),
        ("PEN-B", 1),
    ]
    # The option the product no longer offers is named, not silently lost.
    assert payload["addedLines"][1]["droppedOptions"] == ["engrave"]
    assert payload["skippedLines"] == [
        {"position": 3, "productCode": "OLD-C", "errors": [{"code": "PRODUCT_UNAVAILABLE"}]}
    ]
    [error] = payload["userErrors"]
    assert error["code"] == "PRODUCT_UNAVAILABLE"
    assert error["field"] == ["lines", "3", "productId"]
    assert error["params"] == {"position": 3, "productCode": "OLD-C"}
    assert [(x["productCode"], x["quantity"]) for x in payload["cart"]["lines"]] == [
        ("BOX-A", 5),
        ("PEN-B", 1),
    ]
    # Address and payment method are not carried over: the cart has no address.
    cart = await carts.get_cart(await Actor.of_user(member), rt)
    assert cart.address is None

    # Nothing available: nothing changes, the refusal is the answer.
    only_gone = await make_order(member, [_spec(gone, "OLD-C", 300)])
    data = await gql(
        REORDER, {"input": {"orderId": to_global_id("Order", only_gone.id)}}, token=token
    )
    assert data["reorder"]["cart"] is None
    assert [e["code"] for e in data["reorder"]["userErrors"]] == ["PRODUCT_UNAVAILABLE"]


async def test_hostile_ids_and_filters(gql, rt, settings):
    await seed(settings)
    token = await gql.login(DEMO_MEMBER_EMAIL)
    for bad in (
        to_global_id("Order", "99999999999999999999"),
        to_global_id("Order", "-1"),
        to_global_id("Order", "1\u0000"),
        to_global_id("Quote", "1"),
    ):
        data = await gql(REORDER, {"input": {"orderId": bad}}, token=token)
        assert [e["code"] for e in data["reorder"]["userErrors"]] == ["NOT_FOUND"], bad
        assert (await gql(DETAIL, {"id": bad}, token=token))["node"] is None
    data = await gql(REORDER, {"input": {"orderId": "not base64 !!"}}, token=token)
    assert [e["code"] for e in data["reorder"]["userErrors"]] == ["INVALID_ID"]
    # A NUL never reaches a query: the schema refuses it before any resolver.
    body = await gql(LIST, {"filter": {"number": "EC\u0000"}}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_CHARACTERS"
    body = await gql(LIST, {"filter": {"number": "E" * 10_000}}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "TOO_LONG"
    body = await gql(
        LIST,
        {"filter": {"placedFrom": "2026-12-10", "placedTo": "2026-12-01"}},
        token=token,
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "INVALID_DATE_RANGE"
    body = await gql(LIST, {"first": 101}, token=token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"
