from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='DocumentSequence',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('series', fields.CharField(max_length=32)),
                ('period', fields.CharField(max_length=64)),
                ('value', fields.BigIntField()),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'document_sequences', 'app': 'numbering', 'unique_together': (('series', 'period'),), 'pk_attr': 'id', 'table_description': 'The last number handed out for one series in one period.'},
            bases=['Model'],
        ),
    ]
