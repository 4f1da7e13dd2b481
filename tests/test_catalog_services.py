"""The catalog's services called without GraphQL, the way the CLI, workers and seeds do.

Every write takes an `Actor` and checks MANAGE_CATALOG itself; the selection
rules are one function the catalog's check and the cart's pricing share.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from api import clock
from api.accounts.models import User
from api.actor import Actor
from api.calendar.service import load_calendar
from api.carts.pricing import CartItem, CatalogGroup, CatalogOption, CatalogProduct, check_item
from api.catalog import queries, selection, service
from api.catalog.models import Product, Tag
from api.catalog.selection import GroupRow, OptionRow, SelectableProduct, check_choice
from api.catalog.states import ProductStatus, TagKind
from api.demo import DEMO_MEMBER_EMAIL, DEMO_STAFF_EMAIL
from api.errors import DomainError
from tests.helpers import seed

SYSTEM = Actor.for_system()


def codes(error: pytest.ExceptionInfo[DomainError]) -> list[str]:
    return [p.code for p in error.value.problems]


async def test_every_write_service_runs_with_an_actor_and_no_graphql(rt, settings):
    await seed(settings)
    staff = await Actor.of_user(await User.get(email=DEMO_STAFF_EMAIL))
    assert staff.can("manage_catalog") or staff.is_staff
    root = await service.create_category(rt, SYSTEM, code="tools", name="道具")
    child = await service.create_category(rt, staff, code="pens", name="ペン", parent_id=root.id)
    other = await service.create_category(rt, staff, code="ink", name="インク", parent_id=root.id)
    await service.update_category(rt, staff, child.id, {"name_en": "Pens"})
    await service.reorder_categories(rt, staff, root.id, [other.id, child.id])
    group = await service.create_tag_group(rt, staff, kind=TagKind.BENEFIT, name="効果")
    await service.update_tag_group(rt, staff, group.id, {"position": 3})
    tag = await service.create_tag(rt, staff, group_id=group.id, name="時短")
    await service.update_tag(rt, staff, tag.id, {"name_en": "Saves time"})
    maker = await service.create_maker(rt, staff, name="文具メーカー")
    product = await service.create_product(
        rt,
        staff,
        {
            "code": "PEN-1",
            "name": "ボールペン",
            "price": 100,
            "category_id": child.id,
            "maker_id": maker.id,
            "tag_ids": [tag.id],
        },
    )
    await service.update_product(rt, staff, product.id, {"price": 120})
    await service.set_product_options(
        rt,
        staff,
        product.id,
        [
            service.OptionGroupSpec(
                "色", [service.OptionSpec("red", "赤", 10)], min_select=1, max_select=1
            )
        ],
    )
    await service.publish_product(rt, staff, product.id)
    await service.unpublish_product(rt, staff, product.id)
    await service.delete_tag(rt, staff, tag.id)
    await service.delete_category(rt, staff, other.id)
    saved = await Product.get(id=product.id)
    assert saved.price == 120 and saved.status == ProductStatus.UNPUBLISHED
    assert not await Tag.exists(id=tag.id)


async def test_catalog_writes_refuse_customers_and_anonymous_callers(rt, settings):
    await seed(settings)
    member = await Actor.of_user(await User.get(email=DEMO_MEMBER_EMAIL))
    staff_without_rights = Actor(user=await User.get(email=DEMO_STAFF_EMAIL))
    product = await service.create_product(rt, SYSTEM, {"code": "P-1", "name": "品", "price": 1})
    before = await Product.all().count()
    calls = [
        lambda a: service.create_product(rt, a, {"code": "P-2", "name": "品", "price": 1}),
        lambda a: service.update_product(rt, a, product.id, {"price": 2}),
        lambda a: service.publish_product(rt, a, product.id),
        lambda a: service.create_category(rt, a, code="c", name="c"),
        lambda a: service.create_tag_group(rt, a, kind=TagKind.ATTRIBUTE, name="g"),
        lambda a: service.create_maker(rt, a, name="m"),
        lambda a: service.delete_tag(rt, a, 1),
        lambda a: service.set_product_options(rt, a, product.id, []),
    ]
    for call in calls:
        for actor, code in (
            (Actor.anonymous(), "UNAUTHENTICATED"),
            (member, "FORBIDDEN"),
            (staff_without_rights, "FORBIDDEN"),
        ):
            with pytest.raises(DomainError) as refused:
                await call(actor)
            assert codes(refused) == [code]
    assert (await Product.get(id=product.id)).price == 1
    assert await Product.all().count() == before


async def test_selection_check_sees_what_the_actor_may_see(rt, settings):
    await seed(settings)
    hidden = await service.create_product(
        rt,
        SYSTEM,
        {"code": "DRAFT-1", "name": "下書き", "price": 1000, "min_quantity": 2, "quantity_step": 2},
    )
    for actor in (Actor.anonymous(), await Actor.of_user(await User.get(email=DEMO_MEMBER_EMAIL))):
        with pytest.raises(DomainError) as missing:
            await selection.check_selection(actor, hidden.id, [], quantity=2)
        assert [(p.code, p.field) for p in missing.value.problems] == [
            ("NOT_FOUND", ("productId",))
        ]
    checked = await selection.check_selection(SYSTEM, hidden.id, [], quantity=3)
    assert [p.code for p in checked.problems] == ["QUANTITY_STEP"]
    assert checked.problems[0].params == {"min": 2, "step": 2} and not checked.valid
    assert checked.unit_price == 1000 and checked.unit_price_including_tax == 1100
    await service.publish_product(rt, SYSTEM, hidden.id)
    seen = await selection.check_selection(Actor.anonymous(), hidden.id, [], quantity=2)
    assert seen.valid and seen.earliest_start_date >= clock.business_today()
    assert (await queries.product_row(Actor.anonymous(), hidden.id))["code"] == "DRAFT-1"


def _both(**product: object) -> tuple[SelectableProduct, CatalogProduct]:
    groups = [(1, "色", 1, 1), (2, "保守", 0, None)]
    options = [
        (10, 1, "red", 0, (), ()),
        (11, 1, "blue", 2, (), ()),
        (20, 2, "support", 5, ("red",), ()),
        (21, 2, "express", 0, (), ("support",)),
    ]
    rules = {
        "min_quantity": 2,
        "max_quantity": 10,
        "quantity_step": 2,
        "fixed_quantity": None,
        "lead_time_days": 1,
        **product,
    }
    catalog = SelectableProduct(
        id=1,
        tax_category="standard",
        price=100,
        price_including_tax=110,
        groups=tuple(GroupRow(*g) for g in groups),
        options=tuple(OptionRow(*o) for o in options),
        **rules,  # type: ignore[arg-type]
    )
    cart = CatalogProduct(
        id=1,
        code="P",
        name="品",
        name_en="",
        kind="physical",
        plan=None,
        tax_category="standard",
        price=100,
        visible=True,
        shipping_class="store",
        groups=tuple(CatalogGroup(g[0], g[1], "", g[2], g[3]) for g in groups),
        options=tuple(
            CatalogOption(o[0], o[1], o[2], o[2], "", 0, o[3], o[4], o[5]) for o in options
        ),
        **rules,  # type: ignore[arg-type]
    )
    return catalog, cart


async def test_the_catalog_check_and_the_cart_apply_one_rule_set(rt, settings):
    calendar = await load_calendar()
    today = date(2026, 12, 3)
    choices = [
        ([10], 2, None),
        ([], 2, None),
        ([10, 11], 2, None),
        ([11, 20], 4, None),
        ([10, 20, 21], 3, None),
        ([10], 1, None),
        ([10], 12, None),
        ([99], 2, None),
        ([10, 20], 2, today),
        ([10, 20], 2, today + timedelta(days=30)),
        ([11], 2, date(2027, 1, 1)),
    ]
    for fixed in (None, 4):
        catalog, cart = _both(fixed_quantity=fixed)
        for option_ids, quantity, desired in choices:
            ours, earliest = check_choice(
                catalog,
                option_ids,
                quantity=quantity,
                desired_date=desired,
                calendar=calendar,
                today=today,
            )
            theirs, cart_earliest = check_item(
                cart,
                CartItem(1, 1, tuple(option_ids), quantity, desired),
                calendar=calendar,
                today=today,
                time_slots=frozenset(),
            )
            assert ours == theirs and earliest == cart_earliest, (option_ids, quantity, desired)
    # The rules do find problems in that table (the comparison is not of empty lists).
    catalog, _ = _both()
    found, _ = check_choice(
        catalog, [10, 20, 21], quantity=3, desired_date=None, calendar=calendar, today=today
    )
    assert [p.code for p in found] == ["OPTION_EXCLUDES", "QUANTITY_STEP"]
