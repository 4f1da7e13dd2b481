from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0003_companies_roles')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Cart',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='cart', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('address', fields.ForeignKeyField('models.Address', source_field='address_id', null=True, db_constraint=True, to_field='id', related_name='carts', on_delete=OnDelete.SET_NULL)),
                ('coupon_code', fields.CharField(null=True, max_length=64)),
                ('points', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'carts', 'app': 'carts', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CartLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('cart', fields.ForeignKeyField('carts.Cart', source_field='cart_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('product_id', fields.IntField()),
                ('option_ids', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('quantity', fields.IntField()),
                ('desired_date', fields.DateField(null=True)),
                ('time_slot', fields.CharField(null=True, max_length=32)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'cart_lines', 'app': 'carts', 'indexes': [Index(fields=['cart_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
