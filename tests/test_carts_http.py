"""The cart query over HTTP with a real GraphQL document, both tax displays."""

from __future__ import annotations

from api.carts import service
from api.demo import DEMO_MEMBER_EMAIL
from api.stores.policy import load_policy
from tests.helpers import seed
from tests.test_carts import Actor, product

CART = """
query Cart($token: String) {
  cart(cartToken: $token) {
    guest purchasable deliveryAddressId
    lines { id productCode name quantity available timeSlot earliestDate
            options { code name price { amount } }
            problems { code field message } }
    breakdown {
      taxIncluded
      lines { lineId unitPrice { amount } amount { amount } amountIncludingTax { amount }
              taxRatePercent reducedRate }
      discounts { kind code amount { amount } }
      shipping { group free amountIncludingTax { amount } freeThreshold { amount } }
      perRate { rate reduced base { amount } tax { amount } }
      subtotal { amount } taxTotal { amount } totalExcludingTax { amount }
      total { amount currency } points amountDue { amount }
    }
  }
}"""


async def test_guest_cart_over_http_in_goods_b2c(gql, rt, settings):
    original = rt.policy
    rt.policy = load_policy("goods-b2c")
    try:
        pid = await product(rt, "H105", 105)
        added = await service.add_line(Actor(), rt, token=None, product_id=pid, quantity=3)
        data = await gql(CART, {"token": added.token})
        cart = data["cart"]
        assert cart["guest"] and cart["purchasable"]
        b = cart["breakdown"]
        assert b["taxIncluded"] and b["perRate"] == [
            {"rate": 10, "reduced": False, "base": {"amount": 770}, "tax": {"amount": 77}}
        ]
        assert b["subtotal"] == {"amount": 315} and b["total"] == {"amount": 847, "currency": "JPY"}
        assert b["shipping"][0]["freeThreshold"] == {"amount": 15000}
        # The header works as the argument does; a forged token is an empty cart.
        by_header = await gql(CART, headers={"X-Cart-Token": added.token})
        assert by_header["cart"]["lines"] == cart["lines"]
        assert (await gql(CART, {"token": "x" * 500}))["cart"]["lines"] == []
    finally:
        rt.policy = original


async def test_member_cart_over_http_and_guests_refused_in_saas(gql, rt, settings):
    await seed(settings)
    body = await gql(CART, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "GUEST_CART_NOT_ALLOWED"
    token = await gql.login(DEMO_MEMBER_EMAIL)
    data = await gql(CART, token=token)
    assert data["cart"]["lines"] == [] and data["cart"]["breakdown"]["total"]["amount"] == 0
    assert data["cart"]["breakdown"]["taxIncluded"] is False  # saas-b2b shows tax excluded


def test_the_guide_examples_validate_against_the_committed_schema():
    import re
    from pathlib import Path

    from graphql import build_schema, parse, validate

    root = Path(__file__).resolve().parents[1]
    schema = build_schema((root / "schema.graphql").read_text(encoding="utf-8"))
    text = (root / "docs" / "carts.md").read_text(encoding="utf-8")
    documents = re.findall(r"```graphql\n(.*?)```", text, re.S)
    assert documents
    for document in documents:
        assert validate(schema, parse(document)) == [], document
