from tortoise import migrations
from tortoise.migrations import operations as ops
from api.contracts.states import ApplicationKind, ApplicationStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('catalog', '0001_initial'), ('catalog', '0002_search_index'), ('catalog', '0003_visibility_index'), ('contracts', '0001_initial'), ('models', '0005_legal_document_kinds')]

    initial = False

    operations = [
        ops.CreateModel(
            name='ContractApplication',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('contract', fields.ForeignKeyField('contracts.Contract', source_field='contract_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.CASCADE)),
                ('company_id', fields.IntField(db_index=True)),
                ('kind', fields.CharEnumField(description='CHANGE: change\nPARTIAL_CANCELLATION: partial_cancellation\nFULL_CANCELLATION: full_cancellation', enum_type=ApplicationKind, max_length=24)),
                ('status', fields.CharEnumField(default=ApplicationStatus.SUBMITTED, description='SUBMITTED: submitted\nACCEPTED: accepted\nDELIVERED: delivered\nCOMPLETED: completed\nWITHDRAWN: withdrawn\nREFUSED: refused', enum_type=ApplicationStatus, max_length=16)),
                ('open_contract_id', fields.IntField(null=True, unique=True)),
                ('base_version_number', fields.IntField()),
                ('lines', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('changes', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('timing', fields.CharField(max_length=16)),
                ('effective_date', fields.DateField()),
                ('user_info', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('payment_method', fields.CharField(default='', max_length=32)),
                ('consents', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('refusal_reason', fields.CharField(default='', max_length=500)),
                ('requested_by_id', fields.IntField(null=True)),
                ('receipt_token_hash', fields.CharField(null=True, unique=True, max_length=64)),
                ('receipt_token_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('applied_version_number', fields.IntField(null=True)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('completed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'contract_applications', 'app': 'contracts', 'indexes': [Index(fields=['contract_id', 'created_at']), Index(fields=['status', 'created_at'])], 'pk_attr': 'id', 'table_description': "A member's application to change (004 §6) or cancel (004 §7) a contract."},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Contract',
            name='billed_through',
            field=fields.DateField(null=True),
        ),
        ops.AddField(
            model_name='Contract',
            name='renewal_notice_for',
            field=fields.DateField(null=True),
        ),
    ]
