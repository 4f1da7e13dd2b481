from tortoise import migrations
from tortoise.migrations import operations as ops
from api.accounts.models import UserStatus
from api.companies.models import InvitationStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_account_security')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Address',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', null=True, db_constraint=True, to_field='id', related_name='addresses', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='addresses', on_delete=OnDelete.CASCADE)),
                ('label', fields.CharField(default='', max_length=64)),
                ('recipient_name', fields.CharField(max_length=128)),
                ('recipient_name_kana', fields.CharField(default='', max_length=128)),
                ('company_name', fields.CharField(default='', max_length=255)),
                ('department', fields.CharField(default='', max_length=128)),
                ('postal_code', fields.CharField(max_length=8)),
                ('prefecture', fields.CharField(max_length=8)),
                ('address_line1', fields.CharField(max_length=255)),
                ('address_line2', fields.CharField(default='', max_length=255)),
                ('phone', fields.CharField(max_length=20)),
                ('is_default', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'addresses', 'app': 'models', 'indexes': [Index(fields=['company_id']), Index(fields=['user_id'])], 'pk_attr': 'id', 'table_description': "A delivery address in a company's (or an individual member's) address book."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CompanyRole',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name='roles', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(max_length=64)),
                ('permissions', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'company_roles', 'app': 'models', 'unique_together': (('company_id', 'name'),), 'pk_attr': 'id', 'table_description': "A role a company's administrator composed from named member permissions."},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Invitation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('company', fields.ForeignKeyField('models.Company', source_field='company_id', db_constraint=True, to_field='id', related_name='invitations', on_delete=OnDelete.CASCADE)),
                ('email', fields.CharField(max_length=254)),
                ('role_key', fields.CharField(max_length=32)),
                ('message', fields.TextField(default='', unique=False)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('status', fields.CharEnumField(default=InvitationStatus.PENDING, description='PENDING: pending\nACCEPTED: accepted\nREVOKED: revoked', enum_type=InvitationStatus, max_length=16)),
                ('invited_by', fields.ForeignKeyField('models.User', source_field='invited_by_id', null=True, db_constraint=True, to_field='id', related_name='invitations_sent', on_delete=OnDelete.SET_NULL)),
                ('accepted_user', fields.ForeignKeyField('models.User', source_field='accepted_user_id', null=True, db_constraint=True, to_field='id', related_name='invitation', on_delete=OnDelete.SET_NULL)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_count', fields.IntField(default=1)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'invitations', 'app': 'models', 'indexes': [Index(fields=['company_id', 'status'])], 'pk_attr': 'id', 'table_description': 'An invitation of a person to a company, by email, with a role.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Company',
            name='billing_address_line1',
            field=fields.CharField(default='', max_length=255),
        ),
        ops.AddField(
            model_name='Company',
            name='billing_address_line2',
            field=fields.CharField(default='', max_length=255),
        ),
        ops.AddField(
            model_name='Company',
            name='billing_department',
            field=fields.CharField(default='', max_length=128),
        ),
        ops.AddField(
            model_name='Company',
            name='billing_name',
            field=fields.CharField(default='', max_length=255),
        ),
        ops.AddField(
            model_name='Company',
            name='billing_phone',
            field=fields.CharField(default='', max_length=20),
        ),
        ops.AddField(
            model_name='Company',
            name='billing_postal_code',
            field=fields.CharField(default='', max_length=8),
        ),
        ops.AddField(
            model_name='Company',
            name='billing_prefecture',
            field=fields.CharField(default='', max_length=8),
        ),
        ops.AlterField(
            model_name='User',
            name='status',
            field=fields.CharEnumField(default=UserStatus.UNVERIFIED, description='UNVERIFIED: unverified\nPENDING_APPROVAL: pending_approval\nACTIVE: active\nREJECTED: rejected\nAWAITING_COMPANY_APPROVAL: awaiting_company_approval\nREMOVED: removed\nCLOSED: closed', enum_type=UserStatus, max_length=32),
        ),
        ops.AddField(
            model_name='User',
            name='direct_mail_opt_in',
            field=fields.BooleanField(default=False),
        ),
        ops.AddField(
            model_name='User',
            name='role_key',
            field=fields.CharField(default='', max_length=32),
        ),
        # Existing accounts get the roles they implicitly had: a company's registrant is its
        # administrator; staff had every permission.
        ops.RunSQL(
            [
                "UPDATE users SET role_key = 'administrator' WHERE kind = 'member' AND role_key = ''",
                "UPDATE users SET role_key = 'operator_admin' WHERE kind = 'staff' AND role_key = ''",
            ],
            reverse_sql=["UPDATE users SET role_key = ''"],
        ),
    ]
