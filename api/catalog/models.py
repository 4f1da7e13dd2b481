"""Catalog models: products with options, categories, tag groups and tags, makers.

Prices are integer yen excluding tax. `price_including_tax` and the two
normalised search columns are derived on every write by the service, so that
filters and sorts on what the customer sees need no computation in SQL.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# The enums are the catalog's states (api/catalog/states.py); named here too for the
# migrations and the code that reads them with the models.
from api.catalog.states import (  # noqa: F401
    ProductKind,
    ProductStatus,
    ShippingClass,
    SubscriptionPlan,
    TagKind,
    TaxCategory,
)


class Category(Model):
    """A node of the category tree. path holds the ids from the root down, like /1/4/.

    The service refuses to delete a category with children or products, so the
    database-level CASCADE and SET NULL only matter when tables are emptied.
    """

    id = fields.IntField(primary_key=True)
    parent = fields.ForeignKeyField(
        "catalog.Category", related_name="children", null=True, on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128, default="")
    position = fields.IntField(default=0)
    path = fields.CharField(max_length=255, default="", db_index=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "catalog_categories"


class TagGroup(Model):
    id = fields.IntField(primary_key=True)
    kind = fields.CharEnumField(TagKind, max_length=16)
    name = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128, default="")
    position = fields.IntField(default=0)

    class Meta:
        table = "catalog_tag_groups"


class Tag(Model):
    id = fields.IntField(primary_key=True)
    group = fields.ForeignKeyField(
        "catalog.TagGroup", related_name="tags", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128, default="")
    position = fields.IntField(default=0)

    class Meta:
        table = "catalog_tags"


class Maker(Model):
    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=128, unique=True)
    name_en = fields.CharField(max_length=128, default="")

    class Meta:
        table = "catalog_makers"


class Product(Model):
    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=255)
    name_en = fields.CharField(max_length=255, default="")
    description = fields.TextField(default="")
    description_en = fields.TextField(default="")
    # [{"url": ..., "alt": ..., "altEn": ...}] in display order: read with the row, never joined.
    images = fields.JSONField(default=list)
    kind = fields.CharEnumField(ProductKind, max_length=16, default=ProductKind.PHYSICAL)
    plan = fields.CharEnumField(SubscriptionPlan, max_length=16, null=True)
    category = fields.ForeignKeyField(
        "catalog.Category", related_name="products", null=True, on_delete=fields.SET_NULL
    )
    maker = fields.ForeignKeyField(
        "catalog.Maker", related_name="products", null=True, on_delete=fields.SET_NULL
    )
    tax_category = fields.CharEnumField(TaxCategory, max_length=16, default=TaxCategory.STANDARD)
    price = fields.IntField(db_index=True)
    price_including_tax = fields.IntField(db_index=True)
    status = fields.CharEnumField(ProductStatus, max_length=16, default=ProductStatus.DRAFT)
    published_at = fields.DatetimeField(null=True, db_index=True)
    # Visible to customers only between these instants (either may be open).
    available_from = fields.DatetimeField(null=True)
    available_until = fields.DatetimeField(null=True)
    min_quantity = fields.IntField(default=1)
    max_quantity = fields.IntField(null=True)
    quantity_step = fields.IntField(default=1)
    fixed_quantity = fields.IntField(null=True)
    lead_time_days = fields.IntField(default=0)  # business days before the desired date
    shipping_class = fields.CharEnumField(ShippingClass, max_length=16, default=ShippingClass.STORE)
    # 納品書: only some products come with a delivery note (000 §6: 特注駐車券/特注サービス券/
    # 小ロットサービス券 …); an order copies the flag onto its lines.
    has_delivery_note = fields.BooleanField(default=False)
    # NFKC, katakana, lower case: what keyword search matches (search_text) and ranks (search_name).
    search_name = fields.TextField(default="")
    search_text = fields.TextField(default="")
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "catalog_products"
        # (status, available_from, available_until) serves totalCount as an index-only scan.
        indexes = (
            ("status", "category_id"),
            ("created_at", "id"),
            ("status", "available_from", "available_until"),
        )


class ProductTag(Model):
    id = fields.IntField(primary_key=True)
    product = fields.ForeignKeyField(
        "catalog.Product", related_name="product_tags", on_delete=fields.CASCADE
    )
    tag = fields.ForeignKeyField(
        "catalog.Tag", related_name="product_tags", on_delete=fields.CASCADE
    )

    class Meta:
        table = "catalog_product_tags"
        unique_together = (("product_id", "tag_id"),)
        indexes = (("tag_id", "product_id"),)


class OptionGroup(Model):
    """Options chosen together: between min_select and max_select of them (min 1 = required)."""

    id = fields.IntField(primary_key=True)
    product = fields.ForeignKeyField(
        "catalog.Product", related_name="option_groups", on_delete=fields.CASCADE
    )
    name = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128, default="")
    min_select = fields.IntField(default=0)
    max_select = fields.IntField(null=True)
    position = fields.IntField(default=0)

    class Meta:
        table = "catalog_option_groups"
        indexes = (("product_id", "position"),)


class ProductOption(Model):
    """An add-on with its own price. requires and excludes list other options by code."""

    id = fields.IntField(primary_key=True)
    product = fields.ForeignKeyField(
        "catalog.Product", related_name="options", on_delete=fields.CASCADE
    )
    group = fields.ForeignKeyField(
        "catalog.OptionGroup", related_name="options", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=64)
    name = fields.CharField(max_length=128)
    name_en = fields.CharField(max_length=128, default="")
    price = fields.IntField(default=0)
    price_including_tax = fields.IntField(default=0)
    lead_time_days = fields.IntField(default=0)
    requires = fields.JSONField(default=list)
    excludes = fields.JSONField(default=list)
    position = fields.IntField(default=0)

    class Meta:
        table = "catalog_product_options"
        unique_together = (("product_id", "code"),)
