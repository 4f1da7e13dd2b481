from tortoise import migrations
from tortoise.migrations import operations as ops
from api.support.models import InquiryCategory, InquiryStatus, WithdrawalStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_account_security')]

    initial = True

    operations = [
        ops.CreateModel(
            name='Inquiry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='inquiries', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=InquiryStatus.OPEN, description='OPEN: open\nANSWERED: answered\nCLOSED: closed', enum_type=InquiryStatus, max_length=16)),
                ('category', fields.CharEnumField(description='PRODUCT: product\nORDER: order\nACCOUNT: account\nBILLING: billing\nOTHER: other', enum_type=InquiryCategory, max_length=16)),
                ('name', fields.CharField(max_length=128)),
                ('email', fields.CharField(db_index=True, max_length=254)),
                ('phone', fields.CharField(default='', max_length=20)),
                ('company_name', fields.CharField(default='', max_length=255)),
                ('subject', fields.CharField(max_length=200)),
                ('body', fields.TextField(unique=False)),
                ('language', fields.CharField(default='ja', max_length=5)),
                ('privacy_policy_version', fields.IntField()),
                ('ip_address', fields.CharField(default='', max_length=45)),
                ('answer', fields.TextField(default='', unique=False)),
                ('answered_by', fields.ForeignKeyField('models.User', source_field='answered_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('answered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('closed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'support_inquiries', 'app': 'support', 'indexes': [Index(fields=['status', 'created_at']), Index(fields=['user_id', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A message sent with the contact form, by a member or by anyone.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='WithdrawalRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='withdrawal_requests', on_delete=OnDelete.RESTRICT)),
                ('status', fields.CharEnumField(default=WithdrawalStatus.REQUESTED, description='REQUESTED: requested\nCOMPLETED: completed\nREJECTED: rejected', enum_type=WithdrawalStatus, max_length=16)),
                ('open_user_id', fields.IntField(null=True, unique=True)),
                ('reason', fields.TextField(default='', unique=False)),
                ('rejection_reason', fields.TextField(default='', unique=False)),
                ('personal_data', fields.CharField(default='', max_length=16)),
                ('decided_by', fields.ForeignKeyField('models.User', source_field='decided_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.RESTRICT)),
                ('decided_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'support_withdrawal_requests', 'app': 'support', 'indexes': [Index(fields=['status', 'created_at'])], 'pk_attr': 'id', 'table_description': 'A member asking to close their account, handled by staff.'},
            bases=['Model'],
        ),
    ]
