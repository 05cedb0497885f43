"""Next-task and submit as the API serves them: their few statements on PostgreSQL, and what
those statements must still do (presence counts, search words, the rare cases the ORM takes)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken

from crowd.services import token_create, token_revoke
from tasks.models import AnswerTally, Lease, Task, TaskDocument, Transcription
from tasks.services.reconcile import task_reconcile
from tests.factories import TaskFactory, UserFactory
from tests.helpers import token_client

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the direct statements run on PostgreSQL only"
)

VALUES = {"scientificName": "Quercus ilex L."}


def cycle(api, project, key):
    """One next-task -> submit over the API; the two responses."""
    asked = api.post(f"/api/projects/{project.slug}/next-task/")
    body = asked.json()
    sent = api.post(
        f"/api/tasks/{body['task']['id']}/transcriptions/",
        {"lease": body["lease"]["id"], "values": VALUES, "idempotency_key": key},
        format="json",
    )
    return asked, sent


@needs_postgresql
def test_a_next_task_then_submit_cycle_sends_at_most_eleven_statements_with_token_auth(
    project, outsider
):
    TaskFactory.create_batch(3, project=project, target=3)
    api = token_client(outsider)
    cycle(api, project, "warm")  # the first of a process reads the content types, and so on
    with CaptureQueriesContext(connection) as asked:
        response = api.post(f"/api/projects/{project.slug}/next-task/")
    body = response.json()
    with CaptureQueriesContext(connection) as sent:
        submitted = api.post(
            f"/api/tasks/{body['task']['id']}/transcriptions/",
            {"lease": body["lease"]["id"], "values": VALUES, "idempotency_key": "k2"},
            format="json",
        )
    assert (response.status_code, submitted.status_code) == (200, 201)
    # Authentication 1, BEGIN, the person's row and the project, the task locked, the lease,
    # COMMIT; the token with the submission's facts, the writes (in a savepoint here, inside
    # the test's transaction: test_submit_write counts them outside one). (The ORM sent 52.)
    assert len(asked.captured_queries) <= 6, [q["sql"][:80] for q in asked.captured_queries]
    assert len(sent.captured_queries) <= 4, [q["sql"][:80] for q in sent.captured_queries]


@needs_postgresql
def test_the_hand_written_statements_are_prepared_once_per_connection(project, outsider):
    """Django turns psycopg's prepared statements off unless told; the settings tell it, so
    PostgreSQL plans next-task's and submit's statements once per connection, not per request."""
    TaskFactory.create_batch(3, project=project, target=3)
    api = token_client(outsider)
    cycle(api, project, "first")
    cycle(api, project, "second")
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements WHERE from_sql = false")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("knox_authtoken" in sql for sql in prepared)  # the token read
    assert any("SKIP LOCKED" in sql for sql in prepared)  # next-task's candidate
    assert any("INSERT INTO tasks_transcription" in sql for sql in prepared)  # the answer


def test_watchers_hear_how_many_hold_the_image_after_a_lease_and_after_an_answer(
    project, monkeypatch, django_capture_on_commit_callbacks
):
    task = TaskFactory(project=project, target=3)
    heard = []
    monkeypatch.setattr(
        "tasks.events.event_send", lambda group, kind, payload: heard.append((kind, payload))
    )
    first, second = token_client(UserFactory()), token_client(UserFactory())
    with django_capture_on_commit_callbacks(execute=True):
        body = first.post(f"/api/projects/{project.slug}/next-task/").json()
    with django_capture_on_commit_callbacks(execute=True):
        second.post(f"/api/projects/{project.slug}/next-task/")
    assert heard[-2:] == [
        ("presence", {"task": task.pk, "working": 1}),
        ("presence", {"task": task.pk, "working": 2}),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        first.post(
            f"/api/tasks/{task.pk}/transcriptions/",
            {"lease": body["lease"]["id"], "values": VALUES, "idempotency_key": "a"},
            format="json",
        )
    presence = [payload for kind, payload in heard if kind == "presence"]
    assert presence[-1] == {"task": task.pk, "working": 1}


def test_an_answer_over_the_api_is_counted_flagged_for_reconciliation_and_searchable(
    project, outsider, django_capture_on_commit_callbacks
):
    task = TaskFactory(project=project, target=3, original_name="sheet-12.jpg")
    TaskDocument.objects.filter(task=task).delete()
    api = token_client(outsider)
    with django_capture_on_commit_callbacks(execute=False):
        asked, sent = cycle(api, project, "k1")
    assert sent.status_code == 201
    task.refresh_from_db()
    assert (task.transcription_count, task.reconcile_pending) == (1, True)
    assert task.reconcile_sent_at is not None
    text = TaskDocument.objects.get(task=task).text
    assert {"sheet", "12", "quercus", "ilex"} <= set(text.split())
    lease = Lease.objects.get(pk=asked.json()["lease"]["id"])
    assert lease.state == "submitted"
    assert Transcription.objects.get(task=task).values["scientificName"] == "Quercus ilex L."


def test_a_second_answer_adds_only_its_new_words_to_the_document(project):
    task = TaskFactory(project=project, target=3)
    TaskDocument.objects.update_or_create(
        task=task, defaults={"project_id": project.pk, "text": " quercus old "}
    )
    cycle(token_client(UserFactory()), project, "k1")
    assert TaskDocument.objects.get(task=task).text == " quercus old ilex l "


def test_a_retry_answers_the_recorded_transcription_even_once_the_project_is_paused(
    project, outsider
):
    TaskFactory(project=project, target=3)
    api = token_client(outsider)
    asked, sent = cycle(api, project, "same")
    Task.objects.filter(project=project).update(state="open")
    project.status = "paused"
    project.save()
    again = api.post(
        f"/api/tasks/{asked.json()['task']['id']}/transcriptions/",
        {"lease": asked.json()["lease"]["id"], "values": VALUES, "idempotency_key": "same"},
        format="json",
    )
    assert (sent.status_code, again.status_code) == (201, 200)
    assert again.json() == sent.json()


def test_a_bad_body_on_an_image_one_may_not_see_answers_404(project, outsider):
    private = TaskFactory(project__visibility="members")
    response = token_client(outsider).post(
        f"/api/tasks/{private.pk}/transcriptions/", {"values": "x"}, format="json"
    )
    assert response.status_code == 404


def test_a_revoked_token_is_refused_by_the_next_request(project, outsider):
    api = token_client(outsider)
    assert api.post(f"/api/projects/{project.slug}/next-task/").status_code == 204
    token_revoke(user=outsider)
    assert api.post(f"/api/projects/{project.slug}/next-task/").status_code == 401


def test_an_expired_token_is_refused_and_deleted(project, outsider):
    api = token_client(outsider)
    AuthToken.objects.filter(user=outsider).update(expiry=timezone.now() - timedelta(seconds=1))
    assert api.post(f"/api/projects/{project.slug}/next-task/").status_code == 401
    assert not AuthToken.objects.filter(user=outsider).exists()


def test_the_hand_built_bodies_equal_what_the_serializers_would_answer(project, outsider):
    from rest_framework.test import APIRequestFactory

    from tasks.api.leases import LeaseSerializer, next_task_body
    from tasks.api.projects import TemplateSerializer
    from tasks.api.tasks import TaskSerializer
    from tasks.api.transcriptions import TranscriptionSerializer, transcription_body

    task = TaskFactory(
        project=project,
        target=3,
        iiif_path="iiif/abc",
        image_width=4000,
        image_height=6000,
        metadata={"catalogNumber": "P0012", "secret": "x"},
    )
    project.template.metadata_shown = ["catalogNumber"]
    project.template.save()
    api = token_client(outsider)
    asked, sent = cycle(api, project, "k1")
    lease = Lease.objects.select_related("task__project__template").get(
        pk=asked.json()["lease"]["id"]
    )
    request = APIRequestFactory().post("/", HTTP_HOST="testserver")
    assert next_task_body(lease=lease, template=lease.task.project.template, request=request) == {
        "task": TaskSerializer(lease.task, context={"request": request}).data,
        "lease": LeaseSerializer(lease).data,
        "template": TemplateSerializer(lease.task.project.template).data,
    }
    assert asked.json()["task"]["metadata"] == {"catalogNumber": "P0012"}
    assert asked.json()["task"]["iiif"].endswith("/iiif/abc/info.json")
    transcription = Transcription.objects.get(task=task)
    transcription.markers = {"recordedBy": "illegible"}
    assert transcription_body(transcription) == TranscriptionSerializer(transcription).data
    assert sent.json() == TranscriptionSerializer(Transcription.objects.get(task=task)).data


def test_a_reconciliation_reads_what_it_wrote_once_and_writes_only_changed_tallies(
    project, settings, django_capture_on_commit_callbacks
):
    """The job each answer sends: the results it stored and the answers it read serve the
    tallies and badges too (no second read), tallies are written only where they changed, and
    the flag badge is left to the curators' decisions on flags, agreed values are summed only
    for volunteers whose tally changed. Its reads are four hand-written statements (the image
    locked with its project, reading and document; answers; results; what is known of the
    answerers, their tallies and badges included)."""
    settings.TRUST_MIN_COMPARISONS = 0  # newcomers' agreement settles the name
    task = TaskFactory(project=project, target=3)
    for n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            cycle(token_client(UserFactory()), project, f"k{n}")
    assert AnswerTally.objects.filter(task=task).count() == 2  # both agreed: settled
    with CaptureQueriesContext(connection) as again:
        task_reconcile(task_id=task.pk)
    sql = [query["sql"] for query in again.captured_queries]
    assert sum("tasks_fieldresult" in q for q in sql) == 1, sql
    assert not any("tasks_answertally" in q and q.startswith(("INSERT", "DELETE")) for q in sql)
    assert not any("tasks_imageflag" in q for q in sql)
    assert not any(q.startswith('SELECT "tasks_project"') for q in sql)
    # SAVEPOINT, the four reads, the task's row, RELEASE: nothing else when nothing changed.
    assert len(sql) <= 7, [q[:80] for q in sql]
    assert not any("SUM(" in q for q in sql), "agreed values summed though no tally changed"
    assert sum("tasks_imagereading" in q for q in sql) == 1
    assert AnswerTally.objects.filter(task=task).count() == 2


def _generic_plan(sql: str, params: dict) -> str:
    """PostgreSQL's plan of `sql` as kept for a prepared statement (generic: planned without
    the values), executed with `params`."""
    names = sorted(set(re.findall(r"%\((\w+)\)s", sql)), key=sql.index)
    text = sql
    for n, name in enumerate(names, 1):
        text = text.replace(f"%({name})s", f"${n}")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        cursor.execute("PREPARE planned AS " + text)
        try:
            cursor.execute(
                "EXPLAIN (ANALYZE) EXECUTE planned (" + ", ".join(["%s"] * len(names)) + ")",
                [params[name] for name in names],
            )
            return "\n".join(row[0] for row in cursor.fetchall())
        finally:
            cursor.execute("DEALLOCATE planned")


@needs_postgresql
def test_the_persons_live_leases_are_read_by_their_own_index_whatever_the_statistics_say(
    project, outsider
):
    """Next-task asks twice whether the person already holds a lease in the project. With the
    statistics of a quiet hour kept with the prepared statement, and thousands of leases live
    since, the question is answered from the person's own index, not by reading the live
    leases or the project's images one by one."""
    from tasks.services import direct_sql

    tasks = TaskFactory.create_batch(100, project=project, target=3)
    others = UserFactory.create_batch(30)
    task_ids, other_ids = [task.pk for task in tasks], [user.pk for user in others]
    insert = (
        "INSERT INTO tasks_lease (task_id, user_id, state, kind, step, created_at, expires_at,"
        " ended_at, skip_reason, skip_note) SELECT t, u, %s, 'data', 'label', now(),"
        " now() + interval '1 hour', NULL, '', '' FROM unnest(%s::bigint[]) t,"
        " unnest(%s::bigint[]) u"
    )
    with connection.cursor() as cursor:
        # The quiet hour: a history of passed images, a few leases live, analysed.
        cursor.execute(insert, ["released", task_ids, other_ids])
        cursor.execute(insert, ["active", task_ids[:2], other_ids[:2]])
        cursor.execute("ANALYZE tasks_lease")
        # The rush: every one of them holding a lease on every image.
        cursor.execute(
            "UPDATE tasks_lease SET state = 'active' WHERE state = 'released' AND task_id <> ALL(%s)",
            [task_ids[:2]],
        )
    now = timezone.now()
    token, text = token_create(user=outsider)
    by_token = {"slug": project.slug, "token_key": text[:15], "digest": token.digest}
    plans = {
        "grant": _generic_plan(
            direct_sql._grant_context_sql(False), {"user": outsider.pk, "slug": project.slug}
        ),
        "grant by token": _generic_plan(direct_sql._grant_context_sql(True), by_token),
        "lease": _generic_plan(
            direct_sql.LEASE_INSERT,
            {
                "task": tasks[0].pk,
                "user": outsider.pk,
                "project": project.pk,
                "step": "label",
                "now": now,
                "expires": now + timedelta(minutes=30),
                "count": 0,
                "target": 3,
            },
        ),
    }
    for name, plan in plans.items():
        own = [line for line in plan.splitlines() if "lease_user_state_task" in line]
        assert own, (name, plan)
        assert all(line.endswith("loops=1)") for line in own), (name, plan)  # read once
        assert "Seq Scan on tasks_lease" not in plan, (name, plan)
        assert "Seq Scan on tasks_task" not in plan, (name, plan)
