"""Keyword search served by an index on PostgreSQL: pg_trgm GIN on the normalised text.

A trigram index answers `LIKE '%word%'` (three characters or more) without
reading every row. SQLite has no such index and scans; it is the embedded
profile, with small catalogs.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops


async def _create(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    await schema_editor._run_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    await schema_editor._run_sql(
        "CREATE INDEX IF NOT EXISTS catalog_products_search_trgm "
        "ON catalog_products USING gin (search_text gin_trgm_ops)"
    )


async def _drop(apps, schema_editor) -> None:
    if schema_editor.client.capabilities.dialect != "postgres":
        return
    await schema_editor._run_sql("DROP INDEX IF EXISTS catalog_products_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    initial = False

    operations = [ops.RunPython(_create, _drop)]
