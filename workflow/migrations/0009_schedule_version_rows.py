"""Schedule versions store their rows (issue 17): every column of the official spreadsheet,
as published. Versions published before this migration get rows made from the declarations
as they are now (the best that can be known about them) with the months they were given."""
from django.db import migrations, models


def _label(items, code):
    for item in items or []:
        if item.get("code") == code:
            return item.get("label", code)
    return code


def fill_rows(apps, schema_editor):
    ScheduleVersion = apps.get_model("workflow", "ScheduleVersion")
    Declaration = apps.get_model("workflow", "Declaration")
    first_seen = {}
    for version in ScheduleVersion.objects.select_related("programme").order_by("programme_id", "number"):
        programme = version.programme
        ids = [entry["declaration"] for entry in version.entries or []]
        declarations = Declaration.objects.select_related("unit").in_bulk(ids)
        rows = []
        for entry in version.entries or []:
            d = declarations.get(entry["declaration"])
            if d is None:
                continue
            seen = first_seen.setdefault((programme.pk, d.pk), version.number)
            rows.append({
                "number": len(rows) + 1, "declaration": d.pk, "unit": d.unit.code, "unit_name": d.unit.name,
                "theme": d.theme, "month": entry["month"], "form": d.form, "form_label": _label(programme.forms, d.form),
                "focus_topic": d.focus_topic, "focus_label": _label(programme.focus_topics, d.focus_topic),
                "description": d.description, "contact_name": d.contact_name, "contact_phone": d.contact_phone,
                "state": d.state, "first_version": seen,
            })
        version.rows = rows
        version.save(update_fields=["rows"])


class Migration(migrations.Migration):

    dependencies = [
        ('workflow', '0008_chinese_admin_labels'),
    ]

    operations = [
        migrations.AddField(
            model_name='scheduleversion',
            name='rows',
            field=models.JSONField(default=list, verbose_name='安排表内容'),
        ),
        migrations.RunPython(fill_rows, migrations.RunPython.noop, elidable=True),
    ]
