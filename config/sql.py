"""Helpers for the few statements written by hand: the ones every page or action runs, where
the ORM composing the statement anew on each call cost more than the database answering it
(docs/benchmarks.md). Quoted table names, IN lists, and model instances built from a row as the
ORM builds them (the database's converters, the fields' `from_db_value`, `Model.from_db`).
"""
from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def table_name(model: type[Model]) -> str:
    """A model's table, quoted."""
    return connection.ops.quote_name(model._meta.db_table)


class ModelColumns:
    """The concrete columns of `model` (or those named in `only`, the rest deferred as `.only()`
    leaves them) under a table alias, for a SELECT written by hand, and the instance built from
    the slice of a row that holds them."""

    def __init__(self, model: type[Model], alias: str, *, only: Sequence[str] = ()):
        self.model = model
        named = {model._meta.get_field(name) for name in only}
        # In the model's order, as `Model.from_db` takes the values of a deferred instance.
        self.fields = [field for field in model._meta.concrete_fields if not only or field in named]
        quote = connection.ops.quote_name
        self.sql = ", ".join(f"{alias}.{quote(field.column)}" for field in self.fields)
        self.attnames = [field.attname for field in self.fields]
        self.pk_position = self.fields.index(model._meta.pk)
        self._converters = []
        for position, field in enumerate(self.fields):
            col = field.get_col(alias)
            found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
            if found:
                self._converters.append((position, found, col))

    def __len__(self) -> int:
        return len(self.fields)

    def instance(self, values: Sequence) -> Model:
        values = list(values)
        for position, converters, col in self._converters:
            for convert in converters:
                values[position] = convert(values[position], col, connection)
        return self.model.from_db(connection.alias, self.attnames, values)


def instances(row: Sequence, *groups: ModelColumns) -> tuple[list[Model | None], tuple]:
    """The instances of `groups`, in order, from the start of `row` (None for a LEFT JOIN that found
    no row: its primary key is null), and the rest of the row."""
    found, start = [], 0
    for group in groups:
        values = row[start:start + len(group)]
        start += len(group)
        found.append(None if values[group.pk_position] is None else group.instance(values))
    return found, tuple(row[start:])


def in_list(values: Sequence) -> str:
    """The placeholders of an IN (…) list of `values` (never empty: callers return early)."""
    return ", ".join(["%s"] * len(values))
