from tortoise import migrations
from tortoise.migrations import operations as ops
from api.accounts.models import SecurityEventKind, TokenPurpose
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='BackupCode',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='backup_codes', on_delete=OnDelete.CASCADE)),
                ('code_hash', fields.CharField(max_length=64)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'backup_codes', 'app': 'models', 'unique_together': (('user_id', 'code_hash'),), 'pk_attr': 'id', 'table_description': 'One of ten 8-digit single-use codes, stored as a keyed hash only.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='LoginChallenge',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='login_challenges', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('email_code_hash', fields.CharField(default='', max_length=64)),
                ('email_code_expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.IntField(default=0)),
                ('ip_address', fields.CharField(default='', max_length=45)),
                ('user_agent', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'login_challenges', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A password that was right, waiting for the second factor. Short-lived, single-use.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SecurityEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='security_events', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='LOGIN_SUCCEEDED: login_succeeded\nLOGIN_FAILED: login_failed\nSECOND_FACTOR_FAILED: second_factor_failed\nLOGOUT: logout\nSESSION_REVOKED: session_revoked\nTOTP_ENABLED: totp_enabled\nTOTP_DISABLED: totp_disabled\nTWO_FACTOR_ENABLED: two_factor_enabled\nTWO_FACTOR_DISABLED: two_factor_disabled\nBACKUP_CODES_GENERATED: backup_codes_generated\nBACKUP_CODE_USED: backup_code_used\nTRUSTED_BROWSER_ADDED: trusted_browser_added\nTRUSTED_BROWSER_REVOKED: trusted_browser_revoked\nPASSWORD_CHANGED: password_changed\nPASSWORD_RESET_REQUESTED: password_reset_requested\nPASSWORD_RESET: password_reset\nEMAIL_CHANGE_REQUESTED: email_change_requested\nEMAIL_CHANGED: email_changed\nLOCKED: locked\nUNLOCKED: unlocked', enum_type=SecurityEventKind, max_length=32)),
                ('actor_id', fields.IntField(null=True)),
                ('ip_address', fields.CharField(default='', max_length=45)),
                ('user_agent', fields.CharField(default='', max_length=255)),
                ('detail', fields.CharField(default='', max_length=255)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'security_events', 'app': 'models', 'indexes': [Index(fields=['user_id', 'at'])], 'pk_attr': 'id', 'table_description': 'The audit trail of sign-in and account security, readable by the user and staff.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='TrustedBrowser',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='trusted_browsers', on_delete=OnDelete.CASCADE)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('ip_address', fields.CharField(default='', max_length=45)),
                ('user_agent', fields.CharField(default='', max_length=255)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('revoked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'trusted_browsers', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A browser where the user ticked "don\'t ask for 2FA here": revocable, expiring.'},
            bases=['Model'],
        ),
        ops.AlterField(
            model_name='EmailToken',
            name='purpose',
            field=fields.CharEnumField(description='VERIFY_EMAIL: verify_email\nPASSWORD_RESET: password_reset\nCHANGE_EMAIL: change_email', enum_type=TokenPurpose, max_length=32),
        ),
        ops.AddField(
            model_name='EmailToken',
            name='new_email',
            field=fields.CharField(default='', max_length=254),
        ),
        ops.AddField(
            model_name='EmailToken',
            name='secret_hash',
            field=fields.CharField(default='', max_length=255),
        ),
        ops.AddField(
            model_name='User',
            name='failed_login_count',
            field=fields.IntField(default=0),
        ),
        ops.AddField(
            model_name='User',
            name='lock_reason',
            field=fields.CharField(default='', max_length=255),
        ),
        ops.AddField(
            model_name='User',
            name='password_changed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='totp_confirmed_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='totp_last_timecode',
            field=fields.BigIntField(default=0),
        ),
        ops.AddField(
            model_name='User',
            name='totp_secret_encrypted',
            field=fields.TextField(default='', unique=False),
        ),
        ops.AddField(
            model_name='User',
            name='two_factor_enabled',
            field=fields.BooleanField(default=False),
        ),
    ]
