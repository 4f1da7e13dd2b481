"""The cart mutations over HTTP: coded userErrors with params, the cart unchanged on bad input."""

from __future__ import annotations

from datetime import timedelta

from api import clock
from api.carts.models import CartLine
from api.catalog import service as catalog
from api.catalog.service import OptionGroupSpec, OptionSpec
from api.companies.models import Address
from api.demo import DEMO_MEMBER_EMAIL
from api.graphql.ids import to_global_id
from tests.helpers import refused_characters
from tests.test_carts import SYSTEM, goods, product  # noqa: F401 - the goods-b2c fixture

OTHER_MEMBER = "admin@mirai.example.com"

FIELDS = """
  cartToken
  cart {
    guest deliveryAddressId purchasable
    lines { id productCode quantity desiredDate earliestDate timeSlot
            options { code } problems { code field params } }
    breakdown { subtotal { amount } total { amount } }
  }
  userErrors { field code message params }
"""

ADD = "mutation Add($input: AddCartLineInput!) { addCartLine(input: $input) {" + FIELDS + "} }"
UPDATE = (
    "mutation Update($input: UpdateCartLineInput!) { updateCartLine(input: $input) {"
    + FIELDS
    + "} }"
)
REMOVE = (
    "mutation Remove($input: RemoveCartLineInput!) { removeCartLine(input: $input) {"
    + FIELDS
    + "} }"
)
CLEAR = "mutation Clear($input: ClearCartInput) { clearCart(input: $input) {" + FIELDS + "} }"
ADDRESS = (
    "mutation Address($input: SetCartDeliveryAddressInput!) {"
    " setCartDeliveryAddress(input: $input) {" + FIELDS + "} }"
)
CART = """
query Cart($token: String) {
  cart(cartToken: $token) {
    guest deliveryAddressId
    lines { id productCode quantity desiredDate timeSlot options { code } }
    breakdown { total { amount } }
  }
}"""


def gid(kind: str, key: int) -> str:
    return to_global_id(kind, key)


async def _rules_product(rt) -> tuple[int, int, int]:
    pid = await product(rt, "RULES", 1000, min_quantity=2, quantity_step=2, lead_time_days=3)
    await catalog.set_product_options(
        rt,
        SYSTEM,
        pid,
        [
            OptionGroupSpec(
                "色",
                [OptionSpec("red", "赤", 100), OptionSpec("blue", "青", 0)],
                min_select=1,
                max_select=1,
            )
        ],
    )
    red, blue = [o.id for o in await catalog.ProductOption.filter(product_id=pid).order_by("id")]
    return pid, red, blue


async def test_member_fills_changes_and_empties_the_cart(gql, goods):  # noqa: F811
    token = await gql.login(DEMO_MEMBER_EMAIL)
    pid, red, blue = await _rules_product(goods)
    data = await gql(
        ADD,
        {
            "input": {
                "productId": gid("Product", pid),
                "optionIds": [gid("ProductOption", red)],
                "quantity": 2,
                "timeSlot": "morning",
            }
        },
        token=token,
    )
    payload = data["addCartLine"]
    assert payload["userErrors"] == [] and payload["cartToken"] is None
    [line] = payload["cart"]["lines"]
    assert line["quantity"] == 2 and line["timeSlot"] == "morning" and line["earliestDate"]
    assert payload["cart"]["breakdown"]["subtotal"] == {"amount": 2200}

    # Change options, quantity and date; omitted fields stay.
    earliest = line["earliestDate"]
    data = await gql(
        UPDATE,
        {
            "input": {
                "lineId": line["id"],
                "quantity": 4,
                "optionIds": [gid("ProductOption", blue)],
                "desiredDate": earliest,
            }
        },
        token=token,
    )
    payload = data["updateCartLine"]
    assert payload["userErrors"] == []
    [changed] = payload["cart"]["lines"]
    assert changed["quantity"] == 4 and changed["options"] == [{"code": "blue"}]
    assert changed["desiredDate"] == earliest and changed["timeSlot"] == "morning"
    # null clears the slot.
    data = await gql(UPDATE, {"input": {"lineId": line["id"], "timeSlot": None}}, token=token)
    assert data["updateCartLine"]["cart"]["lines"][0]["timeSlot"] is None

    own = await Address.filter(company__users__email=DEMO_MEMBER_EMAIL).first()
    data = await gql(ADDRESS, {"input": {"addressId": gid("Address", own.id)}}, token=token)
    assert data["setCartDeliveryAddress"]["cart"]["deliveryAddressId"] == gid("Address", own.id)
    data = await gql(ADDRESS, {"input": {"addressId": None}}, token=token)
    assert data["setCartDeliveryAddress"]["cart"]["deliveryAddressId"] is None

    data = await gql(REMOVE, {"input": {"lineId": line["id"]}}, token=token)
    assert data["removeCartLine"]["cart"]["lines"] == []
    await gql(
        ADD, {"input": {"productId": gid("Product", await product(goods, "X", 10))}}, token=token
    )
    data = await gql(CLEAR, token=token)
    assert data["clearCart"]["userErrors"] == [] and data["clearCart"]["cart"]["lines"] == []


async def test_bad_input_is_a_coded_user_error_and_the_cart_stays(gql, goods):  # noqa: F811
    token = await gql.login(DEMO_MEMBER_EMAIL)
    pid, red, blue = await _rules_product(goods)
    hidden = await product(goods, "HIDDEN", 1000, publish=False)
    ok = await gql(
        ADD,
        {
            "input": {
                "productId": gid("Product", pid),
                "optionIds": [gid("ProductOption", red)],
                "quantity": 2,
            }
        },
        token=token,
    )
    [line] = ok["addCartLine"]["cart"]["lines"]
    before = await gql(CART, token=token)
    today = clock.business_today()
    red_id = gid("ProductOption", red)

    def add(**fields):
        return {"productId": gid("Product", pid), "optionIds": [red_id], "quantity": 2, **fields}

    cases = [
        (ADD, add(productId=gid("Product", hidden)), "PRODUCT_UNAVAILABLE", ["productId"], None),
        (ADD, add(productId=gid("Product", 2**31 - 1)), "PRODUCT_UNAVAILABLE", None, None),
        (ADD, add(productId=gid("Product", 10**30)), "NOT_FOUND", ["productId"], None),
        (ADD, add(productId=gid("ProductOption", red)), "NOT_FOUND", ["productId"], None),
        (ADD, add(productId="not-an-id"), "INVALID_ID", ["productId"], None),
        (ADD, add(optionIds=[]), "OPTION_SELECTION_TOO_FEW", None, None),
        (
            ADD,
            add(optionIds=[red_id, gid("ProductOption", blue)]),
            "OPTION_SELECTION_TOO_MANY",
            None,
            None,
        ),
        (ADD, add(quantity=3), "QUANTITY_STEP", ["quantity"], None),
        (ADD, add(quantity=1), "QUANTITY_BELOW_MINIMUM", ["quantity"], None),
        (ADD, add(quantity=0), "QUANTITY_BELOW_MINIMUM", ["quantity"], {"min": 1}),
        (ADD, add(quantity=-(2**31)), "QUANTITY_BELOW_MINIMUM", ["quantity"], {"min": 1}),
        (ADD, add(quantity=2**31 - 1), "QUANTITY_ABOVE_MAXIMUM", ["quantity"], {"max": 9999}),
        (ADD, add(desiredDate=today.isoformat()), "DATE_BEFORE_EARLIEST", ["desiredDate"], None),
        (
            ADD,
            add(desiredDate=(today + timedelta(days=4000)).isoformat()),
            "DATE_AFTER_LATEST",
            ["desiredDate"],
            {"latest": (today + timedelta(days=365)).isoformat()},
        ),
        (ADD, add(timeSlot="夜"), "UNKNOWN_TIME_SLOT", ["timeSlot"], {"slot": "夜"}),
        (ADD, add(timeSlot="x" * 10_000), "UNKNOWN_TIME_SLOT", ["timeSlot"], None),
        (UPDATE, {"lineId": line["id"], "quantity": 3}, "QUANTITY_STEP", ["quantity"], None),
        (UPDATE, {"lineId": line["id"], "optionIds": []}, "OPTION_SELECTION_TOO_FEW", None, None),
        (
            UPDATE,
            {"lineId": line["id"], "desiredDate": "2000-01-01"},
            "DATE_BEFORE_EARLIEST",
            ["desiredDate"],
            None,
        ),
        (UPDATE, {"lineId": line["id"], "timeSlot": "midnight"}, "UNKNOWN_TIME_SLOT", None, None),
        (UPDATE, {"lineId": gid("CartLine", 10**12), "quantity": 2}, "NOT_FOUND", ["lineId"], None),
        (UPDATE, {"lineId": gid("Product", pid), "quantity": 2}, "NOT_FOUND", ["lineId"], None),
        (REMOVE, {"lineId": gid("CartLine", 0)}, "NOT_FOUND", ["lineId"], None),
        (REMOVE, {"lineId": "%%%"}, "INVALID_ID", ["lineId"], None),
        (ADDRESS, {"addressId": gid("Address", 10**15)}, "NOT_FOUND", ["addressId"], None),
    ]
    for document, fields, code, field, params in cases:
        body = await gql(document, {"input": fields}, token=token)
        [payload] = body.values()
        errors = payload["userErrors"]
        assert payload["cart"] is None, (fields, payload)
        found = [e for e in errors if e["code"] == code]
        assert found, (fields, errors)
        if field is not None:
            assert found[0]["field"] == field, (fields, found)
        if params is not None:
            assert found[0]["params"] == params, (fields, found)
        assert found[0]["message"] and found[0]["message"] != code
        assert await gql(CART, token=token) == before, fields
    # Control characters in any cart input are refused before the cart is touched.
    for document, fields, path in (
        (ADD, add(productId="not-an-id\x00"), ["input", "productId"]),
        (ADD, add(timeSlot="夜\x00\u202e"), ["input", "timeSlot"]),
        (ADD, add(optionIds=[red_id, "\x1b[2J"]), ["input", "optionIds", "1"]),
        (REMOVE, {"lineId": "\x07\x08"}, ["input", "lineId"]),
        (UPDATE, {"lineId": line["id"], "timeSlot": "午前\u202e"}, ["input", "timeSlot"]),
        (ADDRESS, {"addressId": "\x00"}, ["input", "addressId"]),
    ):
        body = await gql(document, {"input": fields}, token=token, expect_errors=True)
        assert refused_characters(body) == path, fields
        assert await gql(CART, token=token) == before, fields
    # The earliest date comes as data with the refusal.
    body = await gql(ADD, {"input": add(desiredDate=today.isoformat())}, token=token)
    early = body["addCartLine"]["userErrors"][0]
    assert early["params"]["earliest"] > today.isoformat()
    # A quantity beyond GraphQL's Int is refused by validation, never an internal error.
    body = await gql(ADD, {"input": add(quantity=2**40)}, token=token, expect_errors=True)
    assert body["errors"] and "INTERNAL" not in str(body)


async def test_another_members_line_is_not_found(gql, goods):  # noqa: F811
    mine = await gql.login(DEMO_MEMBER_EMAIL)
    theirs = await gql.login(OTHER_MEMBER)
    pid = await product(goods, "P1", 500)
    data = await gql(ADD, {"input": {"productId": gid("Product", pid)}}, token=theirs)
    [their_line] = data["addCartLine"]["cart"]["lines"]
    for document, fields in (
        (UPDATE, {"lineId": their_line["id"], "quantity": 5}),
        (REMOVE, {"lineId": their_line["id"]}),
    ):
        body = await gql(document, {"input": fields}, token=mine)
        [payload] = body.values()
        assert [e["code"] for e in payload["userErrors"]] == ["NOT_FOUND"]
    other_address = await Address.filter(company__users__email=OTHER_MEMBER).first()
    body = await gql(
        ADDRESS, {"input": {"addressId": gid("Address", other_address.id)}}, token=mine
    )
    assert [e["code"] for e in body["setCartDeliveryAddress"]["userErrors"]] == ["NOT_FOUND"]
    data = await gql(CART, token=theirs)
    assert [line["quantity"] for line in data["cart"]["lines"]] == [1]


async def test_guest_cart_token_from_the_first_answer(gql, goods):  # noqa: F811
    pid = await product(goods, "G1", 1000)
    data = await gql(ADD, {"input": {"productId": gid("Product", pid)}})
    payload = data["addCartLine"]
    token = payload["cartToken"]
    assert token and payload["cart"]["guest"]
    # Later answers do not repeat it; the header works as the field does.
    data = await gql(
        ADD, {"input": {"productId": gid("Product", pid)}}, headers={"X-Cart-Token": token}
    )
    assert data["addCartLine"]["cartToken"] is None
    assert data["addCartLine"]["cart"]["lines"][0]["quantity"] == 2
    line = data["addCartLine"]["cart"]["lines"][0]["id"]
    data = await gql(UPDATE, {"input": {"lineId": line, "quantity": 5, "cartToken": token}})
    assert data["updateCartLine"]["cart"]["lines"][0]["quantity"] == 5
    # A forged token reaches nothing; guests have no address book.
    body = await gql(REMOVE, {"input": {"lineId": line, "cartToken": "forged"}})
    assert [e["code"] for e in body["removeCartLine"]["userErrors"]] == ["NOT_FOUND"]
    body = await gql(
        REMOVE, {"input": {"lineId": line, "cartToken": "forged\x00"}}, expect_errors=True
    )
    assert refused_characters(body) == ["input", "cartToken"]
    body = await gql(ADDRESS, {"input": {"addressId": None, "cartToken": token}})
    assert [e["code"] for e in body["setCartDeliveryAddress"]["userErrors"]] == ["UNAUTHENTICATED"]
    # Signing in and presenting the token merges the guest cart.
    member = await gql.login(DEMO_MEMBER_EMAIL)
    data = await gql(CART, {"token": token}, token=member)
    assert [line["quantity"] for line in data["cart"]["lines"]] == [5]
    data = await gql(CART, {"token": token})
    assert data["cart"]["lines"] == []


async def test_guests_get_a_coded_refusal_where_the_store_sells_to_members(gql, rt, settings):
    assert rt.policy.guest_checkout is False
    pid = await product(rt, "S1", 1000)
    data = await gql(ADD, {"input": {"productId": gid("Product", pid)}})
    assert [e["code"] for e in data["addCartLine"]["userErrors"]] == ["GUEST_CART_NOT_ALLOWED"]
    assert await CartLine.all().count() == 0


async def test_cart_query_statements_do_not_grow_with_lines(gql, goods, sql):  # noqa: F811
    token = await gql.login(DEMO_MEMBER_EMAIL)
    counts = []
    for n in (1, 10):
        await gql(CLEAR, token=token)
        for i in range(n):
            pid = await product(goods, f"N{n}-{i}", 100 + i)
            await catalog.set_product_options(
                goods, SYSTEM, pid, [OptionGroupSpec("g", [OptionSpec("o", "o", 10)], max_select=1)]
            )
            await gql(ADD, {"input": {"productId": gid("Product", pid)}}, token=token)
        with sql() as counter:
            data = await gql(CART, token=token)
        assert len(data["cart"]["lines"]) == n
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 12, counts  # session, permissions, cart, lines, catalog, calendar
