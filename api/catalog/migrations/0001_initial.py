from tortoise import migrations
from tortoise.migrations import operations as ops
from api.catalog.models import ProductKind, ProductStatus, ShippingClass, SubscriptionPlan, TagKind, TaxCategory
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Category',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('parent', fields.ForeignKeyField('catalog.Category', source_field='parent_id', null=True, db_constraint=True, to_field='id', related_name='children', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(default='', max_length=128)),
                ('position', fields.IntField(default=0)),
                ('path', fields.CharField(default='', db_index=True, max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'catalog_categories', 'app': 'catalog', 'pk_attr': 'id', 'table_description': 'A node of the category tree. path holds the ids from the root down, like /1/4/.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Maker',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(unique=True, max_length=128)),
                ('name_en', fields.CharField(default='', max_length=128)),
            ],
            options={'table': 'catalog_makers', 'app': 'catalog', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Product',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=64)),
                ('name', fields.CharField(max_length=255)),
                ('name_en', fields.CharField(default='', max_length=255)),
                ('description', fields.TextField(default='', unique=False)),
                ('description_en', fields.TextField(default='', unique=False)),
                ('images', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('kind', fields.CharEnumField(default=ProductKind.PHYSICAL, description='PHYSICAL: physical\nSUBSCRIPTION: subscription', enum_type=ProductKind, max_length=16)),
                ('plan', fields.CharEnumField(null=True, description='MONTHLY: monthly\nANNUAL: annual', enum_type=SubscriptionPlan, max_length=16)),
                ('category', fields.ForeignKeyField('catalog.Category', source_field='category_id', null=True, db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.SET_NULL)),
                ('maker', fields.ForeignKeyField('catalog.Maker', source_field='maker_id', null=True, db_constraint=True, to_field='id', related_name='products', on_delete=OnDelete.SET_NULL)),
                ('tax_category', fields.CharEnumField(default=TaxCategory.STANDARD, description='STANDARD: standard\nREDUCED: reduced', enum_type=TaxCategory, max_length=16)),
                ('price', fields.IntField(db_index=True)),
                ('price_including_tax', fields.IntField(db_index=True)),
                ('status', fields.CharEnumField(default=ProductStatus.DRAFT, description='DRAFT: draft\nPUBLISHED: published\nUNPUBLISHED: unpublished', enum_type=ProductStatus, max_length=16)),
                ('published_at', fields.DatetimeField(null=True, db_index=True, auto_now=False, auto_now_add=False)),
                ('available_from', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('available_until', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('min_quantity', fields.IntField(default=1)),
                ('max_quantity', fields.IntField(null=True)),
                ('quantity_step', fields.IntField(default=1)),
                ('fixed_quantity', fields.IntField(null=True)),
                ('lead_time_days', fields.IntField(default=0)),
                ('shipping_class', fields.CharEnumField(default=ShippingClass.STORE, description='STORE: store\nMAKER_DIRECT: maker_direct\nNONE: none', enum_type=ShippingClass, max_length=16)),
                ('search_name', fields.TextField(default='', unique=False)),
                ('search_text', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'catalog_products', 'app': 'catalog', 'indexes': [Index(fields=['status', 'category_id']), Index(fields=['created_at', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='OptionGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('catalog.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='option_groups', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(default='', max_length=128)),
                ('min_select', fields.IntField(default=0)),
                ('max_select', fields.IntField(null=True)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'catalog_option_groups', 'app': 'catalog', 'indexes': [Index(fields=['product_id', 'position'])], 'pk_attr': 'id', 'table_description': 'Options chosen together: between min_select and max_select of them (min 1 = required).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProductOption',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('catalog.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='options', on_delete=OnDelete.CASCADE)),
                ('group', fields.ForeignKeyField('catalog.OptionGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='options', on_delete=OnDelete.CASCADE)),
                ('code', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(default='', max_length=128)),
                ('price', fields.IntField(default=0)),
                ('price_including_tax', fields.IntField(default=0)),
                ('lead_time_days', fields.IntField(default=0)),
                ('requires', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('excludes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'catalog_product_options', 'app': 'catalog', 'unique_together': (('product_id', 'code'),), 'pk_attr': 'id', 'table_description': 'An add-on with its own price. requires and excludes list other options by code.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TagGroup',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharEnumField(description='BENEFIT: benefit\nATTRIBUTE: attribute', enum_type=TagKind, max_length=16)),
                ('name', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(default='', max_length=128)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'catalog_tag_groups', 'app': 'catalog', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Tag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('group', fields.ForeignKeyField('catalog.TagGroup', source_field='group_id', db_constraint=True, to_field='id', related_name='tags', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(default='', max_length=128)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'catalog_tags', 'app': 'catalog', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProductTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('product', fields.ForeignKeyField('catalog.Product', source_field='product_id', db_constraint=True, to_field='id', related_name='product_tags', on_delete=OnDelete.CASCADE)),
                ('tag', fields.ForeignKeyField('catalog.Tag', source_field='tag_id', db_constraint=True, to_field='id', related_name='product_tags', on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'catalog_product_tags', 'app': 'catalog', 'unique_together': (('product_id', 'tag_id'),), 'indexes': [Index(fields=['tag_id', 'product_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
