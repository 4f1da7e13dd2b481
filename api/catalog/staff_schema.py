"""Staff management of the catalog: products, options, categories, tags, makers.

Thin: each resolver translates its input, calls one `api.catalog.service`
function with the request's `Actor` (the service checks MANAGE_CATALOG
itself; the permission class here is the first door) and reads the result
back the way customers read it. `@mutation` turns a `DomainError` into the
payload's userErrors.
"""

from __future__ import annotations

import strawberry

from api.catalog import service
from api.catalog.staff_types import (
    CategoriesPayload,
    CategoryPayload,
    CreateCategoryInput,
    CreateMakerInput,
    CreateProductInput,
    CreateTagGroupInput,
    CreateTagInput,
    DeleteInput,
    DeletePayload,
    MakerPayload,
    ProductIdInput,
    ProductPayload,
    ReorderCategoriesInput,
    SetProductOptionsInput,
    TagGroupPayload,
    TagPayload,
    UpdateCategoryInput,
    UpdateProductInput,
    UpdateTagGroupInput,
    UpdateTagInput,
    category_payload,
    given,
    group_type,
    option_groups,
    product_changes,
    product_payload,
    tag_payload,
)
from api.catalog.states import TagKind
from api.catalog.types import CategoryType, MakerType, Reader
from api.companies.permissions import StaffPermission
from api.graphql.ids import int_id
from api.graphql.mutations import mutation
from api.graphql.permissions import requires

STAFF = [requires(StaffPermission.MANAGE_CATALOG)]


@strawberry.type
class CatalogMutation:
    @mutation(permission_classes=STAFF, description="Staff: a new product (DRAFT).")
    async def create_product(
        self, info: strawberry.Info, input: CreateProductInput
    ) -> ProductPayload:
        ctx = info.context
        product = await service.create_product(ctx.rt, await ctx.actor(), product_changes(input))
        return await product_payload(info, product.id)

    @mutation(permission_classes=STAFF, description="Staff: change a product.")
    async def update_product(
        self, info: strawberry.Info, input: UpdateProductInput
    ) -> ProductPayload:
        ctx = info.context
        pk = int_id(input.id, "Product")
        await service.update_product(ctx.rt, await ctx.actor(), pk, product_changes(input))
        return await product_payload(info, pk)

    @mutation(
        permission_classes=STAFF,
        description="Staff: show a product to customers (from DRAFT or UNPUBLISHED).",
    )
    async def publish_product(self, info: strawberry.Info, input: ProductIdInput) -> ProductPayload:
        ctx = info.context
        pk = int_id(input.id, "Product")
        await service.publish_product(ctx.rt, await ctx.actor(), pk)
        return await product_payload(info, pk)

    @mutation(permission_classes=STAFF, description="Staff: hide a published product.")
    async def unpublish_product(
        self, info: strawberry.Info, input: ProductIdInput
    ) -> ProductPayload:
        ctx = info.context
        pk = int_id(input.id, "Product")
        await service.unpublish_product(ctx.rt, await ctx.actor(), pk)
        return await product_payload(info, pk)

    @mutation(
        permission_classes=STAFF,
        description="Staff: replace a product's option groups; options keep IDs by code.",
    )
    async def set_product_options(
        self, info: strawberry.Info, input: SetProductOptionsInput
    ) -> ProductPayload:
        ctx = info.context
        pk = int_id(input.product_id, "Product", "productId")
        await service.set_product_options(ctx.rt, await ctx.actor(), pk, option_groups(input))
        return await product_payload(info, pk)

    @mutation(permission_classes=STAFF, description="Staff: a new category.")
    async def create_category(
        self, info: strawberry.Info, input: CreateCategoryInput
    ) -> CategoryPayload:
        ctx = info.context
        parent = int_id(input.parent_id, "Category", "parentId") if input.parent_id else None
        category = await service.create_category(
            ctx.rt,
            await ctx.actor(),
            code=input.code,
            name=input.name,
            name_en=input.name_en,
            parent_id=parent,
        )
        return await category_payload(info, category.id)

    @mutation(permission_classes=STAFF, description="Staff: rename or move a category.")
    async def update_category(
        self, info: strawberry.Info, input: UpdateCategoryInput
    ) -> CategoryPayload:
        ctx = info.context
        pk = int_id(input.id, "Category")
        changes = given(input, "code", "name", "name_en", "parent_id")
        if changes.get("parent_id") is not None:
            changes["parent_id"] = int_id(changes["parent_id"], "Category", "parentId")
        await service.update_category(ctx.rt, await ctx.actor(), pk, changes)
        return await category_payload(info, pk)

    @mutation(permission_classes=STAFF, description="Staff: order the children of one parent.")
    async def reorder_categories(
        self, info: strawberry.Info, input: ReorderCategoriesInput
    ) -> CategoriesPayload:
        ctx = info.context
        parent = int_id(input.parent_id, "Category", "parentId") if input.parent_id else None
        ids = [int_id(c, "Category", "categoryIds") for c in input.category_ids]
        await service.reorder_categories(ctx.rt, await ctx.actor(), parent, ids)
        reader = Reader.of(info)
        reader._tree = None  # the write changed it
        tree = await reader.tree()
        return CategoriesPayload(
            categories=[CategoryType.of(tree, c, reader.en) for c in tree.children.get(parent, ())]
        )

    @mutation(
        permission_classes=STAFF,
        description="Staff: delete a category without sub-categories or products.",
    )
    async def delete_category(self, info: strawberry.Info, input: DeleteInput) -> DeletePayload:
        ctx = info.context
        await service.delete_category(ctx.rt, await ctx.actor(), int_id(input.id, "Category"))
        return DeletePayload(deleted_id=input.id)

    @mutation(permission_classes=STAFF, description="Staff: a new tag group.")
    async def create_tag_group(
        self, info: strawberry.Info, input: CreateTagGroupInput
    ) -> TagGroupPayload:
        ctx = info.context
        group = await service.create_tag_group(
            ctx.rt,
            await ctx.actor(),
            kind=TagKind(input.kind),
            name=input.name,
            name_en=input.name_en,
        )
        return TagGroupPayload(tag_group=group_type(group))

    @mutation(permission_classes=STAFF, description="Staff: rename or move a group.")
    async def update_tag_group(
        self, info: strawberry.Info, input: UpdateTagGroupInput
    ) -> TagGroupPayload:
        ctx = info.context
        group = await service.update_tag_group(
            ctx.rt,
            await ctx.actor(),
            int_id(input.id, "TagGroup"),
            given(input, "name", "name_en", "position"),
        )
        return TagGroupPayload(tag_group=group_type(group))

    @mutation(permission_classes=STAFF, description="Staff: a new tag in a group.")
    async def create_tag(self, info: strawberry.Info, input: CreateTagInput) -> TagPayload:
        ctx = info.context
        tag = await service.create_tag(
            ctx.rt,
            await ctx.actor(),
            group_id=int_id(input.group_id, "TagGroup", "groupId"),
            name=input.name,
            name_en=input.name_en,
        )
        return await tag_payload(info, tag.id)

    @mutation(permission_classes=STAFF, description="Staff: rename or move a tag.")
    async def update_tag(self, info: strawberry.Info, input: UpdateTagInput) -> TagPayload:
        ctx = info.context
        pk = int_id(input.id, "Tag")
        await service.update_tag(
            ctx.rt, await ctx.actor(), pk, given(input, "name", "name_en", "position")
        )
        return await tag_payload(info, pk)

    @mutation(permission_classes=STAFF, description="Staff: delete a tag (products lose it).")
    async def delete_tag(self, info: strawberry.Info, input: DeleteInput) -> DeletePayload:
        ctx = info.context
        await service.delete_tag(ctx.rt, await ctx.actor(), int_id(input.id, "Tag"))
        return DeletePayload(deleted_id=input.id)

    @mutation(permission_classes=STAFF, description="Staff: a new maker.")
    async def create_maker(self, info: strawberry.Info, input: CreateMakerInput) -> MakerPayload:
        ctx = info.context
        maker = await service.create_maker(
            ctx.rt, await ctx.actor(), name=input.name, name_en=input.name_en
        )
        return MakerPayload(maker=MakerType(id=maker.id, name=maker.name, name_en=maker.name_en))
