from tortoise import migrations
from tortoise.migrations import operations as ops
from api.orders.document_models import DocumentKind
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='OrderDocument',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_id', fields.IntField()),
                ('kind', fields.CharEnumField(description='DELIVERY_NOTE: delivery_note\nSIMPLIFIED_INVOICE: simplified_invoice\nRECEIPT: receipt', enum_type=DocumentKind, max_length=24)),
                ('number', fields.CharField(max_length=40)),
                ('version', fields.IntField(default=1)),
                ('language', fields.CharField(default='ja', max_length=5)),
                ('addressee', fields.CharField(default='', max_length=128)),
                ('description', fields.CharField(default='', max_length=128)),
                ('snapshot', fields.JSONField(encoder=JSON_DUMPS, decoder=loads)),
                ('issued_on', fields.DateField()),
                ('issued_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('actor_id', fields.IntField(null=True)),
            ],
            options={'table': 'order_documents', 'app': 'order_documents', 'unique_together': (('order_id', 'kind', 'version'),), 'indexes': [Index(fields=['order_id', 'kind'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
