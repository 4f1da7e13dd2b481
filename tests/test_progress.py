"""Long CLI jobs report progress batch by batch (the CLI draws a tqdm bar from it)."""

from __future__ import annotations

from api.catalog.demo import generate_products
from api.catalog.models import Product


async def test_generating_a_catalog_reports_each_batch(rt):
    reported: list[int] = []
    made = await generate_products(5, batch=2, progress=reported.append)
    assert made == 5
    assert reported == [2, 2, 1]
    assert await Product.filter(code__startswith="GEN-").count() == 5
