from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='StoreHoliday',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('start_date', fields.DateField(db_index=True)),
                ('end_date', fields.DateField()),
                ('name', fields.CharField(max_length=128)),
                ('name_en', fields.CharField(default='', max_length=128)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'calendar_store_holidays', 'app': 'calendar', 'pk_attr': 'id', 'table_description': 'Days the store is closed, first and last day included, as Tokyo dates.'},
            bases=['Model'],
        ),
    ]
