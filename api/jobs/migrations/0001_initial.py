from tortoise import migrations
from tortoise.migrations import operations as ops
from api.jobs.models import JobOrigin, JobRunStatus
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='JobRun',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('name', fields.CharField(db_index=True, max_length=64)),
                ('origin', fields.CharEnumField(description='CLI: cli\nWORKER: worker', enum_type=JobOrigin, max_length=8)),
                ('status', fields.CharEnumField(default=JobRunStatus.RUNNING, description='RUNNING: running\nSUCCEEDED: succeeded\nFAILED: failed', enum_type=JobRunStatus, max_length=12)),
                ('total', fields.IntField(null=True)),
                ('done', fields.IntField(default=0)),
                ('unit', fields.CharField(default='items', max_length=32)),
                ('message', fields.CharField(default='', max_length=500)),
                ('started_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('finished_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'job_runs', 'app': 'jobs', 'indexes': [Index(fields=['started_at', 'id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
