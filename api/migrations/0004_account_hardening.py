from tortoise import migrations
from tortoise.migrations import operations as ops
from api.accounts.models import SecurityEventKind
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0003_companies_roles')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='SecurityEvent',
            name='kind',
            field=fields.CharEnumField(description='LOGIN_SUCCEEDED: login_succeeded\nLOGIN_FAILED: login_failed\nPASSWORD_VERIFIED: password_verified\nSECOND_FACTOR_FAILED: second_factor_failed\nLOGOUT: logout\nSESSION_REVOKED: session_revoked\nTOTP_ENABLED: totp_enabled\nTOTP_DISABLED: totp_disabled\nTWO_FACTOR_ENABLED: two_factor_enabled\nTWO_FACTOR_DISABLED: two_factor_disabled\nBACKUP_CODES_GENERATED: backup_codes_generated\nBACKUP_CODE_USED: backup_code_used\nTRUSTED_BROWSER_ADDED: trusted_browser_added\nTRUSTED_BROWSER_REVOKED: trusted_browser_revoked\nPASSWORD_CHANGED: password_changed\nPASSWORD_RESET_REQUESTED: password_reset_requested\nPASSWORD_RESET: password_reset\nEMAIL_CHANGE_REQUESTED: email_change_requested\nEMAIL_CHANGED: email_changed\nLOCKED: locked\nUNLOCKED: unlocked', enum_type=SecurityEventKind, max_length=32),
        ),
        ops.AlterField(
            model_name='SecurityEvent',
            name='user',
            field=fields.ForeignKeyField('models.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name='security_events', on_delete=OnDelete.CASCADE),
        ),
        ops.AddField(
            model_name='SecurityEvent',
            name='login_id_hash',
            field=fields.CharField(default='', max_length=64),
        ),
        ops.AddField(
            model_name='Session',
            name='authenticated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='locked_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
    ]
