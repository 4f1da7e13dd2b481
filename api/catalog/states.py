"""The catalog's choices and its one status machine: every state listed, one table.

The model enums live here (not in `models.py`) so the schema's Strawberry
enums are made from them without importing database code.
"""

from __future__ import annotations

from enum import StrEnum

from api.audit.state_machine import StateMachine


class ProductKind(StrEnum):
    PHYSICAL = "physical"  # a good that is shipped
    SUBSCRIPTION = "subscription"  # a service sold by plan; becomes a contract


class SubscriptionPlan(StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"


class TaxCategory(StrEnum):
    STANDARD = "standard"  # 10 %
    REDUCED = "reduced"  # 8 % (food, newspapers)


class ProductStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"


class ShippingClass(StrEnum):
    STORE = "store"  # shipped by the store
    MAKER_DIRECT = "maker_direct"  # shipped by the maker to where the maker decides
    NONE = "none"  # nothing to ship (services)


class TagKind(StrEnum):
    BENEFIT = "benefit"  # 導入効果: what the customer gains
    ATTRIBUTE = "attribute"  # 属性タグ: what the product is


PUBLICATION = StateMachine(
    "product",
    {
        ProductStatus.DRAFT: frozenset({ProductStatus.PUBLISHED}),
        ProductStatus.PUBLISHED: frozenset({ProductStatus.UNPUBLISHED}),
        ProductStatus.UNPUBLISHED: frozenset({ProductStatus.PUBLISHED}),
    },
)
