from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('catalog', '0003_visibility_index')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Product',
            name='has_delivery_note',
            field=fields.BooleanField(default=False),
        ),
    ]
