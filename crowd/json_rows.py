"""Many rows of a model written in one statement on PostgreSQL, without the ORM's per-value work.

The rows travel as one JSON array, which `jsonb_to_recordset` turns into rows of the table's own
column types: an insert of N rows or an update of N rows by id is one statement with one
parameter. Django's `bulk_create` on PostgreSQL sends one array per column, each element quoted
in Python (client-side binding), and `save()` one statement per row: for the dozen field results
and versions a reconciliation writes, that was most of the worker's time. Other databases (SQLite,
a newcomer's first run) take the ORM's way, as do values JSON cannot carry (decimals, UUIDs...).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models
from django.utils import timezone

M = TypeVar("M", bound=models.Model)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime | date | time) else value


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    return field


@cache
def _definitions(model: type[models.Model], names: tuple[str, ...]) -> str:
    return ", ".join(
        f'"{_field(model, n).column}" {_field(model, n).db_type(connection)}' for n in names
    )


@cache
def _insert_sql(model: type[models.Model], names: tuple[str, ...]) -> str:
    cols = ", ".join(f'"{_field(model, n).column}"' for n in names)
    picked = ", ".join(f'v."{_field(model, n).column}"' for n in names)
    pk = model._meta.pk
    assert pk is not None
    return (
        f"INSERT INTO {model._meta.db_table} ({cols}) SELECT {picked} "  # noqa: S608 (names from the model)
        f"FROM ROWS FROM (jsonb_to_recordset(%s::jsonb) AS ({_definitions(model, names)})) "
        f'WITH ORDINALITY AS v({cols}, "json_row_order") ORDER BY v."json_row_order" RETURNING "{pk.column}"'
    )


@cache
def _update_sql(model: type[models.Model], names: tuple[str, ...]) -> str:
    pk = model._meta.pk
    assert pk is not None
    assigned = ", ".join(
        f'"{_field(model, n).column}" = v."{_field(model, n).column}"' for n in names
    )
    return (
        f"UPDATE {model._meta.db_table} AS r SET {assigned} "  # noqa: S608 (names from the model)
        f'FROM jsonb_to_recordset(%s::jsonb) AS v("{pk.column}" bigint, '
        f'{_definitions(model, names)}) WHERE r."{pk.column}" = v."{pk.column}"'
    )


def _encoded(rows: list[dict[str | None, Any]]) -> str | None:
    try:
        return json.dumps(rows, allow_nan=False)
    except (TypeError, ValueError):
        return None


def rows_insert(objs: Sequence[M]) -> list[M]:
    """Insert `objs` (new instances of one model with an automatic integer key) and give them
    their ids, as `bulk_create` does; fields' `pre_save` applies (`auto_now_add`...)."""
    if not objs:
        return []
    model = type(objs[0])
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    names = tuple(f.name for f in fields)
    rows = [{f.column: _plain(f.pre_save(obj, True)) for f in fields} for obj in objs]
    encoded = _encoded(rows) if connection.vendor == "postgresql" else None
    if encoded is None or not isinstance(pk, models.AutoField | models.BigAutoField):
        return model._default_manager.bulk_create(objs)
    with connection.cursor() as cursor:
        cursor.execute(_insert_sql(model, names), [encoded])
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = connection.alias
    return list(objs)


def rows_update(objs: Sequence[models.Model], names: Sequence[str]) -> None:
    """Save the fields `names` of `objs` (saved instances of one model), and their `auto_now`
    fields set to now, as `save(update_fields=...)` would for each."""
    if not objs:
        return
    model = type(objs[0])
    now = timezone.now()
    stamped = [
        f.name
        for f in model._meta.concrete_fields
        if getattr(f, "auto_now", False) and f.name not in names
    ]
    for obj in objs:
        for name in stamped:
            setattr(obj, name, now)
    names = (*names, *stamped)
    pk = model._meta.pk
    assert pk is not None
    fields = [_field(model, n) for n in names]
    rows = [
        {pk.column: obj.pk, **{f.column: _plain(getattr(obj, f.attname)) for f in fields}}
        for obj in objs
    ]
    encoded = _encoded(rows) if connection.vendor == "postgresql" else None
    if encoded is None:
        for obj in objs:
            obj.save(update_fields=names)
        return
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(model, tuple(names)), [encoded])
