"""Photos marked public for the public column (issue 19); checkpoints signed with a key kept
outside the database (AUDIT_ANCHOR_KEY).

Adding the checkpoint column with a constant default changes no row (no UPDATE reaches the
append-only trigger); checkpoints taken before this migration stay unsigned and `verify_audit`
says so."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('workflow', '0009_schedule_version_rows'),
    ]

    operations = [
        migrations.AddField(
            model_name='evidence',
            name='public',
            field=models.BooleanField(default=False, verbose_name='公开展示'),
        ),
        migrations.AddField(
            model_name='auditcheckpoint',
            name='signature',
            field=models.CharField(blank=True, max_length=64, verbose_name='签名'),
        ),
    ]
