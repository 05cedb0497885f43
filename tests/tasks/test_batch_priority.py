"""A batch's priority: set by its leads on the upload page, given to every image of the batch
(those there and those ingested later), and what next-task serves first.

Hostile input on the form → 400 with the range, nothing changed:
- "abc", "", "1e3", "5_0" (int() would read 50), "٣" (an Arabic-Indic three), "101", "-101",
  "99999999999999999999"
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.models import AuditEntry, AuditKind, Batch, BatchState, Task
from tasks.services.batch_priority import PriorityRefused, batch_priority_set
from tasks.services.batches import batch_start, batch_withdraw
from tasks.services.leases import lease_grant
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client
from tests.images import jpeg
from tests.tasks.uploads import stored_batch


@pytest.fixture
def batches(project, lead):
    """Two batches of two open images each, made in this order."""
    made = []
    for name in ("first", "second"):
        batch = Batch.objects.create(project=project, name=name, state=BatchState.DONE)
        TaskFactory.create_batch(2, project=project, batch=batch, target=2)
        made.append(batch)
    return made


def priority_url(project, batch):
    return reverse("project-batch-priority", args=[project.slug, batch.pk])


def test_next_task_serves_the_batch_given_a_higher_priority_first(project, batches, lead):
    first, second = batches
    # Before: the oldest images first (depth first, then by id).
    assert lease_grant(project=project, user=UserFactory()).task.batch_id == first.pk
    changed = batch_priority_set(batch=second, priority=5, actor=lead)
    assert changed == 2
    assert set(Task.objects.filter(batch=second).values_list("priority", flat=True)) == {5}
    assert set(Task.objects.filter(batch=first).values_list("priority", flat=True)) == {0}
    for _ in range(2):
        assert lease_grant(project=project, user=UserFactory()).task.batch_id == second.pk
    # A lower priority than the rest sends a batch's images last.
    batch_priority_set(batch=second, priority=-3, actor=lead)
    fresh = UserFactory()
    assert lease_grant(project=project, user=fresh).task.batch_id == first.pk


def test_each_change_is_recorded_and_the_same_value_again_records_nothing(project, batches, lead):
    _first, second = batches
    batch_priority_set(batch=second, priority=7, actor=lead)
    assert batch_priority_set(batch=second, priority=7, actor=lead) == 0
    entries = AuditEntry.objects.filter(project=project, kind=AuditKind.BATCH_PRIORITY)
    assert [(e.actor_id, e.batch_id, e.details) for e in entries] == [
        (lead.pk, second.pk, {"before": 0, "after": 7, "tasks": 2})
    ]
    assert Batch.objects.get(pk=second.pk).priority == 7


def test_images_ingested_after_the_change_take_the_batch_priority(
    project, lead, django_capture_on_commit_callbacks
):
    batch = stored_batch(project, lead, [("a.jpg", jpeg(31)), ("b.jpg", jpeg(32))])
    batch_priority_set(batch=batch, priority=9, actor=lead)
    with django_capture_on_commit_callbacks(execute=True):
        batch_start(batch_id=batch.pk)
    priorities = list(Task.objects.filter(batch=batch).values_list("priority", flat=True))
    assert priorities == [9, 9]


def test_a_withdrawn_batch_or_an_out_of_range_value_is_refused(project, batches, lead):
    first, second = batches
    with pytest.raises(PriorityRefused, match="from -100 to 100"):
        batch_priority_set(batch=first, priority=101, actor=lead)
    batch_withdraw(batch_id=second.pk, actor=lead)
    with pytest.raises(PriorityRefused, match="withdrawn"):
        batch_priority_set(batch=second, priority=1, actor=lead)
    assert not AuditEntry.objects.filter(kind=AuditKind.BATCH_PRIORITY).exists()


# --- The form ---------------------------------------------------------------------------------


def test_a_lead_sets_the_priority_from_the_upload_page(project, batches, lead):
    _first, second = batches
    client = page_client(lead)
    page = client.get(reverse("project-batches", args=[project.slug]))
    assert f'action="{priority_url(project, second)}"'.encode() in page.content
    response = client.post(priority_url(project, second), {"priority": "4"}, follow=True)
    assert response.status_code == 200
    assert b"Priority of second: 4 (2 images changed)." in response.content
    assert Batch.objects.get(pk=second.pk).priority == 4


def test_the_page_script_gets_json(project, batches, lead):
    _first, second = batches
    client = page_client(lead)
    response = client.post(
        priority_url(project, second), {"priority": "-2"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "priority": -2,
        "changed": 2,
        "message": "Priority of second: -2 (2 images changed).",
    }


@pytest.mark.parametrize(
    "value", ["abc", "", "1e3", "5_0", "٣", "101", "-101", "99999999999999999999"]
)
def test_a_bad_priority_is_refused_with_the_range(project, batches, lead, value):
    _first, second = batches
    client = page_client(lead)
    response = client.post(
        priority_url(project, second), {"priority": value}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {"message": "The priority must be a whole number from -100 to 100."}
    }
    assert Batch.objects.get(pk=second.pk).priority == 0
    # Without the script: back to the page, with the reason.
    response = client.post(priority_url(project, second), {"priority": value}, follow=True)
    assert b"second: The priority must be a whole number from -100 to 100." in response.content


def test_only_the_project_leads_may_set_a_priority(project, batches, curator, contributor):
    _first, second = batches
    anonymous = page_client().post(priority_url(project, second), {"priority": "3"})
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    for person in (curator, contributor, UserFactory()):
        response = page_client(person).post(priority_url(project, second), {"priority": "3"})
        assert response.status_code == 403
    assert page_client(curator).get(priority_url(project, second)).status_code in (403, 405)
    assert Batch.objects.get(pk=second.pk).priority == 0


def test_a_private_project_or_another_project_batch_is_not_found(project, batches, lead):
    _first, second = batches
    secret = ProjectFactory(visibility="members")
    secret_lead = MembershipFactory(project=secret, role="lead").user
    hidden = Batch.objects.create(project=secret, name="hidden")
    # An outsider of the members-only project: 404, as for any page of it.
    response = page_client(lead).post(priority_url(secret, hidden), {"priority": "3"})
    assert response.status_code == 404
    # The other project's lead naming this project's batch under their own project: 404.
    response = page_client(secret_lead).post(
        reverse("project-batch-priority", args=[secret.slug, second.pk]), {"priority": "3"}
    )
    assert response.status_code == 404
    assert Batch.objects.get(pk=second.pk).priority == 0


@pytest.mark.parametrize("raw", ["abc", "-1", "99999999999999999999", "1%00", "0"])
def test_the_upload_page_says_which_batch_it_cannot_open(project, batches, lead, raw):
    response = page_client(lead).get(
        reverse("project-batches", args=[project.slug]), {"batch": raw}
    )
    assert response.status_code == 200
    assert b"data-watched-error" in response.content
    assert b"data-watched=" not in response.content


def test_the_upload_page_opens_on_a_batch_of_the_project(project, batches, lead):
    _first, second = batches
    other = Batch.objects.create(project=ProjectFactory(), name="elsewhere")
    client = page_client(lead)
    url = reverse("project-batches", args=[project.slug])
    assert f'data-watched="{second.pk}"'.encode() in client.get(url, {"batch": second.pk}).content
    assert b"data-watched-error" in client.get(url, {"batch": other.pk}).content
