"""Data migrations: stored viewflow task references follow renamed flow nodes."""
from __future__ import annotations

import importlib

from django.apps import apps
from django.db import connection

from workflow.process import process_of

rename_nodes = importlib.import_module("workflow.migrations.0007_rename_flow_nodes")


def test_tasks_stored_under_the_old_node_names_point_at_the_renamed_nodes(world):
    d = world.declaration("held")
    task_ids = list(process_of(d).task_set.order_by("pk").values_list("pk", flat=True))
    start, summarize = task_ids[0], task_ids[-1]
    with connection.cursor() as cursor:  # as a database migrated before the rename holds them
        cursor.execute("UPDATE viewflow_task SET flow_task = %s WHERE id = %s", [rename_nodes.FLOW + "adopt", start])
        cursor.execute("UPDATE viewflow_task SET flow_task = %s WHERE id = %s", [rename_nodes.FLOW + "summarise", summarize])

    rename_nodes.rename(apps, None)

    with connection.cursor() as cursor:
        cursor.execute("SELECT id, flow_task FROM viewflow_task WHERE id IN (%s, %s) ORDER BY id", [start, summarize])
        assert cursor.fetchall() == [(start, rename_nodes.FLOW + "start"), (summarize, rename_nodes.FLOW + "summarize")]
    assert process_of(d).task_set.get(pk=summarize).flow_task.name == "summarize"
