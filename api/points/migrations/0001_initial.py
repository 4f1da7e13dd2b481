from tortoise import migrations
from tortoise.migrations import operations as ops
from api.points.states import EntryKind
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0004_account_hardening')]

    initial = True

    operations = [
        ops.CreateModel(
            name='PointAccount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.OneToOneField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='point_account', on_delete=OnDelete.CASCADE)),
                ('balance', fields.IntField(default=0)),
                ('last_purchase_on', fields.DateField(null=True)),
                ('expires_on', fields.DateField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'point_accounts', 'app': 'points', 'indexes': [Index(fields=['expires_on', 'balance'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('models.User', source_field='user_id', db_constraint=True, to_field='id', related_name='point_entries', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharEnumField(description='EARNED: earned\nUSED: used\nEXPIRED: expired\nADJUSTED: adjusted\nREVERSED: reversed', enum_type=EntryKind, max_length=16)),
                ('points', fields.IntField()),
                ('balance_after', fields.IntField()),
                ('business_key', fields.CharField(unique=True, max_length=160)),
                ('order_ref', fields.CharField(null=True, max_length=64)),
                ('reason', fields.CharField(default='', max_length=500)),
                ('posted_on', fields.DateField()),
                ('actor_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'point_entries', 'app': 'points', 'indexes': [Index(fields=['user_id', 'id']), Index(fields=['order_ref'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
