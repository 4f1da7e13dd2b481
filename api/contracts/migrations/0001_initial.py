from tortoise import migrations
from tortoise.migrations import operations as ops
from api.catalog.models import SubscriptionPlan
from api.contracts.states import ContractStatus, LineKind
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('catalog', '0003_visibility_index'), ('models', '0004_account_hardening')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Contract',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name='contracts', on_delete=OnDelete.RESTRICT)),
                ('order_id', fields.IntField(null=True, db_index=True)),
                ('source_key', fields.CharField(null=True, unique=True, max_length=128)),
                ('status', fields.CharEnumField(default=ContractStatus.SETTING_UP, description='SETTING_UP: setting_up\nWAITING_TO_START: waiting_to_start\nACTIVE: active\nENDED: ended', enum_type=ContractStatus, max_length=20)),
                ('plan', fields.CharEnumField(description='MONTHLY: monthly\nANNUAL: annual', enum_type=SubscriptionPlan, max_length=16)),
                ('start_date', fields.DateField()),
                ('term_months', fields.IntField()),
                ('renewal_month', fields.IntField(null=True)),
                ('current_term_end', fields.DateField()),
                ('end_date', fields.DateField(null=True)),
                ('payment_method', fields.CharField(default='', max_length=32)),
                ('payment_terms', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('user_info', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('note', fields.TextField(default='', unique=False)),
                ('started_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ended_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'contracts', 'app': 'contracts', 'indexes': [Index(fields=['company_id', 'created_at']), Index(fields=['status', 'start_date']), Index(fields=['status', 'end_date'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContractVersion',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contract', fields.ForeignKeyField('contracts.Contract', source_field='contract_id', db_constraint=True, to_field='id', related_name='versions', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('effective_from', fields.DateField()),
                ('effective_until', fields.DateField(null=True)),
                ('reason', fields.CharField(default='', max_length=255)),
                ('created_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contract_versions', 'app': 'contracts', 'unique_together': (('contract_id', 'number'),), 'indexes': [Index(fields=['contract_id', 'effective_from'])], 'pk_attr': 'id', 'table_description': 'What the contract covers from one date on (the versions of a contract never overlap).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ContractLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('version', fields.ForeignKeyField('contracts.ContractVersion', source_field='version_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='MAIN: main\nOPTION: option', enum_type=LineKind, max_length=8)),
                ('product_id', fields.IntField(null=True)),
                ('code', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=255)),
                ('name_en', fields.CharField(default='', max_length=255)),
                ('unit_price', fields.IntField()),
                ('quantity', fields.IntField()),
                ('min_quantity', fields.IntField(default=0)),
                ('tax_category', fields.CharField(default='standard', max_length=16)),
                ('position', fields.IntField(default=0)),
            ],
            options={'table': 'contract_lines', 'app': 'contracts', 'indexes': [Index(fields=['version_id', 'position'])], 'pk_attr': 'id', 'table_description': 'One line of a version: the main product or an option, with its agreed price.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ProductChangePath',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('from_product', fields.ForeignKeyField('catalog.Product', source_field='from_product_id', db_constraint=True, to_field='id', related_name='change_paths_from', on_delete=OnDelete.CASCADE)),
                ('to_product', fields.ForeignKeyField('catalog.Product', source_field='to_product_id', db_constraint=True, to_field='id', related_name='change_paths_to', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'contract_product_change_paths', 'app': 'contracts', 'unique_together': (('from_product_id', 'to_product_id'),), 'pk_attr': 'id', 'table_description': 'Catalog data: a contracted product may be changed to another along these paths only.'},
            bases=['Model'],
        ),
    ]
