"""Order documents over HTTP (000 §6): 納品書, 請求書（簡易版）, 領収書 by signed link.

Both backends. Orders come from tests/order_factory.py; the customer lists documents,
issues receipts and downloads PDFs through GraphQL and the download route, and the
PDFs' text is read back with poppler.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from api import clock
from api.accounts.models import User
from api.actor import Actor
from api.demo import DEMO_MEMBER_EMAIL
from api.graphql.ids import to_global_id
from api.orders import document_links
from api.orders.document_models import OrderDocument
from api.orders.states import OrderStatus, PaymentMethod
from tests.helpers import seed
from tests.order_factory import LineSpec, make_order, walk
from tests.pdftools import pdf_fonts, pdf_text
from tests.test_order_history_http import _member, _product, _rival, _without_view_orders

DOCUMENTS = """
query Documents($id: ID!) {
  orderDocuments(orderId: $id) {
    order { number status }
    documents {
      kind available unavailableReason unavailableMessage
      download { url expiresAt }
      issued { id kind number version reissued issuedOn addressee description download { url } }
    }
  }
}"""

RECEIPT = """
mutation Receipt($input: IssueReceiptInput!) {
  issueReceipt(input: $input) {
    receipt { id number version reissued addressee description download { url expiresAt } }
    userErrors { field code message params }
  }
}"""


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _by_kind(data: dict) -> dict[str, dict]:
    return {d["kind"]: d for d in data["orderDocuments"]["documents"]}


_made = {"n": 0}


async def _order(
    rt, member: User, *, method=PaymentMethod.CARD, flagged=True, status=OrderStatus.ACCEPTED
):
    _made["n"] += 1
    a = await _product(rt, f"PARK-A{_made['n']}", 3000)
    b = await _product(rt, f"FOOD-B{_made['n']}", 500, tax_category="reduced")
    return await make_order(
        member,
        [
            LineSpec(a, "PARK-A", "特注駐車券", 3000, quantity=2, has_delivery_note=flagged),
            LineSpec(b, "FOOD-B", "お茶", 500, quantity=3, rate=8, has_delivery_note=False),
        ],
        payment_method=method,
        status=status,
        shipping=800,
    )


async def test_documents_only_after_shipment_then_delivery_note_and_invoice_download(
    gql, http, rt, settings
):
    await seed(settings)
    member = await _member()
    order = await _order(rt, member)
    gid = to_global_id("Order", order.id)
    token = await gql.login(DEMO_MEMBER_EMAIL)

    before = _by_kind(await gql(DOCUMENTS, {"id": gid}, token=token))
    assert {k: (d["available"], d["unavailableReason"]) for k, d in before.items()} == {
        "DELIVERY_NOTE": (False, "ORDER_NOT_SHIPPED"),
        "SIMPLIFIED_INVOICE": (False, "ORDER_NOT_SHIPPED"),
        "RECEIPT": (False, "ORDER_NOT_SHIPPED"),
    }
    assert before["DELIVERY_NOTE"]["download"] is None
    assert before["DELIVERY_NOTE"]["unavailableMessage"]
    refused = await gql(
        RECEIPT, {"input": {"orderId": gid, "addressee": "株式会社サンプル商事"}}, token=token
    )
    assert [e["code"] for e in refused["issueReceipt"]["userErrors"]] == ["ORDER_NOT_SHIPPED"]
    # A link made before shipment (a forged click) does not download either.
    actor = await Actor.of_user(member)
    url, _ = document_links.document_link(rt, actor, order.id, "delivery_note")
    response = await http.get(url)
    assert response.status_code == 409 and response.json()["code"] == "ORDER_NOT_SHIPPED"
    assert await OrderDocument.all().count() == 0

    await walk(order, OrderStatus.SHIPPED)
    after = _by_kind(await gql(DOCUMENTS, {"id": gid}, token=token))
    assert all(d["available"] for d in after.values())
    assert after["RECEIPT"]["download"] is None  # a receipt needs its addressee first

    response = await http.get(_path(after["DELIVERY_NOTE"]["download"]["url"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "private, no-store"
    today = clock.business_today()
    number = f"EC{today:%Y%m%d}D0001"
    assert f'filename="{number}.pdf"' in response.headers["content-disposition"]
    text = pdf_text(response.content)
    assert "納品書" in text and number in text
    assert "株式会社サンプル商事" in text and "御中" in text
    assert "T9876543210987" in text  # the store's qualified-invoice registration number
    assert order.number in text and "特注駐車券" in text and "お茶 ※" in text
    # Tax per rate as the order computed it: (6,000 + 800) × 10 % = 680; 1,500 × 8 % = 120.
    assert re.search(r"10%対象\s+¥6,800\s+¥680", text), text
    assert re.search(r"8%対象※\s+¥1,500\s+¥120", text), text
    assert "IPAexGothic" in pdf_fonts(response.content)

    # The same document every time: one snapshot, one number.
    again = _by_kind(await gql(DOCUMENTS, {"id": gid}, token=token))
    assert [d["number"] for d in again["DELIVERY_NOTE"]["issued"]] == [number]
    second = await http.get(_path(again["DELIVERY_NOTE"]["download"]["url"]))
    assert second.content == response.content
    assert await OrderDocument.filter(kind="delivery_note").count() == 1

    invoice = await http.get(_path(again["SIMPLIFIED_INVOICE"]["download"]["url"]))
    assert invoice.status_code == 200
    text = pdf_text(invoice.content)
    assert "請求書（簡易版）" in text and f"EC{today:%Y%m%d}S0001" in text
    assert "T9876543210987" in text and "クレジットカードにてお支払いいただいております" in text
    assert "ネットプロテクションズ" not in text

    # A snapshot: later changes to the order never change an issued document.
    from api.orders.models import Order

    await Order.filter(id=order.id).update(customer_name="変更後", company_name="変更後株式会社")
    unchanged = await http.get(_path(again["DELIVERY_NOTE"]["download"]["url"]))
    assert unchanged.content == response.content


async def test_receipt_card_only_with_addressee_and_reissue_marked(gql, http, rt, settings):
    await seed(settings)
    member = await _member()
    order = await _order(rt, member, status=OrderStatus.DELIVERED)
    gid = to_global_id("Order", order.id)
    token = await gql.login(DEMO_MEMBER_EMAIL)
    today = clock.business_today()

    first = await gql(
        RECEIPT,
        {
            "input": {
                "orderId": gid,
                "addressee": " 株式会社サンプル商事 ",
                "description": "事務用品代",
            }
        },
        token=token,
    )
    receipt = first["issueReceipt"]["receipt"]
    assert first["issueReceipt"]["userErrors"] == []
    assert receipt["number"] == f"EC{today:%Y%m%d}R0001"
    assert (receipt["version"], receipt["reissued"]) == (1, False)
    assert receipt["addressee"] == "株式会社サンプル商事"
    pdf = await http.get(_path(receipt["download"]["url"]))
    assert pdf.status_code == 200
    text = pdf_text(pdf.content)
    assert "領収書" in text and "再発行" not in text
    assert re.search(r"株式会社サンプル商事\s+様", text), text
    assert "但し 事務用品代 として、上記正に領収いたしました。" in text
    assert "電子領収書のため収入印紙は不要です。" in text
    assert "T9876543210987" in text
    assert re.search(r"10%対象\s+¥6,800\s+¥680", text), text
    assert f"¥{order.amount_due:,}" in text

    again = await gql(RECEIPT, {"input": {"orderId": gid, "addressee": "山田 太郎"}}, token=token)
    reissued = again["issueReceipt"]["receipt"]
    assert reissued["number"] == receipt["number"]
    assert (reissued["version"], reissued["reissued"]) == (2, True)
    assert reissued["description"] == "お品代"
    text = pdf_text((await http.get(_path(reissued["download"]["url"]))).content)
    assert (
        "領収書（再発行）" in text and re.search(r"山田 太郎\s+様", text) and "但し お品代" in text
    )
    assert (
        f"{receipt['number']}-2.pdf"
        in (await http.get(_path(reissued["download"]["url"]))).headers["content-disposition"]
    )

    # The first issue still downloads as it was issued.
    listed = _by_kind(await gql(DOCUMENTS, {"id": gid}, token=token))
    issues = listed["RECEIPT"]["issued"]
    assert [(i["version"], i["reissued"], i["addressee"]) for i in issues] == [
        (1, False, "株式会社サンプル商事"),
        (2, True, "山田 太郎"),
    ]
    first_again = await http.get(_path(issues[0]["download"]["url"]))
    assert "再発行" not in pdf_text(first_again.content)

    # Bank transfer: no receipt (card payments only).
    bank = await _order(rt, member, method=PaymentMethod.BANK_TRANSFER, status=OrderStatus.SHIPPED)
    refused = await gql(
        RECEIPT,
        {"input": {"orderId": to_global_id("Order", bank.id), "addressee": "山田"}},
        token=token,
    )
    assert [e["code"] for e in refused["issueReceipt"]["userErrors"]] == ["RECEIPT_CARD_ONLY"]


async def test_np_invoice_has_no_bank_account_and_unflagged_orders_have_no_delivery_note(
    gql, http, rt, settings
):
    await seed(settings)
    member = await _member()
    order = await _order(
        rt, member, method=PaymentMethod.NP_DEFERRED, flagged=False, status=OrderStatus.SHIPPED
    )
    gid = to_global_id("Order", order.id)
    token = await gql.login(DEMO_MEMBER_EMAIL)
    docs = _by_kind(await gql(DOCUMENTS, {"id": gid}, token=token))
    assert (docs["DELIVERY_NOTE"]["available"], docs["DELIVERY_NOTE"]["unavailableReason"]) == (
        False,
        "DELIVERY_NOTE_NOT_AVAILABLE",
    )
    assert docs["RECEIPT"]["unavailableReason"] == "RECEIPT_CARD_ONLY"
    text = pdf_text((await http.get(_path(docs["SIMPLIFIED_INVOICE"]["download"]["url"]))).content)
    assert "請求書（簡易版）" in text and "NP掛け払い" in text
    assert "振込先銀行口座を記載しておりません" in text
    assert "ネットプロテクションズ" in text
    assert "お振込先" not in text
    # English on request.
    en = await gql(DOCUMENTS, {"id": gid}, token=token, headers={"Accept-Language": "en"})
    assert _by_kind(en)["RECEIPT"]["unavailableMessage"].isascii()


async def test_documents_are_scoped_and_links_are_checked(gql, http, rt, settings):
    await seed(settings)
    member = await _member()
    order = await _order(rt, member, status=OrderStatus.SHIPPED)
    gid = to_global_id("Order", order.id)
    token = await gql.login(DEMO_MEMBER_EMAIL)
    docs = _by_kind(await gql(DOCUMENTS, {"id": gid}, token=token))
    url = _path(docs["SIMPLIFIED_INVOICE"]["download"]["url"])

    rival = await _rival()
    rival_token = await gql.login(rival.email)
    body = await gql(DOCUMENTS, {"id": gid}, token=rival_token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    data = await gql(
        RECEIPT, {"input": {"orderId": gid, "addressee": "ライバル"}}, token=rival_token
    )
    assert [e["code"] for e in data["issueReceipt"]["userErrors"]] == ["NOT_FOUND"]
    # A genuine link signed for the rival, for our order: still NOT_FOUND at download.
    rival_url, _ = document_links.document_link(
        rt, await Actor.of_user(rival), order.id, "simplified_invoice"
    )
    assert (await http.get(rival_url)).status_code == 404

    limited = await _without_view_orders()
    limited_token = await gql.login(limited.email)
    body = await gql(DOCUMENTS, {"id": gid}, token=limited_token, expect_errors=True)
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    # Tampered, malformed and expired links.
    tampered = re.sub(r"s=([0-9a-f])", lambda m: "s=" + ("0" if m.group(1) != "0" else "1"), url)
    assert (await http.get(tampered)).json()["code"] == "TOKEN_INVALID"
    other_kind = url.replace("simplified-invoice.pdf", "delivery-note.pdf")
    assert (await http.get(other_kind)).status_code == 403
    for bad in (
        url.replace(f"/orders/{order.id}/", "/orders/99999999999999999999/"),
        url.replace(f"/orders/{order.id}/", "/orders/abc/"),
        url.replace("simplified-invoice.pdf", "invoice.pdf"),
        url + "&d=99999999999999999999",
        url.split("?")[0] + "?u=1&e=1&s=" + "0" * 64,
    ):
        response = await http.get(bad)
        assert response.status_code in (403, 404), (bad, response.status_code)
        assert response.headers["content-type"].startswith("application/json")
    clock.travel(document_links.LINK_SECONDS + 1)
    expired = await http.get(url)
    assert expired.status_code == 410 and expired.json()["code"] == "TOKEN_EXPIRED"


async def test_receipt_input_is_validated(gql, rt, settings):
    await seed(settings)
    member = await _member()
    order = await _order(rt, member, status=OrderStatus.SHIPPED)
    gid = to_global_id("Order", order.id)
    token = await gql.login(DEMO_MEMBER_EMAIL)
    cases = [
        ({"addressee": ""}, [("REQUIRED", ["addressee"])]),
        ({"addressee": "   "}, [("REQUIRED", ["addressee"])]),
        ({"addressee": "宛" * 61}, [("TOO_LONG", ["addressee"])]),
        ({"addressee": "宛" * 20_000}, [("TOO_LONG", ["addressee"])]),
        (
            {"addressee": "", "description": "品" * 61},
            [("REQUIRED", ["addressee"]), ("TOO_LONG", ["description"])],
        ),
    ]
    for fields, expected in cases:
        data = await gql(RECEIPT, {"input": {"orderId": gid, **fields}}, token=token)
        payload = data["issueReceipt"]
        assert payload["receipt"] is None
        assert [(e["code"], e["field"]) for e in payload["userErrors"]] == expected, fields
    # Control, bidi and line-break characters are refused by the schema before any resolver.
    for fields in (
        {"addressee": "株式会社\u0000サンプル"},
        {"addressee": "株式会社\u202eサンプル"},
        {"addressee": "山田", "description": "事務\n用品"},
    ):
        body = await gql(
            RECEIPT, {"input": {"orderId": gid, **fields}}, token=token, expect_errors=True
        )
        assert body["errors"][0]["extensions"]["code"] == "INVALID_CHARACTERS", fields
    assert await OrderDocument.all().count() == 0
    for bad in (to_global_id("Order", "99999999999999999999"), to_global_id("Order", "0")):
        data = await gql(RECEIPT, {"input": {"orderId": bad, "addressee": "山田"}}, token=token)
        assert [e["code"] for e in data["issueReceipt"]["userErrors"]] == ["NOT_FOUND"]
    # Exactly the limit is fine.
    ok = await gql(RECEIPT, {"input": {"orderId": gid, "addressee": "宛" * 60}}, token=token)
    assert ok["issueReceipt"]["userErrors"] == []


def test_the_orders_guide_examples_validate_against_the_schema():
    from pathlib import Path

    from graphql import build_schema, parse, validate

    root = Path(__file__).resolve().parents[1]
    schema = build_schema((root / "schema.graphql").read_text(encoding="utf-8"))
    text = (root / "docs" / "orders.md").read_text(encoding="utf-8")
    documents = re.findall(r"```graphql\n(.*?)```", text, re.S)
    assert len(documents) == 5
    for document in documents:
        assert validate(schema, parse(document)) == [], document
