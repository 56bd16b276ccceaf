"""Two nodes of DeclarationFlow were renamed: `adopt` (the StartHandle every declaration's
process now starts from) became `start`, and `summarise` became `summarize`. viewflow stores
each task's node by name, so the stored references follow."""
from django.db import migrations

FLOW = "workflow/flows.DeclarationFlow."
RENAMED = {"adopt": "start", "summarise": "summarize"}


def rename(apps, schema_editor, *, backwards=False):
    Task = apps.get_model("viewflow", "Task")
    for old, new in RENAMED.items():
        if backwards:
            old, new = new, old
            if old == "start":  # only the former adopt tasks (StartHandle) go back
                Task.objects.filter(flow_task=FLOW + old, flow_task_type="START").update(flow_task=FLOW + new)
                continue
        Task.objects.filter(flow_task=FLOW + old).update(flow_task=FLOW + new)


class Migration(migrations.Migration):

    dependencies = [
        ("viewflow", "0015_task_scheduled"),
        ("workflow", "0006_taskrow_view"),
    ]

    operations = [
        migrations.RunPython(rename, lambda apps, schema_editor: rename(apps, schema_editor, backwards=True)),
    ]
