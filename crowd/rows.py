"""Model instances from hand-written SQL, for the few statements the busiest requests write
themselves (`crowd.api_auth`, `tasks.services.direct_sql`): a model's columns under an alias,
and the instance back from a row, as the ORM would have built it."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, TypeVar

from django.db import connection, models

M = TypeVar("M", bound=models.Model)


@cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    return tuple(model._meta.concrete_fields)


@cache
def columns(model: type[models.Model], alias: str) -> str:
    return ", ".join(f'{alias}."{field.column}"' for field in _fields(model))


def instance(model: type[M], row: Sequence[Any], start: int) -> tuple[M, int]:
    """The `model` instance whose `columns` begin at `row[start]`, and where the next begin."""
    fields = _fields(model)
    values = []
    for field, value in zip(fields, row[start : start + len(fields)], strict=True):
        convert = getattr(field, "from_db_value", None)
        values.append(value if convert is None else convert(value, None, connection))
    obj = model.from_db(connection.alias, [field.attname for field in fields], values)
    return obj, start + len(fields)


def rows_fetch(sql: str, params: dict[str, Any] | Sequence[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []
