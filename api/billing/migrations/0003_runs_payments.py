from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('billing', '0002_ledger'), ('models', '0005_legal_document_kinds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BillingRunBatch',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('run_id', fields.IntField()),
                ('number', fields.IntField()),
                ('accounts', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('done', fields.BooleanField(default=False)),
                ('periods_done', fields.IntField(default=0)),
                ('invoices_made', fields.IntField(default=0)),
                ('amount_total', fields.BigIntField(default=0)),
                ('skipped', fields.IntField(default=0)),
                ('failures', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('attempts', fields.IntField(default=0)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'billing_run_batches', 'app': 'billing', 'unique_together': (('run_id', 'number'),), 'pk_attr': 'id', 'table_description': "One slice of a run's accounts, closed by one worker job (`billing_close_batch`)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoicePayment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice', fields.ForeignKeyField('billing.Invoice', source_field='invoice_id', db_constraint=True, to_field='id', related_name='payments', on_delete=OnDelete.RESTRICT)),
                ('method', fields.CharField(max_length=16)),
                ('amount', fields.BigIntField()),
                ('paid_on', fields.DateField()),
                ('reference', fields.CharField(unique=True, max_length=128)),
                ('note', fields.CharField(default='', max_length=500)),
                ('recorded_by_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'billing_invoice_payments', 'app': 'billing', 'pk_attr': 'id', 'table_description': "Money received for an invoice: a bank transfer staff recorded, or NP's notice."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='InvoiceReminder',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('invoice_id', fields.IntField()),
                ('days_after_due', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'billing_invoice_reminders', 'app': 'billing', 'unique_together': (('invoice_id', 'days_after_due'),), 'pk_attr': 'id', 'table_description': 'An overdue reminder sent for an invoice: unique per (invoice, days after due).'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='Invoice',
            name='replaces_id',
            field=fields.IntField(null=True, unique=True),
        ),
        ops.AddField(
            model_name='Invoice',
            name='paid_amount',
            field=fields.BigIntField(default=0),
        ),
        ops.AddField(
            model_name='Invoice',
            name='void_reason',
            field=fields.CharField(default='', max_length=500),
        ),
        ops.AddIndex(
            model_name='Invoice',
            index=Index(fields=['run_id', 'account_key']),
        ),
    ]
