from tortoise import migrations
from tortoise.migrations import operations as ops
from api.legal.states import LegalDocumentKind
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_account_hardening')]

    initial = False

    operations = [
        ops.AlterField(
            model_name='LegalDocument',
            name='kind',
            field=fields.CharEnumField(description='TERMS_OF_USE: terms_of_use\nPRIVACY_POLICY: privacy_policy\nTERMS_OF_SALE: terms_of_sale\nSERVICE_TERMS: service_terms\nDEFERRED_PAYMENT_TERMS: deferred_payment_terms', enum_type=LegalDocumentKind, max_length=32),
        ),
    ]
