"""Released assessment results are frozen snapshots (issue 17): one row per release, which
PostgreSQL refuses to UPDATE or DELETE (the audit tables' trigger function, migration 0002)."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

TABLE = "workflow_assessmentrelease"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE TRIGGER {TABLE}_no_update_delete BEFORE UPDATE OR DELETE ON {TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION audit_append_only();"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE};")


class Migration(migrations.Migration):

    dependencies = [
        ('policies', '0004_programme_results_public'),
        ('workflow', '0010_evidence_public_checkpoint_signature'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AssessmentRelease',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('number', models.PositiveIntegerField(verbose_name='发布次序')),
                ('released_at', models.DateTimeField(verbose_name='发布时间')),
                ('digest', models.CharField(max_length=64, verbose_name='快照摘要（SHA-256）')),
                ('board', models.JSONField(verbose_name='考核结果快照')),
                ('events', models.JSONField(default=dict, verbose_name='得分依据的审计事件')),
                ('changes', models.JSONField(default=list, verbose_name='与上次发布相比的变化')),
                ('units', models.PositiveIntegerField(default=0, verbose_name='单位数')),
                ('not_evaluated', models.PositiveIntegerField(default=0, verbose_name='发布时尚未评估的单位数')),
                ('audit_event', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workflow.auditevent', verbose_name='审计事件')),
                ('programme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='releases', to='policies.programme', verbose_name='实施方案')),
                ('released_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='发布人')),
            ],
            options={
                'verbose_name': '考核结果发布',
                'verbose_name_plural': '考核结果发布',
                'ordering': ['programme', 'number'],
                'constraints': [models.UniqueConstraint(fields=('programme', 'number'), name='one_release_number')],
            },
        ),
        migrations.RunPython(forwards, backwards, elidable=False),
    ]
