from tortoise import migrations
from tortoise.migrations import operations as ops
from api.billing.states import BillingRunStatus, ChargeKind, InvoiceStatus, PaymentTerm, PeriodCloseStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('billing', '0001_initial'), ('models', '0001_initial'), ('models', '0002_account_security'), ('models', '0003_companies_roles'), ('models', '0004_account_hardening')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BillingRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('status', fields.CharEnumField(default=BillingRunStatus.RUNNING, description='RUNNING: running\nCOMPLETED: completed\nABANDONED: abandoned', enum_type=BillingRunStatus, max_length=16)),
                ('trigger', fields.CharField(max_length=16)),
                ('as_of', fields.DateField()),
                ('periods_due', fields.IntField(default=0)),
                ('periods_done', fields.IntField(default=0)),
                ('invoices_made', fields.IntField(default=0)),
                ('amount_total', fields.BigIntField(default=0)),
                ('failures', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'billing_runs', 'app': 'billing', 'indexes': [Index(fields=['status', 'started_at'])], 'pk_attr': 'id', 'table_description': 'One closing run (cron, CLI or staff): its progress and result, for staff to read.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Charge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_key', fields.CharField(max_length=24)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', null=True, db_constraint=True, to_field='id', related_name='billing_charges', on_delete=OnDelete.RESTRICT)),
                ('user_id', fields.IntField(null=True)),
                ('term', fields.CharEnumField(description='MONTH_END_NEXT_MONTH_END: month_end_next_month_end\nDAY20_NEXT_MONTH_END: day20_next_month_end\nMONTH_END_MONTH_AFTER_NEXT_END: month_end_month_after_next_end', enum_type=PaymentTerm, max_length=40)),
                ('kind', fields.CharEnumField(default=ChargeKind.DEBIT, description='DEBIT: debit\nCREDIT: credit', enum_type=ChargeKind, max_length=8)),
                ('base_date', fields.DateField()),
                ('closing_date', fields.DateField()),
                ('source_type', fields.CharField(max_length=32)),
                ('source_id', fields.CharField(max_length=64)),
                ('business_key', fields.CharField(unique=True, max_length=160)),
                ('description', fields.CharField(default='', max_length=255)),
                ('lines', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('amount', fields.BigIntField()),
                ('invoice_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'billing_charges', 'app': 'billing', 'indexes': [Index(fields=['account_key', 'term', 'closing_date']), Index(fields=['closing_date', 'invoice_id']), Index(fields=['source_type', 'source_id'])], 'pk_attr': 'id', 'table_description': "One billable fact, fed by other domains' events (a shipment, a contract period)."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='DocumentTerm',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('source_type', fields.CharField(max_length=32)),
                ('source_id', fields.CharField(max_length=64)),
                ('company_id', fields.IntField(null=True)),
                ('term', fields.CharEnumField(description='MONTH_END_NEXT_MONTH_END: month_end_next_month_end\nDAY20_NEXT_MONTH_END: day20_next_month_end\nMONTH_END_MONTH_AFTER_NEXT_END: month_end_month_after_next_end', enum_type=PaymentTerm, max_length=40)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'billing_document_terms', 'app': 'billing', 'unique_together': (('source_type', 'source_id'),), 'pk_attr': 'id', 'table_description': 'The payment term a document (an order, a contract) was made under.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invoice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('number', fields.CharField(unique=True, max_length=64)),
                ('account_key', fields.CharField(max_length=24)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', null=True, db_constraint=True, to_field='id', related_name='invoices', on_delete=OnDelete.RESTRICT)),
                ('user_id', fields.IntField(null=True)),
                ('term', fields.CharEnumField(description='MONTH_END_NEXT_MONTH_END: month_end_next_month_end\nDAY20_NEXT_MONTH_END: day20_next_month_end\nMONTH_END_MONTH_AFTER_NEXT_END: month_end_month_after_next_end', enum_type=PaymentTerm, max_length=40)),
                ('period_start', fields.DateField()),
                ('closing_date', fields.DateField()),
                ('invoice_date', fields.DateField()),
                ('due_date', fields.DateField()),
                ('status', fields.CharEnumField(default=InvoiceStatus.ISSUED, description='ISSUED: issued\nPAID: paid\nOVERDUE: overdue\nVOID: void', enum_type=InvoiceStatus, max_length=16)),
                ('replaces_id', fields.IntField(null=True)),
                ('issuer', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('recipient', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('lines', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('per_rate', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('tax_rounding', fields.CharField(max_length=16)),
                ('subtotal', fields.BigIntField()),
                ('tax_total', fields.BigIntField()),
                ('total', fields.BigIntField()),
                ('run_id', fields.IntField(null=True)),
                ('paid_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('voided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'billing_invoices', 'app': 'billing', 'indexes': [Index(fields=['account_key', 'closing_date']), Index(fields=['company_id', 'closing_date']), Index(fields=['status', 'due_date']), Index(fields=['closing_date', 'id'])], 'pk_attr': 'id', 'table_description': 'A qualified invoice (適格請求書) for one closed period: a snapshot, never re-priced.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PeriodClose',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('account_key', fields.CharField(max_length=24)),
                ('term', fields.CharEnumField(description='MONTH_END_NEXT_MONTH_END: month_end_next_month_end\nDAY20_NEXT_MONTH_END: day20_next_month_end\nMONTH_END_MONTH_AFTER_NEXT_END: month_end_month_after_next_end', enum_type=PaymentTerm, max_length=40)),
                ('closing_date', fields.DateField()),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(description='CLOSED: closed', enum_type=PeriodCloseStatus, max_length=16)),
                ('invoice_id', fields.IntField(null=True)),
                ('run_id', fields.IntField(null=True)),
                ('charges', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'billing_period_closes', 'app': 'billing', 'unique_together': (('account_key', 'term', 'closing_date'),), 'pk_attr': 'id', 'table_description': 'The run record of one (account, term, closing date): unique, so a period closes once.'},
            bases=['Model'],
        ),
    ]
