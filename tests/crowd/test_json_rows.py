"""Rows written in one statement (`crowd.json_rows`) are the rows the ORM would write."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crowd.json_rows import rows_insert, rows_update
from tasks.models import FieldResult, FieldResultVersion
from tests.factories import TaskFactory


def test_an_insert_gives_ids_in_order_and_stores_what_bulk_create_would(db):
    task = TaskFactory()
    since = timezone.now() - timedelta(days=3)
    made = [
        FieldResult(project_id=task.project_id, task=task, key=f"k{n}", value=value,
                    status="agreed", agreement=0.5 + n / 10, support=n, n=3, method="text",
                    alternatives=[{"value": "é\\u2028", "users": [n]}], explanation="ok",
                    disputed_at=since if n == 1 else None, machine_agrees=None)
        for n, value in enumerate(["Quercus", None, {"lat": 1.5}, [1, "x"]])
    ]  # fmt: skip
    with CaptureQueriesContext(connection) as sent:
        rows_insert(made)
    inserts = [q for q in sent.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    if connection.vendor == "postgresql":  # the rows as one JSON array, not Django's insert
        assert "jsonb_to_recordset" in inserts[0]["sql"]
    assert [r.key for r in FieldResult.objects.filter(pk__in=[r.pk for r in made]).order_by("pk")] == [
        "k0", "k1", "k2", "k3"
    ]  # fmt: skip
    for result in made:
        stored = FieldResult.objects.get(pk=result.pk)
        for field in FieldResult._meta.concrete_fields:
            assert getattr(stored, field.attname) == getattr(result, field.attname), field.name
    assert FieldResult.objects.filter(task=task, key="k1", value__isnull=True).exists()
    assert FieldResult.objects.filter(task=task, key="k0", disputed_at__isnull=True).exists()
    # A model with its own auto_now_add date, set as the ORM sets it.
    versions = rows_insert([FieldResultVersion.of(r, cause="reconcile") for r in made])
    assert all(v.pk and v.created_at for v in versions)
    assert FieldResultVersion.objects.filter(field_result__task=task).count() == 4


def test_an_update_sets_the_named_fields_and_the_automatic_date_only(db):
    task = TaskFactory()
    results = rows_insert(
        [FieldResult(project_id=task.project_id, task=task, key=k, value="a", status="agreed")
         for k in ("x", "y")]
    )  # fmt: skip
    stamped = FieldResult.objects.get(pk=results[0].pk).updated_at
    for result in results:
        result.value, result.n, result.method = ["b", 2], 4, "changed but not named"
    rows_update(results, ["value", "n"])
    for result in results:
        stored = FieldResult.objects.get(pk=result.pk)
        assert (stored.value, stored.n, stored.method) == (["b", 2], 4, "")
        assert stored.updated_at == result.updated_at > stamped
