from tortoise import migrations
from tortoise.migrations import operations as ops
from api.orders.states import PaymentMethod
from api.payments.states import PaymentStatus, WebhookOutcome
from orjson import loads
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Payment',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('order_id', fields.IntField(unique=True)),
                ('order_number', fields.CharField(max_length=32)),
                ('method', fields.CharEnumField(description='CARD: card\nBANK_TRANSFER: bank_transfer\nKONBINI: konbini\nNP_DEFERRED: np_deferred', enum_type=PaymentMethod, max_length=16)),
                ('status', fields.CharEnumField(description='PENDING: pending\nAUTHORIZED: authorized\nCAPTURED: captured\nDECLINED: declined\nCANCELLED: cancelled\nEXPIRED: expired\nREFUNDED: refunded\nSCREENING: screening\nAPPROVED: approved\nREJECTED: rejected\nON_HOLD: on_hold', enum_type=PaymentStatus, max_length=16)),
                ('amount', fields.BigIntField()),
                ('captured_amount', fields.BigIntField(default=0)),
                ('refunded_amount', fields.BigIntField(default=0)),
                ('user_id', fields.IntField(null=True)),
                ('company_id', fields.IntField(null=True)),
                ('customer_name', fields.CharField(max_length=255)),
                ('customer_email', fields.CharField(max_length=254)),
                ('language', fields.CharField(default='ja', max_length=5)),
                ('provider', fields.CharField(default='', max_length=32)),
                ('provider_ref', fields.CharField(null=True, max_length=64)),
                ('instructions', fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads)),
                ('started_on', fields.DateField()),
                ('deadline', fields.DateField(null=True)),
                ('reminder_sent_on', fields.DateField(null=True)),
                ('card_brand', fields.CharField(default='', max_length=16)),
                ('card_last4', fields.CharField(default='', max_length=4)),
                ('received_amount', fields.BigIntField(null=True)),
                ('received_on', fields.DateField(null=True)),
                ('failure_code', fields.CharField(default='', max_length=64)),
                ('last_event_sequence', fields.BigIntField(default=0)),
                ('last_event_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'payments', 'app': 'payments', 'unique_together': (('provider', 'provider_ref'),), 'indexes': [Index(fields=['method', 'status', 'deadline']), Index(fields=['user_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PaymentEvent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.CharField(max_length=32)),
                ('event_id', fields.CharField(max_length=64)),
                ('kind', fields.CharField(max_length=64)),
                ('provider_ref', fields.CharField(default='', max_length=64)),
                ('payment_id', fields.IntField(null=True)),
                ('sequence', fields.BigIntField(default=0)),
                ('occurred_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('payload', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('outcome', fields.CharEnumField(description='APPLIED: applied\nDUPLICATE: duplicate\nSTALE: stale\nUNKNOWN_PAYMENT: unknown_payment\nIGNORED: ignored', enum_type=WebhookOutcome, max_length=16)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_events', 'app': 'payments', 'unique_together': (('provider', 'event_id'),), 'indexes': [Index(fields=['payment_id', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='RejectedWebhook',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('provider', fields.CharField(max_length=32)),
                ('reason', fields.CharField(max_length=32)),
                ('remote_addr', fields.CharField(default='', max_length=45)),
                ('body_sha256', fields.CharField(max_length=64)),
                ('received_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'payment_rejected_webhooks', 'app': 'payments', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SandboxCard',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('card_id', fields.CharField(unique=True, max_length=32)),
                ('customer_ref', fields.CharField(max_length=64)),
                ('brand', fields.CharField(max_length=16)),
                ('last4', fields.CharField(max_length=4)),
                ('exp_month', fields.IntField()),
                ('exp_year', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sandbox_cards', 'app': 'payments', 'indexes': [Index(fields=['customer_ref', 'id'])], 'pk_attr': 'id', 'table_description': 'A card the sandbox processor holds for a customer (torihiki sees brand, last four).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SandboxTransaction',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ref', fields.CharField(unique=True, max_length=64)),
                ('kind', fields.CharField(max_length=16)),
                ('merchant_ref', fields.CharField(max_length=64)),
                ('amount', fields.BigIntField()),
                ('status', fields.CharField(max_length=16)),
                ('slip_number', fields.CharField(null=True, unique=True, max_length=32)),
                ('deadline', fields.DateField(null=True)),
                ('data', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('sequence', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'sandbox_transactions', 'app': 'payments', 'pk_attr': 'id', 'table_description': 'A card authorization, a konbini slip or an NP transaction at the sandbox processor.'},
            bases=['Model'],
        ),
    ]
