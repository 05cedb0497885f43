"""Reconciliation's write of changed field results in one statement, on PostgreSQL.

A new answer changes most fields of its image (their counts at least), and the ORM's way is one
`UPDATE` per field: a dozen statements per reconciliation, which cost the worker more than the
consensus itself. Here the changed rows travel as one JSON array that `jsonb_to_recordset` turns
into rows of the table's own column types, joined to the table by id: one statement whatever
their number. Other databases (SQLite, a newcomer's first run) keep the ORM's way.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from django.db import connection
from django.db.models import Field
from django.utils import timezone

from tasks.models import FieldResult


def _field(name: str) -> Field[Any, Any]:
    field = FieldResult._meta.get_field(name)
    assert isinstance(field, Field)
    return field


@cache
def _update_sql(names: tuple[str, ...]) -> str:
    fields = [_field(name) for name in names]
    columns = ", ".join(f'"{f.column}" {f.db_type(connection)}' for f in fields)
    assigned = ", ".join(f'"{f.column}" = v."{f.column}"' for f in fields)
    return (
        f"UPDATE {FieldResult._meta.db_table} AS r SET {assigned} "  # noqa: S608 (names from the model)
        f'FROM jsonb_to_recordset(%s::jsonb) AS v("id" bigint, {columns}) WHERE r."id" = v."id"'
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def field_results_update(results: Sequence[FieldResult], names: Sequence[str]) -> None:
    """Save the fields `names` of `results` (with their `version`, and `updated_at` set to now,
    as `save()` would)."""
    if not results:
        return
    now = timezone.now()
    for result in results:
        result.updated_at = now
    names = (*names, "version", "updated_at")
    if connection.vendor != "postgresql":
        for result in results:
            result.save(update_fields=names)
        return
    columns = [(_field(name).column, name) for name in names]
    rows = [
        {"id": r.pk, **{column: _plain(getattr(r, name)) for column, name in columns}}
        for r in results
    ]
    with connection.cursor() as cursor:
        cursor.execute(_update_sql(tuple(names)), [json.dumps(rows, allow_nan=False)])
