"""Model instances from hand-written SQL, for the few statements the busiest requests write
themselves (`crowd.api_auth`, `tasks.services.direct_sql`): a model's columns under an alias,
and the instance back from a row, as the ORM would have built it."""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


@cache
def _fields(
    model: type[models.Model], names: tuple[str, ...] | None = None
) -> tuple[models.Field, ...]:
    return tuple(
        field
        for field in model._meta.concrete_fields
        if names is None or field.name in names or field.attname in names
    )


@cache
def columns(model: type[models.Model], alias: str, names: tuple[str, ...] | None = None) -> str:
    """The model's columns (only those of the fields `names`, when given) under `alias`."""
    return ", ".join(f'{alias}."{field.column}"' for field in _fields(model, names))


@cache
def _converters(
    model: type[models.Model], names: tuple[str, ...] | None, vendor: str
) -> tuple[tuple[tuple[Any, Any], ...], ...]:
    """Each field's conversions from its database value, in the order the ORM applies them: the
    backend's first (SQLite's text dates made aware, its decimals and UUIDs), then the field's."""
    found = []
    for field in _fields(model, names):
        col = field.get_col(model._meta.db_table)
        converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
        found.append(tuple((convert, col) for convert in converters))
    return tuple(found)


def instance(
    model: type[M],
    row: Sequence[Any],
    start: int,
    names: tuple[str, ...] | None = None,
    decoded: dict[str, Any] | None = None,
) -> tuple[M, int]:
    """The `model` instance whose `columns` begin at `row[start]`, and where the next begin.
    With `names`, the other fields are deferred (read on first use, as `only()` does);
    `decoded` gives fields already converted from their database value (a cached JSON)."""
    fields = _fields(model, names)
    values = []
    for field, converters, value in zip(
        fields,
        _converters(model, names, connection.vendor),
        row[start : start + len(fields)],
        strict=True,
    ):
        if decoded is not None and field.attname in decoded:
            values.append(decoded[field.attname])
            continue
        for convert, col in converters:
            value = convert(value, col, connection)
        values.append(value)
    obj = model.from_db(connection.alias, [field.attname for field in fields], values)
    return obj, start + len(fields)


def rows_fetch(
    sql: str, params: dict[str, Any] | Sequence[Any], *, prepare: bool = False
) -> list[tuple[Any, ...]]:
    """The rows of a statement that returns rows (building its `description` costs more).

    `prepare`, on PostgreSQL: bind the values on the server and keep the statement prepared on
    the connection, so that PostgreSQL plans it once per connection instead of at each request
    (the plan cost more than running it). Values then need the types the statement says:
    write a cast where PostgreSQL cannot tell (`%(x)s::bigint` for a NULL). The statement is
    logged as Django logs its own (debug, tests counting statements)."""
    if prepare and connection.vendor == "postgresql":
        return _prepared_fetch(sql, params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _prepared_fetch(sql: str, params: dict[str, Any] | Sequence[Any]) -> list[tuple[Any, ...]]:
    import psycopg

    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    started = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall()
    if connection.queries_logged:
        connection.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return rows
