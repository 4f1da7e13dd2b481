from tortoise import migrations
from tortoise.migrations import operations as ops
from api.billing.states import PaymentTerm
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_account_hardening')]

    initial = True

    operations = [
        ops.CreateModel(
            name='PaymentTermChange',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name='payment_term_changes', on_delete=OnDelete.RESTRICT)),
                ('term', fields.CharEnumField(description='MONTH_END_NEXT_MONTH_END: month_end_next_month_end\nDAY20_NEXT_MONTH_END: day20_next_month_end\nMONTH_END_MONTH_AFTER_NEXT_END: month_end_month_after_next_end', enum_type=PaymentTerm, max_length=40)),
                ('previous_term', fields.CharEnumField(description='MONTH_END_NEXT_MONTH_END: month_end_next_month_end\nDAY20_NEXT_MONTH_END: day20_next_month_end\nMONTH_END_MONTH_AFTER_NEXT_END: month_end_month_after_next_end', enum_type=PaymentTerm, max_length=40)),
                ('effective_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('changed_by', fields.ForeignKeyField('models.User', source_field='changed_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'billing_payment_term_changes', 'app': 'billing', 'indexes': [Index(fields=['company_id', 'effective_at'])], 'pk_attr': 'id', 'table_description': "A company's change of payment term, for documents made from `effective_at` on."},
            bases=['Model'],
        ),
    ]
