"""The row every action starts from (`workflow.services`): the declaration, locked for the
action's transaction, read with its programme and unit, its process's id (`process_pk`) and,
given the actor, whether they substitute for anyone today (`by_substitutes`, for 代理).

One statement written once per process (`config.sql`): the ORM built this one anew for every
action, which cost more than reading it.
"""
from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from django.db import connection
from django.utils import timezone

from config.sql import ModelColumns, instances, table_name
from policies.models import Programme
from units.models import Unit
from workflow import process
from workflow.errors import NotFound
from workflow.models import Declaration, DeclarationProcess, Substitution

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@cache
def _statement(*, with_actor: bool) -> tuple[str, ModelColumns, ModelColumns, ModelColumns]:
    d, p, u = ModelColumns(Declaration, "d"), ModelColumns(Programme, "p"), ModelColumns(Unit, "u")
    key = DeclarationProcess._meta
    latest_process = (  # as `process.id_of_process`
        f"(SELECT pr.id FROM {table_name(DeclarationProcess)} pr"
        f" WHERE pr.{key.get_field('flow_class').column} = %s"
        f" AND pr.{key.get_field('artifact_content_type').column} = %s"
        f" AND pr.{key.get_field('artifact_object_id').column} = d.id ORDER BY pr.id DESC LIMIT 1)"
    )
    substitutes = (
        f", EXISTS (SELECT 1 FROM {table_name(Substitution)} s WHERE s.substitute_id = %s"
        f" AND s.starts <= %s AND s.ends >= %s AND s.ended_at IS NULL)"
    ) if with_actor else ""
    sql = (
        f"SELECT {d.sql}, {p.sql}, {u.sql}, {latest_process}{substitutes}"
        f" FROM {table_name(Declaration)} d"
        f" JOIN {table_name(Programme)} p ON p.id = d.programme_id"
        f" JOIN {table_name(Unit)} u ON u.id = d.unit_id WHERE d.id = %s"
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF d"
    elif connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return sql, d, p, u


def _params(pk: int, by: User | None) -> list:
    params = list(process.key_values())
    if by is not None:
        today = Substitution._meta.get_field("starts").get_db_prep_value(timezone.localdate(), connection)
        # Only an active person substitutes (as `handover.principals_of`): no one has id 0.
        substitute = by.pk if (by.is_authenticated and by.is_active) else 0
        params += [substitute, today, today]
    return [*params, pk]


def declaration_for_update(declaration: Declaration | int | str, *, by: User | None = None) -> Declaration:
    """The declaration (or its id), read again with its row locked until the transaction ends;
    NotFound if there is none."""
    try:
        pk = declaration.pk if isinstance(declaration, Declaration) else int(declaration)
    except (ValueError, TypeError):
        raise NotFound() from None
    sql, d, p, u = _statement(with_actor=by is not None)
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(pk, by))
        row = cursor.fetchone()
    if row is None:
        raise NotFound()
    (declaration, programme, unit), rest = instances(row, d, p, u)
    Declaration._meta.get_field("programme").set_cached_value(declaration, programme)
    Declaration._meta.get_field("unit").set_cached_value(declaration, unit)
    declaration.process_pk = rest[0]
    if by is not None:
        declaration.by_substitutes = bool(rest[1])
    return declaration
