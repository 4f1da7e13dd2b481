from tortoise import migrations
from tortoise.migrations import operations as ops
from api.quotes.states import QuoteStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_account_hardening')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Quote',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=64)),
                ('status', fields.CharEnumField(default=QuoteStatus.VALID, description='VALID: valid\nEXPIRED: expired\nORDERED: ordered\nCANCELLED: cancelled', enum_type=QuoteStatus, max_length=16)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='quotes', on_delete=OnDelete.RESTRICT)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', null=True, db_constraint=True, to_field='id', related_name='quotes', on_delete=OnDelete.RESTRICT)),
                ('issue_date', fields.DateField()),
                ('valid_until', fields.DateField()),
                ('customer', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('address', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('payment_method', fields.CharField(default='', max_length=32)),
                ('payment_method_name', fields.CharField(default='', max_length=64)),
                ('coupon_code', fields.CharField(default='', max_length=64)),
                ('coupon_id', fields.IntField(null=True)),
                ('points', fields.IntField(default=0)),
                ('comment', fields.TextField(default='', unique=False)),
                ('tax_display', fields.CharField(max_length=16)),
                ('tax_rounding', fields.CharField(max_length=16)),
                ('breakdown', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('pricing_inputs', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('subtotal', fields.BigIntField()),
                ('tax_total', fields.BigIntField()),
                ('total', fields.BigIntField()),
                ('amount_due', fields.BigIntField()),
                ('line_count', fields.IntField()),
                ('title', fields.CharField(max_length=255)),
                ('language', fields.CharField(default='ja', max_length=5)),
                ('expired_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('ordered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('order_ref', fields.CharField(default='', max_length=64)),
                ('cancelled_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('cancel_reason', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'quotes', 'app': 'quotes', 'indexes': [Index(fields=['company_id', 'created_at']), Index(fields=['user_id', 'created_at']), Index(fields=['status', 'valid_until'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='QuoteLine',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('quote', fields.ForeignKeyField('quotes.Quote', source_field='quote_id', db_constraint=True, to_field='id', related_name='lines', on_delete=OnDelete.CASCADE)),
                ('position', fields.IntField()),
                ('product_id', fields.IntField()),
                ('product_code', fields.CharField(max_length=64)),
                ('name', fields.CharField(max_length=255)),
                ('name_en', fields.CharField(default='', max_length=255)),
                ('kind', fields.CharField(max_length=32)),
                ('plan', fields.CharField(null=True, max_length=32)),
                ('options', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('quantity', fields.IntField()),
                ('unit_price', fields.BigIntField()),
                ('unit_total', fields.BigIntField()),
                ('amount', fields.BigIntField()),
                ('amount_incl', fields.BigIntField()),
                ('tax_category', fields.CharField(max_length=16)),
                ('tax_rate_percent', fields.IntField()),
                ('reduced', fields.BooleanField()),
                ('desired_date', fields.DateField(null=True)),
                ('time_slot', fields.CharField(null=True, max_length=32)),
                ('shipping_class', fields.CharField(max_length=32)),
                ('maker_name', fields.CharField(null=True, max_length=255)),
            ],
            options={'table': 'quote_lines', 'app': 'quotes', 'unique_together': (('quote_id', 'position'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
