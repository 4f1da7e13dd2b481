"""Quotes over HTTP: from the cart to a numbered snapshot, its PDF, the list, expiry, ordering.

Both backends (SQLite + fakeredis, PostgreSQL + Redis). The cart is filled through the
cart service (its mutations are the carts domain's); everything about quotes goes
through GraphQL documents and the PDF route, as a client would.
"""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest

from api import clock
from api.accounts.models import User, UserKind, UserStatus
from api.actor import Actor
from api.carts import service as carts
from api.catalog import service as catalog
from api.companies.models import Address, Company, CompanyRole
from api.db import is_postgres, unit_of_work
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.errors import DomainError
from api.quotes import service
from api.quotes.models import Quote
from api.quotes.states import QuoteStatus
from api.stores.policy import load_policy
from tests.helpers import refused_characters, seed
from tests.pdftools import pdf_text
from workers.jobs.quotes import expire_quotes as expire_job

CREATE = """
mutation Create($input: CreateQuoteFromCartInput!) {
  createQuoteFromCart(input: $input) {
    quote {
      id number status issueDate validUntil title lineCount comment points couponCode
      paymentMethod { code name }
      customer { name companyName department email postalCode prefecture addressLine1 }
      deliveryAddress { recipientName postalCode prefecture addressLine1 }
      total { amount currency } amountDue { amount }
    }
    userErrors { field code message params }
  }
}"""

DETAIL = """
query Detail($id: ID!) {
  node(id: $id) {
    ... on Quote {
      id number status validUntil orderNumber cancelReason
      lines { id position productCode name quantity unitPrice { amount } unitTotal { amount }
              amount { amount } amountIncludingTax { amount } taxRatePercent reducedRate
              desiredDate options { code name groupName price { amount } } }
      breakdown { taxIncluded lines { lineId amount { amount } taxRatePercent }
                  perRate { rate reduced base { amount } tax { amount } }
                  subtotal { amount } taxTotal { amount } total { amount } amountDue { amount } }
      pdf { url expiresAt }
    }
  }
}"""

LIST = """
query List($first: Int, $after: String, $filter: QuoteFilter) {
  quotes(first: $first, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node {
      id number status validUntil title lineCount total { amount }
      customer { companyName name }
      lines { position name quantity amount { amount } }
      breakdown { perRate { rate base { amount } tax { amount } } total { amount } }
    } }
  }
}"""

CANCEL = """
mutation Cancel($input: CancelQuoteInput!) {
  cancelQuote(input: $input) { quote { id status cancelReason } userErrors { field code params } }
}"""

OPTIONS = "{ quoteOptions { enabled validityDays paymentMethods { code name } } }"


async def _member() -> User:
    return await User.get(email=DEMO_MEMBER_EMAIL)


async def _product(rt, code: str, price: int, **kw) -> int:
    staff = Actor.for_system()
    p = await catalog.create_product(
        rt, staff, {"code": code, "name": f"商品{code}", "price": price, **kw}
    )
    await catalog.publish_product(rt, staff, p.id)
    return p.id


async def _fill_cart(rt, user: User, lines: list[tuple[int, int]], *, address: bool = True) -> None:
    actor = await Actor.of_user(user)
    for product_id, quantity in lines:
        await carts.add_line(actor, rt, token=None, product_id=product_id, quantity=quantity)
    if address:
        book = await Address.filter(company_id=user.company_id).first()
        if book is None:
            book = await Address.create(
                company_id=user.company_id,
                recipient_name="山田 太郎",
                postal_code="100-0005",
                prefecture="東京都",
                address_line1="千代田区丸の内1-1-1",
                phone="0312345678",
            )
        await carts.set_delivery_address(actor, rt, token=None, address_id=book.id)


async def _other_company_member(settings) -> User:
    """A member of another company, with the demo password (copied hash)."""
    demo = await _member()
    company = await Company.create(
        name="株式会社ライバル", postal_code="530-0001", prefecture="大阪府"
    )
    return await User.create(
        kind=UserKind.MEMBER,
        status=UserStatus.ACTIVE,
        email="rival@example.jp",
        password_hash=demo.password_hash,
        company=company,
        family_name="佐藤",
        given_name="次郎",
        role_key="administrator",
        email_verified_at=clock.now(),
        approved_at=clock.now(),
    )


async def _colleague(permissions: list[str], email: str = "colleague@example.jp") -> User:
    demo = await _member()
    role = await CompanyRole.create(
        company_id=demo.company_id, name=email[:60], permissions=permissions
    )
    return await User.create(
        kind=UserKind.MEMBER,
        status=UserStatus.ACTIVE,
        email=email,
        password_hash=demo.password_hash,
        company_id=demo.company_id,
        family_name="鈴木",
        given_name="花子",
        role_key=f"custom:{role.id}",
        email_verified_at=clock.now(),
        approved_at=clock.now(),
    )


def _errors(data: dict, name: str) -> list[str]:
    return [e["code"] for e in data[name]["userErrors"]]


async def test_member_quotes_the_cart_reads_it_and_downloads_the_pdf(gql, http, rt, settings):
    await seed(settings)
    member = await _member()
    a = await _product(rt, "SVC-A", 105)
    b = await _product(rt, "SVC-B", 20_000, tax_category="reduced")
    await _fill_cart(rt, member, [(a, 3), (b, 2)])
    cart = await carts.priced_cart(await Actor.of_user(member), rt)
    token = await gql.login(DEMO_MEMBER_EMAIL)

    options = await gql(OPTIONS, token=token)
    assert options["quoteOptions"]["validityDays"] == 30
    assert {"code": "invoice", "name": "請求書払い"} in options["quoteOptions"]["paymentMethods"]

    data = await gql(
        CREATE,
        {
            "input": {
                "paymentMethod": "invoice",
                "comment": "年度内の納品希望",
                "idempotencyKey": "k-1",
            }
        },
        token=token,
    )
    assert data["createQuoteFromCart"]["userErrors"] == []
    quote = data["createQuoteFromCart"]["quote"]
    today = clock.business_today()
    assert quote["number"] == f"EC{today:%Y%m%d}Q0001"
    assert quote["status"] == "VALID" and quote["issueDate"] == today.isoformat()
    assert quote["validUntil"] == (today + timedelta(days=30)).isoformat()
    assert quote["paymentMethod"] == {"code": "invoice", "name": "請求書払い"}
    assert quote["customer"]["companyName"] == "株式会社サンプル商事"
    assert quote["customer"]["name"] == "山田 太郎"
    assert quote["total"] == {"amount": cart.breakdown.total, "currency": "JPY"}
    assert quote["lineCount"] == 2 and quote["title"] == "商品SVC-A"
    # 3 × ¥105 at 10 %: tax once on ¥315 is ¥31 (per line it would be ¥30).
    assert cart.breakdown.rate(10).tax == 31

    # A double click with the same key is the same quote; a new key is a new number.
    again = await gql(CREATE, {"input": {"idempotencyKey": "k-1"}}, token=token)
    assert again["createQuoteFromCart"]["quote"]["id"] == quote["id"]
    second = await gql(CREATE, {"input": {"idempotencyKey": "k-2"}}, token=token)
    assert second["createQuoteFromCart"]["quote"]["number"] == f"EC{today:%Y%m%d}Q0002"
    assert second["createQuoteFromCart"]["quote"]["paymentMethod"] is None

    # Later changes of the customer and the catalog leave the quote as issued (000 §2).
    await Company.filter(id=member.company_id).update(name="株式会社新社名")
    await catalog.update_product(rt, Actor.for_system(), a, {"price": 999})
    detail = (await gql(DETAIL, {"id": quote["id"]}, token=token))["node"]
    assert [line["unitPrice"]["amount"] for line in detail["lines"]] == [105, 20_000]
    assert detail["lines"][1]["reducedRate"] and detail["lines"][1]["taxRatePercent"] == 8
    per_rate = {r["rate"]: r for r in detail["breakdown"]["perRate"]}
    assert per_rate[10]["tax"]["amount"] == 31 and per_rate[8]["tax"]["amount"] == 3200
    assert [x["lineId"] for x in detail["breakdown"]["lines"]] == [x["id"] for x in detail["lines"]]
    listed = await gql(LIST, {"first": 10}, token=token)
    assert listed["quotes"]["edges"][1]["node"]["customer"]["companyName"] == "株式会社サンプル商事"

    # The PDF: a signed link, no credentials needed, good for five minutes.
    url = detail["pdf"]["url"]
    parts = urlsplit(url)
    response = await http.get(f"{parts.path}?{parts.query}")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    assert "EC" in response.headers["content-disposition"]
    text = pdf_text(response.content)
    for expected in (
        "御見積書",
        quote["number"],
        "株式会社サンプル商事",
        "御中",
        "山田 太郎",
        "商品SVC-A",
        "¥315",
        "¥40,000",
        "8%※",
        f"登録番号: {rt.policy.billing.registration_number}",
        f"¥{cart.breakdown.total:,}",
        "請求書払い",
        "年度内の納品希望",
        "有効期限",
    ):
        assert expected in text, expected
    # A tampered or stale link is refused; the quote itself is never exposed by it.
    forged = re.sub(r"s=[0-9a-f]{4}", "s=0000", f"{parts.path}?{parts.query}")
    assert (await http.get(forged)).status_code == 403
    other = await http.get(f"{parts.path}?u=1&l=ja&e=1&s=" + "0" * 64)
    assert other.status_code == 403
    clock.travel(301)
    stale = await http.get(f"{parts.path}?{parts.query}")
    assert stale.status_code == 410 and stale.json()["code"] == "TOKEN_EXPIRED"


async def test_the_pdf_in_english_and_tax_included_in_members_shop(
    gql, http, rt, settings, set_policy
):
    original = rt.policy
    rt.policy = load_policy("members-shop")
    try:
        await seed(settings)
        member = await _member()
        pid = await _product(rt, "TEA", 1000, tax_category="reduced")
        await _fill_cart(rt, member, [(pid, 2)])
        token = await gql.login(DEMO_MEMBER_EMAIL)
        created = await gql(CREATE, {"input": {"paymentMethod": "np_deferred"}}, token=token)
        quote = created["createQuoteFromCart"]["quote"]
        assert quote["number"].startswith("EC") and quote["total"]["amount"] == 2160
        en = await gql(DETAIL, {"id": quote["id"]}, token=token, headers={"Accept-Language": "en"})
        parts = urlsplit(en["node"]["pdf"]["url"])
        assert "l=en" in parts.query
        text = pdf_text((await http.get(f"{parts.path}?{parts.query}")).content)
        assert "QUOTATION" in text and "NP deferred payment" in text and "¥2,160" in text
        ja = await gql(DETAIL, {"id": quote["id"]}, token=token)
        parts = urlsplit(ja["node"]["pdf"]["url"])
        text = pdf_text((await http.get(f"{parts.path}?{parts.query}")).content)
        assert (
            "単価(税込)" in text
            and "¥1,080" in text
            and f"登録番号: {rt.policy.billing.registration_number}" in text
        )
    finally:
        rt.policy = original


async def test_who_sees_which_quotes_and_the_list_costs_the_same_sql(gql, rt, settings, sql):
    await seed(settings)
    member = await _member()
    pids = [await _product(rt, f"L{i}", 1000 + i) for i in range(5)]
    await _fill_cart(rt, member, [(pids[0], 1)])
    token = await gql.login(DEMO_MEMBER_EMAIL)
    first = (await gql(CREATE, {"input": {}}, token=token))["createQuoteFromCart"]["quote"]

    with sql() as one:
        page = await gql(LIST, {"first": 10}, token=token)
    assert page["quotes"]["totalCount"] == 1
    for pid in pids[1:]:
        await _fill_cart(rt, member, [(pid, 2)])
        await gql(CREATE, {"input": {}}, token=token)
    with sql() as many:
        page = await gql(LIST, {"first": 10}, token=token)
    nodes = [e["node"] for e in page["quotes"]["edges"]]
    assert page["quotes"]["totalCount"] == 5 and [n["lineCount"] for n in nodes] == [5, 4, 3, 2, 1]
    assert sum(len(n["lines"]) for n in nodes) == 15
    assert many.count == one.count, (one.statements, many.statements)
    paged = await gql(LIST, {"first": 2, "filter": {"status": "VALID"}}, token=token)
    assert paged["quotes"]["pageInfo"]["hasNextPage"]
    by_number = await gql(LIST, {"filter": {"number": first["number"]}}, token=token)
    assert [e["node"]["id"] for e in by_number["quotes"]["edges"]] == [first["id"]]

    # Another company's member sees nothing of them, by list or by ID.
    await _other_company_member(settings)
    rival = await gql.login("rival@example.jp")
    assert (await gql(LIST, {}, token=rival))["quotes"]["totalCount"] == 0
    assert (await gql(DETAIL, {"id": first["id"]}, token=rival))["node"] is None
    cancelled = await gql(CANCEL, {"input": {"quoteId": first["id"]}}, token=rival)
    assert _errors(cancelled, "cancelQuote") == ["NOT_FOUND"]

    # A colleague with view_quotes sees the company's; one without sees only their own.
    viewer = await _colleague(["view_quotes"], "viewer@example.jp")
    requester = await _colleague(["request_quotes"], "requester@example.jp")
    viewer_token = await gql.login(viewer.email)
    assert (await gql(LIST, {}, token=viewer_token))["quotes"]["totalCount"] == 5
    refused = await gql(CREATE, {"input": {}}, token=viewer_token)
    assert _errors(refused, "createQuoteFromCart") == ["FORBIDDEN"]
    requester_token = await gql.login(requester.email)
    assert (await gql(LIST, {}, token=requester_token))["quotes"]["totalCount"] == 0

    # Staff see every quote; anonymous callers are refused.
    staff = await gql.login(DEMO_STAFF_EMAIL)
    assert (await gql(LIST, {}, token=staff))["quotes"]["totalCount"] == 5
    refused = await gql(LIST, {}, token="", expect_errors=True)
    assert refused["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    staff_create = await gql(CREATE, {"input": {}}, token=staff)
    assert _errors(staff_create, "createQuoteFromCart") == ["FORBIDDEN"]


async def test_cancel_expire_and_order_terms(gql, http, rt, settings):
    await seed(settings)
    member = await _member()
    pid = await _product(rt, "EXP", 5000)
    await _fill_cart(rt, member, [(pid, 2)])
    token = await gql.login(DEMO_MEMBER_EMAIL)
    keep = (await gql(CREATE, {"input": {"comment": "A"}}, token=token))["createQuoteFromCart"][
        "quote"
    ]
    drop = (await gql(CREATE, {"input": {}}, token=token))["createQuoteFromCart"]["quote"]
    ordered = (await gql(CREATE, {"input": {}}, token=token))["createQuoteFromCart"]["quote"]

    cancelled = await gql(CANCEL, {"input": {"quoteId": drop["id"], "reason": "不要"}}, token=token)
    assert cancelled["cancelQuote"]["quote"] == {
        "id": drop["id"],
        "status": "CANCELLED",
        "cancelReason": "不要",
    }
    again = await gql(CANCEL, {"input": {"quoteId": drop["id"]}}, token=token)
    assert again["cancelQuote"]["userErrors"][0]["code"] == "INVALID_STATUS"
    assert again["cancelQuote"]["userErrors"][0]["params"] == {"status": "CANCELLED"}

    # Ordering from a quote: exactly what was quoted, once.
    actor = await Actor.of_user(member)
    ordered_id = (await Quote.get(number=ordered["number"])).id
    terms = await service.order_terms_from_quote(actor, ordered_id)
    assert terms.quote_number == ordered["number"]
    assert [(x.product_code, x.quantity, x.unit_price) for x in terms.lines] == [("EXP", 2, 5000)]
    assert (
        terms.breakdown == terms.quoted_breakdown
        and terms.breakdown.total == ordered["total"]["amount"]
    )
    async with unit_of_work():
        await service.mark_quote_ordered(actor, ordered_id, "EC2026120300001")
    with pytest.raises(DomainError) as twice:
        async with unit_of_work():
            await service.mark_quote_ordered(actor, ordered_id, "EC2026120300002")
    assert twice.value.problems[0].code == "INVALID_STATUS"
    detail = await gql(DETAIL, {"id": ordered["id"]}, token=token)
    assert (
        detail["node"]["status"] == "ORDERED" and detail["node"]["orderNumber"] == "EC2026120300001"
    )
    assert detail["node"]["pdf"] is None

    # A coupon that expired by the order date: the quoted price no longer applies.
    keep_id = (await Quote.get(number=keep["number"])).id
    await Quote.filter(id=keep_id).update(coupon_code="SPRING", coupon_id=7)

    async def expired_coupon(coupon_id, code, on):
        assert (coupon_id, code) == (7, "SPRING")
        return False

    with pytest.raises(DomainError) as changed:
        await service.order_terms_from_quote(actor, keep_id, coupon_valid=expired_coupon)
    problem = changed.value.problems[0]
    assert (
        problem.code == "QUOTE_PRICE_CHANGED"
        and problem.params["new_total"] == keep["total"]["amount"]
    )
    with pytest.raises(DomainError) as no_points:
        await Quote.filter(id=keep_id).update(coupon_code="", coupon_id=None, points=100)
        await service.order_terms_from_quote(actor, keep_id, points_balance=40)
    assert no_points.value.problems[0].params["reason"] == "points"
    await Quote.filter(id=keep_id).update(points=0)

    # Past its last valid day the quote reads EXPIRED at once, then the job records it.
    assert (await gql(DETAIL, {"id": keep["id"]}, token=token))["node"]["pdf"] is not None
    valid_until = date.fromisoformat(keep["validUntil"])
    clock.travel((valid_until - clock.business_today()).days * 86400 + 86400)
    token = await gql.login(DEMO_MEMBER_EMAIL)  # the session ran out over the month
    detail = await gql(DETAIL, {"id": keep["id"]}, token=token)
    assert detail["node"]["status"] == "EXPIRED" and detail["node"]["pdf"] is None
    with pytest.raises(DomainError) as expired:
        await service.order_terms_from_quote(actor, keep_id)
    assert expired.value.problems[0].code == "QUOTE_EXPIRED"
    assert expired.value.problems[0].params == {"valid_until": valid_until}
    assert (await Quote.get(id=keep_id)).status == QuoteStatus.VALID
    assert await expire_job({"rt": rt}) == {"expired": 1}
    assert await expire_job({"rt": rt}) == {"expired": 0}  # idempotent
    statuses = {q.number: q.status for q in await Quote.all()}
    assert statuses == {
        keep["number"]: QuoteStatus.EXPIRED,
        drop["number"]: QuoteStatus.CANCELLED,
        ordered["number"]: QuoteStatus.ORDERED,
    }
    listed = await gql(LIST, {"filter": {"status": "EXPIRED"}}, token=token)
    assert [e["node"]["number"] for e in listed["quotes"]["edges"]] == [keep["number"]]


async def test_expiry_catches_up_missed_days(rt, settings):
    await seed(settings)
    member = await _member()
    pid = await _product(rt, "CATCH", 100)
    await _fill_cart(rt, member, [(pid, 1)])
    actor = await Actor.of_user(member)
    quotes = [
        await service.create_quote_from_cart(rt, actor, service.QuoteRequest()) for _ in range(3)
    ]
    # Issued on three different days (the worker was down for a week meanwhile).
    today = clock.business_today()
    for i, q in enumerate(quotes):
        await Quote.filter(id=q.id).update(valid_until=today - timedelta(days=7 - i))
    assert await service.expire_quotes(today, batch=2) == 3
    assert await service.expire_quotes(today) == 0


async def test_hostile_and_wrong_input_is_coded(gql, rt, settings, set_policy):
    await seed(settings)
    member = await _member()
    token = await gql.login(DEMO_MEMBER_EMAIL)
    empty = await gql(CREATE, {"input": {}}, token=token)
    assert _errors(empty, "createQuoteFromCart") == ["CART_EMPTY"]
    pid = await _product(rt, "HOST", 100)
    await _fill_cart(rt, member, [(pid, 1)])
    cases = [
        ({"comment": "長" * 1001}, "TOO_LONG", ["comment"]),
        ({"paymentMethod": "bitcoin"}, "UNKNOWN_PAYMENT_METHOD", ["paymentMethod"]),
        ({"paymentMethod": "x" * 10_000}, "UNKNOWN_PAYMENT_METHOD", ["paymentMethod"]),
        ({"idempotencyKey": "k" * 500}, "TOO_LONG", ["idempotencyKey"]),
        ({"idempotencyKey": "鍵 with space"}, "INVALID_TEXT", ["idempotencyKey"]),
    ]
    for given, code, field in cases:
        data = await gql(CREATE, {"input": given}, token=token)
        errors = data["createQuoteFromCart"]["userErrors"]
        assert [(e["code"], e["field"]) for e in errors] == [(code, field)], given
        assert data["createQuoteFromCart"]["quote"] is None
    # Control and bidi characters are refused before the resolver; a comment may span lines.
    for comment in ("制御\x00文字", "\u202e逆順", "ベル\x07"):
        body = await gql(CREATE, {"input": {"comment": comment}}, token=token, expect_errors=True)
        assert refused_characters(body) == ["input", "comment"], comment
    bad = await gql(CREATE, {"input": {"paymentMethod": "bitcoin"}}, token=token)
    assert bad["createQuoteFromCart"]["userErrors"][0]["params"]["allowed"] == [
        "invoice",
        "credit_card",
    ]
    assert await Quote.all().count() == 0

    for quote_id, code in (
        ("garbage", "INVALID_ID"),
        ("UXVvdGU6OTk5OTk5OTk5OTk5OTk5", "NOT_FOUND"),  # Quote:999999999999999
        ("UXVvdGU6LTE=", "NOT_FOUND"),  # Quote:-1
        ("Q2FydExpbmU6MQ==", "NOT_FOUND"),  # CartLine:1
    ):
        data = await gql(CANCEL, {"input": {"quoteId": quote_id}}, token=token)
        assert _errors(data, "cancelQuote") == [code], quote_id
    assert (await gql(DETAIL, {"id": "UXVvdGU6OTk5OTk5OTk5OTk5OTk5"}, token=token))["node"] is None

    # The PDF route with hostile parameters answers 403/404, never 500.
    for path in (
        "/documents/quotes/1.pdf",
        "/documents/quotes/99999999999999999999.pdf?u=1&l=ja&e=1&s=" + "0" * 64,
        "/documents/quotes/1.pdf?u=%00&l=ja&e=9&s=" + "0" * 64,
        "/documents/quotes/1.pdf?u=1&l=ja&e=" + "9" * 40 + "&s=" + "0" * 64,
        "/documents/quotes/abc.pdf?u=1&l=ja&e=1&s=" + "é" * 64,
    ):
        response = await gql.http.get(path)
        assert response.status_code == 403, (path, response.status_code)

    # A signed-out caller and a store without quotes are refused with codes.
    anonymous = await gql(CREATE, {"input": {}}, token="", expect_errors=True)
    assert anonymous["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    set_policy(quotes=rt.policy.quotes.model_copy(update={"enabled": False}))
    disabled = await gql(CREATE, {"input": {}}, token=token)
    assert _errors(disabled, "createQuoteFromCart") == ["QUOTES_DISABLED"]


async def test_goods_need_a_delivery_address_and_it_is_snapshotted(gql, rt, settings):
    original = rt.policy
    rt.policy = load_policy("members-shop")
    try:
        await seed(settings)
        member = await _member()
        pid = await _product(rt, "BOX", 3000, shipping_class="store")
        await _fill_cart(rt, member, [(pid, 1)], address=False)
        token = await gql.login(DEMO_MEMBER_EMAIL)
        data = await gql(CREATE, {"input": {}}, token=token)
        assert _errors(data, "createQuoteFromCart") == ["DELIVERY_ADDRESS_REQUIRED"]
        await _fill_cart(rt, member, [])
        address = await Address.get(company_id=member.company_id)
        quote = (await gql(CREATE, {"input": {}}, token=token))["createQuoteFromCart"]["quote"]
        await Address.filter(id=address.id).update(address_line1="移転先")
        detail = await gql(
            "query($id: ID!) { node(id: $id) { ... on Quote { deliveryAddress { addressLine1 } } } }",
            {"id": quote["id"]},
            token=token,
        )
        assert detail["node"]["deliveryAddress"] == {"addressLine1": "千代田区丸の内1-1-1"}
    finally:
        rt.policy = original


async def test_concurrent_quotes_get_distinct_consecutive_numbers(rt, settings):
    """Ten members' carts quoted at once (truly concurrent on PostgreSQL)."""
    await seed(settings)
    member = await _member()
    pid = await _product(rt, "RACE", 100)
    await _fill_cart(rt, member, [(pid, 1)])
    actor = await Actor.of_user(member)
    made = await asyncio.gather(
        *(service.create_quote_from_cart(rt, actor, service.QuoteRequest()) for _ in range(10))
    )
    today = clock.business_today()
    assert sorted(q.number for q in made) == [f"EC{today:%Y%m%d}Q{i:04d}" for i in range(1, 11)]
    # And one idempotency key raced ten times is one quote.
    keyed = await asyncio.gather(
        *(
            service.create_quote_from_cart(rt, actor, service.QuoteRequest(idempotency_key="same"))
            for _ in range(10)
        ),
        return_exceptions=True,
    )
    ids = {q.id for q in keyed if isinstance(q, Quote)}
    assert len(ids) == 1, keyed
    if is_postgres():
        assert await Quote.all().count() == 11


def test_the_quotes_guide_examples_validate_against_the_committed_schema():
    from pathlib import Path

    from graphql import build_schema, parse, validate

    root = Path(__file__).resolve().parents[1]
    schema = build_schema((root / "schema.graphql").read_text(encoding="utf-8"))
    text = (root / "docs" / "quotes.md").read_text(encoding="utf-8")
    documents = re.findall(r"```graphql\n(.*?)```", text, re.S)
    assert len(documents) == 5
    for document in documents:
        assert validate(schema, parse(document)) == [], document
