from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('catalog', '0002_search_index')]

    initial = False

    operations = [
        ops.AddIndex(
            model_name='Product',
            index=Index(fields=['status', 'available_from', 'available_until']),
        ),
    ]
