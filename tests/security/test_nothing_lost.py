"""Nothing lost by a click: deleting refused, archiving instead, purging only after an export.

Nothing lost by a click
- deleting a task, a project or a person with transcriptions → refused (PROTECT), all kept
- the admin's delete and change of a transcription → refused
- deleting a project in the admin, or DELETE /api/projects/{slug}/ as lead → archived, nothing deleted
- an archived project → hidden (404) from members and anonymous, seen by staff, no tasks, no submissions
- `project_purge` without an export, or on a project not archived → refused, nothing deleted
- `project_purge --export FILE` → the export is written first, then the project goes
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import ProtectedError
from django.urls import reverse

from tasks.models import LeaseState, Project, Role, Transcription
from tasks.services.leases import ProjectNotTakingAnswers, lease_grant
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, page_client, submit
from tests.tasks.exports import VALUES

pytestmark = pytest.mark.django_db


def test_deleting_a_task_with_transcriptions_is_refused_and_keeps_them(transcribed):
    task, _people = transcribed
    with pytest.raises(ProtectedError):
        task.delete()
    assert Transcription.objects.filter(task=task).count() == 2


def test_deleting_a_project_row_with_transcriptions_is_refused_and_keeps_them(project, transcribed):
    with pytest.raises(ProtectedError):
        Project.objects.filter(pk=project.pk).delete()
    assert Transcription.objects.filter(project=project).count() == 2


def test_deleting_a_volunteer_account_with_transcriptions_is_refused(transcribed):
    _task, (person, _other) = transcribed
    with pytest.raises(ProtectedError):
        person.delete()
    assert Transcription.objects.filter(user=person).count() == 1


def test_the_admin_neither_deletes_nor_changes_a_transcription(transcribed):
    admin = page_client(UserFactory(is_staff=True, is_superuser=True))
    transcription = Transcription.objects.first()
    url = f"/admin/tasks/transcription/{transcription.pk}"
    assert admin.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    assert admin.post(f"{url}/change/", {"values": "{}"}).status_code == 403
    assert Transcription.objects.filter(pk=transcription.pk, values=transcription.values).exists()


def test_deleting_a_project_in_the_admin_archives_it_and_keeps_every_transcription(
    project, transcribed
):
    admin = page_client(UserFactory(is_staff=True, is_superuser=True))
    response = admin.post(f"/admin/tasks/project/{project.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.archived_at is not None
    assert Transcription.objects.filter(project=project).count() == 2
    # The bulk "delete selected" is replaced by archiving.
    page = admin.get("/admin/tasks/project/")
    assert b"delete_selected" not in page.content
    assert b"archive_selected" in page.content


def test_a_lead_deleting_a_project_through_the_api_archives_it(project, lead, transcribed):
    assert api_client(lead).delete(f"/api/projects/{project.slug}/").status_code == 204
    project.refresh_from_db()
    assert project.archived_at is not None
    assert Transcription.objects.filter(project=project).count() == 2


def test_a_lead_deleting_a_project_from_its_settings_page_archives_it(project, lead, transcribed):
    leads = page_client(lead)
    assert (
        reverse("project-archive", args=[project.slug])
        in leads.get(reverse("project-settings", args=[project.slug])).content.decode()
    )
    assert leads.post(reverse("project-archive", args=[project.slug])).status_code == 302
    project.refresh_from_db()
    assert project.archived_at is not None
    assert Transcription.objects.filter(project=project).count() == 2
    assert leads.get(reverse("project-detail", args=[project.slug])).status_code == 404


@pytest.mark.parametrize("role", [Role.CURATOR, Role.CONTRIBUTOR])
def test_a_curator_or_contributor_deleting_a_project_is_refused(project, role):
    member = MembershipFactory(project=project, role=role).user
    assert api_client(member).delete(f"/api/projects/{project.slug}/").status_code == 403
    project.refresh_from_db()
    assert project.archived_at is None


def test_an_archived_project_is_hidden_from_members_and_visitors_but_seen_by_staff(project, lead):
    api_client(lead).delete(f"/api/projects/{project.slug}/")
    for client in (api_client(lead), api_client(UserFactory()), api_client()):
        assert client.get(f"/api/projects/{project.slug}/").status_code == 404
        slugs = [p["slug"] for p in client.get("/api/projects/").json()["results"]]
        assert project.slug not in slugs
    staff = api_client(UserFactory(is_staff=True))
    assert staff.get(f"/api/projects/{project.slug}/").status_code == 200
    assert staff.get(f"/api/projects/{project.slug}/").json()["capabilities"] == ["view"]


def test_an_archived_project_takes_no_submission_from_a_lease_given_before(project, lead):
    TaskFactory(project=project)
    volunteer = UserFactory()
    lease = lease_grant(project=project, user=volunteer)
    api_client(lead).delete(f"/api/projects/{project.slug}/")
    lease.refresh_from_db()
    assert lease.state == LeaseState.EXPIRED
    with pytest.raises(ProjectNotTakingAnswers, match="archived"):
        submit(lease, VALUES)
    assert not Transcription.objects.filter(project=project).exists()
    assert (
        api_client(UserFactory()).post(f"/api/projects/{project.slug}/next-task/").status_code
        == 404
    )


def test_a_purge_without_an_export_is_refused_and_deletes_nothing(project, transcribed):
    project.archived_at = project.created_at
    project.save()
    with pytest.raises(CommandError, match="without an export"):
        call_command("project_purge", project.slug)
    assert Transcription.objects.filter(project=project).count() == 2


def test_a_purge_of_a_project_not_archived_is_refused(project, transcribed, tmp_path):
    with pytest.raises(CommandError, match="not archived"):
        call_command("project_purge", project.slug, "--export", str(tmp_path / "out.jsonl.gz"))
    assert not (tmp_path / "out.jsonl.gz").exists()
    assert Project.objects.filter(pk=project.pk).exists()


def test_a_purge_writes_the_export_first_then_deletes_the_project_and_its_files(
    project, transcribed, tmp_path, settings, django_capture_on_commit_callbacks
):
    project.archived_at = project.created_at
    project.save()
    images = Path(settings.MEDIA_ROOT) / "projects" / str(project.pk) / "tiles"
    waiting = Path(settings.MEDIA_ROOT) / "batches" / str(project.pk) / "x"
    for folder in (images, waiting):
        folder.mkdir(parents=True)
        (folder / "a.jpg").write_bytes(b"image")
    target = tmp_path / "purged.jsonl.gz"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("project_purge", project.slug, "--export", str(target))
    assert target.stat().st_size > 0
    assert not images.parent.exists()
    assert not waiting.parent.exists()
    assert not Project.objects.filter(pk=project.pk).exists()
    assert not Transcription.objects.filter(project_id=project.pk).exists()
    # Refused when the export file is already there: nothing is overwritten nor deleted.
    other = ProjectFactory(archived_at=project.created_at)
    with pytest.raises(CommandError, match="already exists"):
        call_command("project_purge", other.slug, "--export", str(target))
    assert Project.objects.filter(pk=other.pk).exists()
