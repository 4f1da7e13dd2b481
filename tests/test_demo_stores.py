"""`torihiki dev` shows each store profile its own catalog; the tests see every kind."""

from __future__ import annotations

import pytest

from api.catalog.demo import DEFAULT_DEMO, PROFILE_CATALOGS, seed_catalog
from api.catalog.models import Category, Product, ProductKind, ProductStatus, ShippingClass
from api.demo import seed_demo
from api.stores.policy import shipped_profiles


def test_every_shipped_profile_has_a_demo_catalog() -> None:
    shipped = set(shipped_profiles())
    assert shipped == set(PROFILE_CATALOGS)
    assert set(DEFAULT_DEMO) <= {r for roots in PROFILE_CATALOGS.values() for r in roots}


async def _roots_of_products() -> set[str]:
    categories = {c.id: c for c in await Category.all()}

    def root(c: Category) -> str:
        while c.parent_id is not None:  # type: ignore[attr-defined]
            c = categories[c.parent_id]  # type: ignore[attr-defined]
        return c.code

    return {root(categories[p.category_id]) for p in await Product.all()}  # type: ignore[attr-defined]


@pytest.mark.parametrize("profile", sorted(PROFILE_CATALOGS))
async def test_dev_seeds_only_the_profiles_catalog(rt, settings, profile) -> None:  # noqa: ANN001
    await seed_demo(settings.model_copy(update={"store_profile": profile}), store_catalog=True)
    assert await _roots_of_products() == set(PROFILE_CATALOGS[profile])
    assert (
        await Product.filter(status=ProductStatus.PUBLISHED).count() == await Product.all().count()
    )


async def test_the_members_shop_catalog_has_every_kind_of_product(rt) -> None:  # noqa: ANN001
    await seed_catalog(rt, roots=("office",))
    products = await Product.all()
    assert {p.kind for p in products} == {ProductKind.PHYSICAL, ProductKind.SUBSCRIPTION}
    assert any(p.shipping_class == ShippingClass.MAKER_DIRECT for p in products)
    assert any(p.tax_category.value == "reduced" for p in products)
    # Idempotent: a second run adds nothing.
    assert await seed_catalog(rt, roots=("office",)) == []


async def test_tests_and_unknown_roots(rt, settings) -> None:  # noqa: ANN001
    with pytest.raises(ValueError, match="no demo catalog"):
        await seed_catalog(rt, roots=("toys",))
    await seed_demo(settings)
    assert await _roots_of_products() == set(DEFAULT_DEMO)
