"""The catalog through the schema: staff build it, customers browse and search it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from api import clock
from api.catalog.demo import generate_products, seed_catalog
from api.demo import DEMO_STAFF_EMAIL
from api.stores.policy import TaxDisplay
from tests.helpers import seed

JST = timedelta(hours=9)


def travel_to(moment: datetime) -> None:
    clock.travel((moment - clock.now()).total_seconds())


ERRORS = "userErrors { field code message }"

CREATE_PRODUCT = f"""
mutation Create($input: CreateProductInput!) {{
  createProduct(input: $input) {{ product {{ id code status name price {{ display {{ amount }} }} }} {ERRORS} }}
}}"""

SET_OPTIONS = f"""
mutation Options($input: SetProductOptionsInput!) {{
  setProductOptions(input: $input) {{
    product {{ id optionGroups {{ id name required minSelect maxSelect
      options {{ id code name price {{ display {{ amount }} }} requires excludes }} }} }}
    {ERRORS}
  }}
}}"""

PUBLISH = f"""
mutation Publish($id: ID!) {{ publishProduct(input: {{id: $id}}) {{ product {{ id status publishedAt }} {ERRORS} }} }}"""

UNPUBLISH = f"""
mutation Unpublish($id: ID!) {{ unpublishProduct(input: {{id: $id}}) {{ product {{ id status }} {ERRORS} }} }}"""

PRODUCTS = """
query Products($filter: ProductFilter, $sort: ProductSort, $first: Int, $after: String) {
  products(filter: $filter, sort: $sort, first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { node {
      id code name kind status
      price { display { amount currency } excludingTax { amount } includingTax { amount } taxIncluded taxRatePercent }
      images { url }
      category { code ancestors { code } }
      maker { name }
      tags { name kind }
      benefitTags { name }
      quantityRule { min max step fixed }
      optionGroups { required options { code price { display { amount } } } }
    } }
  }
}"""

FACETS = """
query Facets($filter: ProductFilter) {
  productFacets(filter: $filter) {
    totalCount
    categories { category { code name } count }
    benefitTags { tag { id name } count }
    attributeTags { tag { name } count }
  }
}"""

DETAIL = """
query Detail($code: String!) {
  product(code: $code) {
    id code name description translations { language name }
    price { display { amount } }
    quantityRule { min max step fixed }
    earliestStartDate
    desiredDates(days: 30) { earliest latest closedDays { date reason name } }
    optionGroups { id name required minSelect maxSelect options { id code name leadTimeDays requires excludes } }
    category { name ancestors { name } }
  }
}"""

CHECK = f"""
query Check($input: ProductSelectionInput!) {{
  checkProductSelection(input: $input) {{
    valid earliestStartDate unitPrice {{ display {{ amount }} excludingTax {{ amount }} }} {ERRORS}
  }}
}}"""


async def empty_catalog() -> None:
    from tortoise import Tortoise

    for model in ("Product", "Category", "Tag", "TagGroup", "Maker"):
        await Tortoise.apps["catalog"][model].all().delete()


@pytest.fixture
async def staff(gql, settings):
    await seed(settings)  # the demo users, and a demo catalog these tests do not want
    await empty_catalog()
    return await gql.login(DEMO_STAFF_EMAIL)


@pytest.fixture
async def catalog(rt):
    await seed_catalog(rt)


def codes(data: dict[str, Any]) -> list[str]:
    return [e["node"]["code"] for e in data["products"]["edges"]]


async def test_staff_build_a_catalog_that_customers_then_see(gql, staff):
    async def mutate(doc: str, variables: dict[str, Any]) -> dict[str, Any]:
        data = await gql(doc, variables, token=staff)
        return next(iter(data.values()))

    root = await mutate(
        "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id code } "
        + ERRORS
        + " } }",
        {"i": {"code": "saas", "name": "クラウドサービス", "nameEn": "Cloud"}},
    )
    assert root["userErrors"] == []
    taken = await mutate(
        "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id } "
        + ERRORS
        + " } }",
        {"i": {"code": "saas", "name": ""}},
    )
    assert {(tuple(e["field"]), e["code"]) for e in taken["userErrors"]} == {
        (("code",), "CODE_TAKEN"),
        (("name",), "REQUIRED"),
    }
    child = await mutate(
        "mutation($i: CreateCategoryInput!) { createCategory(input: $i) { category { id code "
        "parent { code } ancestors { code } } " + ERRORS + " } }",
        {"i": {"code": "attendance", "name": "勤怠管理", "parentId": root["category"]["id"]}},
    )
    assert child["category"]["parent"]["code"] == "saas"
    assert child["category"]["ancestors"] == [{"code": "saas"}]
    # A category cannot move under itself.
    cycle = await mutate(
        "mutation($i: UpdateCategoryInput!) { updateCategory(input: $i) { category { id } "
        + ERRORS
        + " } }",
        {"i": {"id": root["category"]["id"], "parentId": child["category"]["id"]}},
    )
    assert cycle["userErrors"][0]["code"] == "CATEGORY_CYCLE"

    group = await mutate(
        "mutation($i: CreateTagGroupInput!) { createTagGroup(input: $i) { tagGroup { id kind } "
        + ERRORS
        + " } }",
        {"i": {"kind": "BENEFIT", "name": "導入効果", "nameEn": "Benefits"}},
    )
    tag = await mutate(
        "mutation($i: CreateTagInput!) { createTag(input: $i) { tag { id name kind group { id } } "
        + ERRORS
        + " } }",
        {"i": {"groupId": group["tagGroup"]["id"], "name": "業務効率化"}},
    )
    assert tag["tag"]["kind"] == "BENEFIT"

    bad = await mutate(
        CREATE_PRODUCT,
        {
            "input": {
                "code": "勤怠 1",
                "name": "勤怠クラウド",
                "price": -1,
                "kind": "SUBSCRIPTION",
                "minQuantity": 0,
                "images": [{"url": "ftp://x", "alt": ""}],
            }
        },
    )
    assert bad["product"] is None
    assert {(".".join(e["field"]), e["code"]) for e in bad["userErrors"]} == {
        ("code", "INVALID_CODE_FORMAT"),
        ("price", "OUT_OF_RANGE"),
        ("plan", "PLAN_REQUIRED"),
        ("minQuantity", "INVALID_QUANTITY_RULE"),
        ("images.0.url", "INVALID_URL"),
        ("images.0.alt", "REQUIRED"),
    }
    created = await mutate(
        CREATE_PRODUCT,
        {
            "input": {
                "code": "KINTAI-M",
                "name": "勤怠クラウド（月額プラン）",
                "nameEn": "Kintai Cloud (monthly)",
                "description": "打刻とシフト管理",
                "price": 300,
                "kind": "SUBSCRIPTION",
                "plan": "MONTHLY",
                "categoryId": child["category"]["id"],
                "tagIds": [tag["tag"]["id"]],
                "minQuantity": 10,
                "quantityStep": 5,
                "leadTimeDays": 5,
            }
        },
    )
    assert created["userErrors"] == []
    product = created["product"]
    assert product["status"] == "DRAFT"
    assert product["price"]["display"]["amount"] == 300  # saas-b2b shows prices excluding tax

    options = await mutate(
        SET_OPTIONS,
        {
            "input": {
                "productId": product["id"],
                "groups": [
                    {
                        "name": "サポート",
                        "minSelect": 1,
                        "maxSelect": 1,
                        "options": [
                            {"code": "mail", "name": "メール", "price": 0},
                            {"code": "phone", "name": "電話", "price": 3000, "excludes": ["mail"]},
                        ],
                    },
                    {
                        "name": "追加",
                        "options": [
                            {"code": "setup", "name": "導入支援", "price": 50000},
                            {"code": "ghost", "name": "x", "price": 1, "requires": ["nope"]},
                        ],
                    },
                ],
            }
        },
    )
    assert [(e["field"], e["code"]) for e in options["userErrors"]] == [
        (["groups", "1", "options", "1", "requires"], "INVALID_OPTION_RULE")
    ]
    options = await mutate(
        SET_OPTIONS,
        {
            "input": {
                "productId": product["id"],
                "groups": [
                    {
                        "name": "サポート",
                        "minSelect": 1,
                        "maxSelect": 1,
                        "options": [
                            {"code": "mail", "name": "メール", "price": 0},
                            {"code": "phone", "name": "電話", "price": 3000},
                        ],
                    }
                ],
            }
        },
    )
    assert options["userErrors"] == []
    [support] = options["product"]["optionGroups"]
    assert support["required"] is True and [o["code"] for o in support["options"]] == [
        "mail",
        "phone",
    ]
    # Options keep their IDs across edits (carts will point at them).
    again = await mutate(
        SET_OPTIONS,
        {
            "input": {
                "productId": product["id"],
                "groups": [
                    {
                        "name": "サポートプラン",
                        "minSelect": 1,
                        "maxSelect": 1,
                        "options": [
                            {"code": "phone", "name": "電話", "price": 3500},
                            {"code": "mail", "name": "メール", "price": 0},
                        ],
                    }
                ],
            }
        },
    )
    ids_before = {o["code"]: o["id"] for o in support["options"]}
    ids_after = {o["code"]: o["id"] for o in again["product"]["optionGroups"][0]["options"]}
    assert ids_before == ids_after

    # Customers see nothing until it is published.
    anonymous = await gql(PRODUCTS, {"first": 10}, token="")
    assert anonymous["products"]["totalCount"] == 0
    assert (await gql(DETAIL, {"code": "KINTAI-M"}, token=""))["product"] is None

    published = await mutate(PUBLISH, {"id": product["id"]})
    assert published["product"]["status"] == "PUBLISHED" and published["product"]["publishedAt"]
    twice = await mutate(PUBLISH, {"id": product["id"]})
    assert twice["userErrors"][0]["code"] == "INVALID_STATUS"

    seen = await gql(PRODUCTS, {"first": 10}, token="")
    [node] = [e["node"] for e in seen["products"]["edges"]]
    assert node["category"]["ancestors"] == [{"code": "saas"}]
    assert node["benefitTags"] == [{"name": "業務効率化"}]
    assert node["quantityRule"] == {"min": 10, "max": None, "step": 5, "fixed": None}
    assert node["price"]["includingTax"]["amount"] == 330

    renamed = await mutate(
        "mutation($i: UpdateProductInput!) { updateProduct(input: $i) { product { name "
        "translations { language name } } " + ERRORS + " } }",
        {"i": {"id": product["id"], "name": "勤怠クラウド スタンダード", "nameEn": "Kintai"}},
    )
    assert renamed["product"]["name"] == "勤怠クラウド スタンダード"
    cleared = await mutate(
        "mutation($i: UpdateProductInput!) { updateProduct(input: $i) { product { id } "
        + ERRORS
        + " } }",
        {"i": {"id": product["id"], "name": None}},
    )
    assert cleared["userErrors"][0]["code"] == "REQUIRED"
    en = await gql(DETAIL, {"code": "KINTAI-M"}, token="", headers={"Accept-Language": "en"})
    assert en["product"]["name"] == "Kintai"

    assert (await mutate(UNPUBLISH, {"id": product["id"]}))["userErrors"] == []
    assert (await gql(PRODUCTS, {"first": 10}, token=""))["products"]["totalCount"] == 0
    # Staff still see it, and can filter by status.
    staff_view = await gql(PRODUCTS, {"filter": {"status": "UNPUBLISHED"}}, token=staff)
    assert codes(staff_view) == ["KINTAI-M"]


async def test_customers_cannot_manage_the_catalog(gql, catalog):
    body = await gql(
        'mutation { createProduct(input: {code: "X", name: "x", price: 1}) { product { id } } }',
        token="",
        expect_errors=True,
    )
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # The status filter is ignored for customers: they only ever see published products.
    data = await gql(PRODUCTS, {"filter": {"status": "DRAFT"}, "first": 100}, token="")
    assert data["products"]["totalCount"] == len(codes(data)) > 0
    assert {e["node"]["status"] for e in data["products"]["edges"]} == {"PUBLISHED"}


async def test_keyword_search_normalises_japanese_text(gql, catalog):
    async def search(keyword: str) -> list[str]:
        data = await gql(PRODUCTS, {"filter": {"keyword": keyword}, "first": 50}, token="")
        return codes(data)

    # Full-width letters, lower case, hiragana for katakana: all the same search.
    assert set(await search("ＥＲＶ")) == set(await search("erv")) == set(await search("ERV"))
    assert set(await search("くらうど")) == set(await search("クラウド")) != set()
    assert set(await search("ｸﾗｳﾄﾞ")) == set(await search("クラウド"))
    # Every word must match; the code matches too.
    assert await search("勤怠 年額") == ["kintai-y"]
    assert await search("coffee-beans-500") == ["coffee-beans-500"]
    assert await search("存在しない商品") == []
    # Relevance: a name match ranks before a description-only match.
    assert await search("ERV-200") == ["vent-erv-200", "filter-set-erv"]


async def test_filters_sorting_paging_and_facets(gql, catalog, set_policy):
    everything = await gql(PRODUCTS, {"first": 100}, token="")
    total = everything["products"]["totalCount"]
    assert total == len(codes(everything)) == 14
    # `sort: null`, as a literal or a variable, is the default order (issue 15).
    assert codes(await gql(PRODUCTS, {"first": 100, "sort": None}, token="")) == codes(everything)
    literal = await gql(
        "{ products(sort: null, first: 100) { edges { node { code } } } }", token=""
    )
    assert [e["node"]["code"] for e in literal["products"]["edges"]] == codes(everything)

    tags = await gql(
        "{ tagGroups { kind name tags { id name } } categories { id code children { id code } } }",
        token="",
    )
    tag_id = {t["name"]: t["id"] for g in tags["tagGroups"] for t in g["tags"]}
    category_id = {c["code"]: c["id"] for c in tags["categories"]}
    assert [c["code"] for c in tags["categories"]] == ["saas", "goods"]

    # A parent category includes its sub-categories.
    saas = await gql(
        PRODUCTS, {"filter": {"categoryId": category_id["saas"]}, "first": 100}, token=""
    )
    assert saas["products"]["totalCount"] == 9
    assert all(e["node"]["kind"] == "SUBSCRIPTION" for e in saas["products"]["edges"])
    kinds = await gql(PRODUCTS, {"filter": {"kind": "PHYSICAL"}, "first": 100}, token="")
    assert kinds["products"]["totalCount"] == 5

    # Benefit tags: any of them; combined with attribute tags: both.
    both = await gql(
        PRODUCTS,
        {
            "filter": {
                "benefitTagIds": [tag_id["省エネ"], tag_id["法令対応"]],
                "attributeTagIds": [tag_id["メーカー直送"]],
            },
            "first": 100,
        },
        token="",
    )
    assert codes(both) == ["vent-erv-200"]

    # Prices are filtered and sorted as displayed: saas-b2b shows them excluding tax.
    cheap = await gql(
        PRODUCTS, {"filter": {"maxPrice": 2400}, "sort": "PRICE_ASC", "first": 100}, token=""
    )
    prices = [e["node"]["price"]["display"]["amount"] for e in cheap["products"]["edges"]]
    assert prices == sorted(prices) and max(prices) == 2400
    set_policy(tax_display=TaxDisplay.INCLUDED)
    included = await gql(
        PRODUCTS, {"filter": {"maxPrice": 2400}, "sort": "PRICE_ASC", "first": 100}, token=""
    )
    assert "coffee-beans-500" not in codes(included)  # 2,400 + 8 % = 2,592
    coffee = await gql(PRODUCTS, {"filter": {"keyword": "コーヒー"}}, token="")
    price = coffee["products"]["edges"][0]["node"]["price"]
    assert price == {
        "display": {"amount": 2592, "currency": "JPY"},
        "excludingTax": {"amount": 2400},
        "includingTax": {"amount": 2592},
        "taxIncluded": True,
        "taxRatePercent": 8,
    }
    expensive_first = await gql(PRODUCTS, {"sort": "PRICE_DESC", "first": 1}, token="")
    assert codes(expensive_first) == ["security-audit"]
    by_name = await gql(PRODUCTS, {"sort": "NAME", "first": 100}, token="")
    names = [e["node"]["name"] for e in by_name["products"]["edges"]]
    assert names == sorted(names)

    # Cursor paging walks every product once.
    seen, after = [], None
    while True:
        page = await gql(PRODUCTS, {"first": 4, "after": after, "sort": "NEWEST"}, token="")
        seen += codes(page)
        assert page["products"]["totalCount"] == total
        if not page["products"]["pageInfo"]["hasNextPage"]:
            break
        after = page["products"]["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == total
    too_many = await gql(PRODUCTS, {"first": 101}, token="", expect_errors=True)
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"

    facets = await gql(FACETS, {"filter": {"keyword": "クラウド"}}, token="")
    f = facets["productFacets"]
    assert f["totalCount"] == 5
    by_category = {c["category"]["code"]: c["count"] for c in f["categories"]}
    assert by_category == {
        "saas": 5,
        "saas-attendance": 2,
        "saas-expense": 2,
        "saas-security": 1,
    }
    benefit = {t["tag"]["name"]: t["count"] for t in f["benefitTags"]}
    assert benefit["業務効率化"] == 4
    # The counts agree with what the same filter finds.
    filtered = await gql(
        PRODUCTS,
        {"filter": {"keyword": "クラウド", "benefitTagIds": [tag_id["業務効率化"]]}, "first": 100},
        token="",
    )
    assert filtered["products"]["totalCount"] == 4


async def test_detail_page_dates_options_and_selection_checks(gql, catalog):
    # Friday 25 December 2026, 10:00 in Tokyo; the store closes 29 Dec – 4 Jan.
    travel_to(datetime(2026, 12, 25, 1, 0, tzinfo=UTC))
    data = await gql(DETAIL, {"code": "kintai-m"}, token="")
    product = data["product"]
    assert product["earliestStartDate"] == "2027-01-08"  # 5 business days: 28, 5, 6, 7, 8
    dates = product["desiredDates"]
    assert dates["earliest"] == "2027-01-08" and dates["latest"] == "2027-02-06"
    closed = {d["date"]: (d["reason"], d["name"]) for d in dates["closedDays"]}
    assert closed["2027-01-11"] == ("PUBLIC_HOLIDAY", "成人の日")
    assert closed["2027-01-09"] == ("WEEKEND", "")
    assert product["category"]["ancestors"] == [{"name": "クラウドサービス"}]
    [support, extras] = product["optionGroups"]
    option = {o["code"]: o["id"] for g in product["optionGroups"] for o in g["options"]}

    earliest = await gql(
        "query($p: ID!, $o: [ID!]) { earliestStartDate(productId: $p, optionIds: $o) }",
        {"p": product["id"], "o": [option["kintai-onboarding"]]},
        token="",
    )
    # Onboarding needs 10 business days (11 Jan is 成人の日): the longest lead time wins.
    assert earliest["earliestStartDate"] == "2027-01-18"

    check = await gql(
        CHECK,
        {
            "input": {
                "productId": product["id"],
                "optionIds": [option["kintai-migration"]],
                "quantity": 12,
                "desiredStartDate": "2027-01-07",
            }
        },
        token="",
    )
    result = check["checkProductSelection"]
    assert result["valid"] is False
    assert {e["code"]: e["field"] for e in result["userErrors"]} == {
        "OPTION_SELECTION_TOO_FEW": ["optionIds"],
        "OPTION_REQUIRES": ["optionIds"],
        "QUANTITY_STEP": ["quantity"],
        "DATE_BEFORE_EARLIEST": ["desiredStartDate"],
    }
    date_error = next(e for e in result["userErrors"] if e["code"] == "DATE_BEFORE_EARLIEST")
    assert "2027-01-25" in date_error["message"]  # data migration: 15 business days

    good = await gql(
        CHECK,
        {
            "input": {
                "productId": product["id"],
                "optionIds": [option["support-phone"], option["kintai-onboarding"]],
                "quantity": 15,
                "desiredStartDate": "2027-01-18",
            }
        },
        token="",
    )
    assert good["checkProductSelection"] == {
        "valid": True,
        "earliestStartDate": "2027-01-18",
        "unitPrice": {"display": {"amount": 53300}, "excludingTax": {"amount": 53300}},
        "userErrors": [],
    }
    closed_day = await gql(
        CHECK,
        {
            "input": {
                "productId": product["id"],
                "optionIds": [option["support-mail"]],
                "desiredStartDate": "2027-01-16",
            }
        },
        token="",
        headers={"Accept-Language": "en"},
    )
    [error] = closed_day["checkProductSelection"]["userErrors"]
    assert error["code"] == "DATE_NOT_BUSINESS_DAY" and "2027-01-18" in error["message"]

    fixed = await gql(DETAIL, {"code": "security-audit"}, token="")
    assert fixed["product"]["quantityRule"]["fixed"] == 1
    wrong = await gql(
        CHECK, {"input": {"productId": fixed["product"]["id"], "quantity": 2}}, token=""
    )
    assert wrong["checkProductSelection"]["userErrors"][0]["code"] == "QUANTITY_FIXED"


async def test_scheduled_availability_hides_products_outside_their_window(gql, staff):
    await seed_catalog(None)
    later = (clock.now() + timedelta(days=3)).isoformat()
    data = await gql(DETAIL, {"code": "led-panel-40"}, token=staff)
    update = await gql(
        "mutation($i: UpdateProductInput!) { updateProduct(input: $i) { " + ERRORS + " } }",
        {"i": {"id": data["product"]["id"], "availableFrom": later}},
        token=staff,
    )
    assert update["updateProduct"]["userErrors"] == []
    assert (await gql(DETAIL, {"code": "led-panel-40"}, token=""))["product"] is None
    clock.travel(4 * 86400)
    assert (await gql(DETAIL, {"code": "led-panel-40"}, token=""))["product"] is not None


# ---- statements per page -----------------------------------------------------------------


async def _count(gql, sql, document: str, variables: dict[str, Any]) -> int:
    with sql() as counter:
        await gql(document, variables, token="")
    return counter.count


async def test_product_pages_take_the_same_statements_whatever_their_size(gql, sql, rt):
    await seed_catalog(rt)
    page = {"first": 2}
    small = await _count(gql, sql, PRODUCTS, page)
    await generate_products(30)
    big = await _count(gql, sql, PRODUCTS, {"first": 25})
    # page, count, categories, makers, tags, option groups with their options
    assert small == big <= 6, (small, big)
    # Facets, the category tree and tag groups are constant too.
    assert await _count(gql, sql, FACETS, {"filter": {"keyword": "クラウド"}}) <= 4
    tree = "{ categories { code children { code children { code } } } tagGroups { tags { name } } }"
    assert await _count(gql, sql, tree, {}) <= 3
    # The detail page: product, tree, tags, option groups with options, maker, calendar.
    assert await _count(gql, sql, DETAIL, {"code": "kintai-m"}) <= 6


async def test_search_and_facets_scale_with_statements_not_rows(gql, sql, rt):
    await generate_products(40)
    one = await _count(gql, sql, PRODUCTS, {"filter": {"keyword": "クラウド"}, "first": 2})
    many = await _count(gql, sql, PRODUCTS, {"filter": {"keyword": "クラウド"}, "first": 25})
    assert one == many


# ---- the response cache for anonymous catalog reads ----------------------------------------


async def test_anonymous_catalog_reads_are_cached_until_the_catalog_changes(gql, sql, staff):
    await seed_catalog(None)
    variables = {"filter": {"keyword": "コーヒー"}}
    first = await gql(PRODUCTS, variables, token="")
    with sql() as counter:
        again = await gql(PRODUCTS, variables, token="")
    assert again == first and counter.count == 0  # answered without touching the database
    # Another language, variables or caller is another answer.
    with sql() as counter:
        await gql(PRODUCTS, variables, token="", headers={"Accept-Language": "en"})
        await gql(PRODUCTS, variables, token=staff)
    assert counter.count > 0

    product_id = first["products"]["edges"][0]["node"]["id"]
    update = await gql(
        "mutation($i: UpdateProductInput!) { updateProduct(input: $i) { " + ERRORS + " } }",
        {"i": {"id": product_id, "name": "オフィス用コーヒー豆 1kg"}},
        token=staff,
    )
    assert update["updateProduct"]["userErrors"] == []
    fresh = await gql(PRODUCTS, variables, token="")
    assert fresh["products"]["edges"][0]["node"]["name"] == "オフィス用コーヒー豆 1kg"

    # Mutations and non-catalog fields are never cached; errors are not kept.
    with sql() as counter:
        await gql("{ me { id } products(first: 1) { totalCount } }", token="")
        await gql("{ me { id } products(first: 1) { totalCount } }", token="")
    assert counter.count >= 2
    bad = await gql(PRODUCTS, {"first": 101}, token="", expect_errors=True)
    assert bad["errors"][0]["extensions"]["code"] == "INVALID_PAGE_SIZE"


# ---- precompleted answers ------------------------------------------------------------------

SIMPLE_PAGE = """
query Page($sort: ProductSort, $filter: ProductFilter) {
  products(first: 40, sort: $sort, filter: $filter) {
    __typename totalCount count: totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node {
      __typename id code name description kind plan taxCategory status shippingClass
      leadTimeDays publishedAt
      price { display { amount currency } excludingTax { amount } includingTax { amount }
              taxIncluded taxRatePercent }
      images { url alt }
      quantityRule { min max step fixed }
      category { id code name position }
      maker { id name nameEn }
      tags { id name nameEn kind groupName } benefitTags { id } attributeTags { name }
      optionGroups { id name minSelect maxSelect required
        options { id code name leadTimeDays requires excludes price { display { amount } } } }
    } }
    nodes { id name first: code }
  }
}"""


async def test_precompleted_pages_answer_exactly_like_graphql_execution(gql, rt, monkeypatch):
    from api.graphql import precomplete

    await seed_catalog(rt)
    await generate_products(30)
    built = []
    original = precomplete.build

    def spy(*args: Any) -> Any:
        result = original(*args)
        built.append(1)
        return result

    monkeypatch.setattr(precomplete, "build", spy)
    # The same document with a directive takes GraphQL-core's ordinary execution.
    ordinary = SIMPLE_PAGE.replace(
        "__typename totalCount", "__typename @include(if: true) totalCount"
    )
    cases = [
        {"sort": "NAME"},
        {"sort": "PRICE_DESC"},
        {"filter": {"keyword": "クラウド"}},
        {"filter": {"keyword": "no such product anywhere"}},
    ]
    for variables in cases:
        for language in ("ja", "en"):
            headers = {"Accept-Language": language}
            count = len(built)
            fast = await gql(SIMPLE_PAGE, variables, token="", headers=headers)
            assert len(built) == count + 1  # took the precompleted path
            slow = await gql(ordinary, variables, token="", headers=headers)
            assert len(built) == count + 1  # and this one did not
            assert fast == slow, variables
    page = await gql(SIMPLE_PAGE, {"sort": "NAME"}, token="")
    nodes = [e["node"] for e in page["products"]["edges"]]
    assert any(n["optionGroups"] for n in nodes) and any(n["maker"] for n in nodes)
    assert any(n["tags"] for n in nodes) and page["products"]["count"] >= 30
