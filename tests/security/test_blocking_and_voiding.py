"""Moderation by the leads: blocking a person, voiding their work, hostile reasons, outliers.

Blocking (leads)
- a blocked person → no task, no submission, no lease revived (public project), no sight (members-only)
- their live leases → ended at once; unblocking → access back; both acts recorded (who, when, why)
- curators and contributors → 403; people outside a members-only project → 404
- a lead, oneself, a blank reason, twice, lifting what is not there → 400 / 409
- deactivating an account → its leases end

Voiding a contributor's work (leads)
- void → transcriptions kept and marked, out of every consensus, images reconciled again and
  asking for other answers; answers sent while void → marked, not counted; unvoid → counted again
- curators and contributors → 403; outsiders → 404

Hostile reasons
- a reason with control characters or a bidirectional override → 400, nothing recorded
- a reason holding HTML → kept as text, shown escaped on the leads' page

Outliers (leads)
- a contributor far below the project's median agreement → listed with counts and links to their
  answers; too few settled values → not judged; curators → 403; the leads' page shows them
"""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from tasks.models import (
    ContributorVoid,
    FieldResult,
    FieldStatus,
    LeaseState,
    ProjectBlock,
    Role,
    TaskState,
    Transcription,
    Visibility,
)
from tasks.services.lease_upkeep import lease_heartbeat
from tasks.services.leases import lease_grant
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client, page_client
from tests.tasks.exports import VALUES

pytestmark = pytest.mark.django_db


def _block(api, project, username, reason="Spam in every field."):
    return api.post(
        f"/api/projects/{project.slug}/blocks/",
        {"username": username, "reason": reason},
        format="json",
    )


def _void(api, project, username, reason="Made-up values."):
    return api.post(
        f"/api/projects/{project.slug}/voids/",
        {"username": username, "reason": reason},
        format="json",
    )


# --- Blocking --------------------------------------------------------------------------------


def test_a_blocked_volunteer_of_a_public_project_gets_no_task_and_cannot_submit(project, lead):
    TaskFactory(project=project)
    volunteer = UserFactory()
    lease = lease_grant(project=project, user=volunteer)
    assert _block(api_client(lead), project, volunteer.username).status_code == 201
    lease.refresh_from_db()
    assert lease.state == LeaseState.EXPIRED  # ended at once: the image goes back to the queue
    them = api_client(volunteer)
    assert them.get(f"/api/projects/{project.slug}/").status_code == 200  # public: still seen
    assert them.post(f"/api/projects/{project.slug}/next-task/").status_code == 403
    with pytest.raises(PermissionDenied, match="no longer takes"):
        lease_heartbeat(lease_id=lease.pk, user=volunteer)
    answer = them.post(
        f"/api/tasks/{lease.task_id}/transcriptions/",
        {"lease": lease.pk, "values": VALUES, "idempotency_key": "k1"},
        format="json",
    )
    assert answer.status_code == 403
    assert not Transcription.objects.filter(user=volunteer).exists()


def test_a_blocked_member_of_a_members_only_project_no_longer_sees_it(lead):
    project = lead.memberships.get().project
    project.visibility = Visibility.MEMBERS
    project.save()
    member = MembershipFactory(project=project, role=Role.CURATOR).user
    _block(api_client(lead), project, member.username)
    them = api_client(member)
    assert them.get(f"/api/projects/{project.slug}/").status_code == 404
    assert project.slug not in [p["slug"] for p in them.get("/api/projects/").json()["results"]]
    assert page_client(member).get(f"/projects/{project.slug}/").status_code == 404


def test_unblocking_gives_access_back_and_both_acts_are_on_the_record(project, lead):
    TaskFactory(project=project)
    volunteer = UserFactory()
    leads = api_client(lead)
    _block(leads, project, volunteer.username, reason="Insults in notes.")
    lifted = leads.post(
        f"/api/projects/{project.slug}/blocks/{volunteer.username}/unblock/",
        {"reason": "Apologised."},
        format="json",
    )
    assert lifted.status_code == 200, lifted.content
    assert api_client(volunteer).post(f"/api/projects/{project.slug}/next-task/").status_code == 200
    [record] = leads.get(f"/api/projects/{project.slug}/blocks/").json()["results"]
    assert record["username"] == volunteer.username
    assert record["reason"] == "Insults in notes."
    assert record["created_by"] == lead.username
    assert record["lift_reason"] == "Apologised."
    assert record["lifted_by"] == lead.username
    assert record["active"] is False
    assert record["lifted_at"]
    # Blocking again adds a new record: the history keeps both.
    assert _block(leads, project, volunteer.username).status_code == 201
    assert ProjectBlock.objects.filter(project=project, user=volunteer).count() == 2


@pytest.mark.parametrize("role", [Role.CURATOR, Role.CONTRIBUTOR])
def test_a_curator_or_contributor_blocking_or_voiding_is_refused_403(project, role):
    member = MembershipFactory(project=project, role=role).user
    victim = UserFactory()
    them = api_client(member)
    assert _block(them, project, victim.username).status_code == 403
    assert _void(them, project, victim.username).status_code == 403
    assert them.get(f"/api/projects/{project.slug}/outliers/").status_code == 403
    assert them.get(f"/api/projects/{project.slug}/blocks/").status_code == 403
    assert not ProjectBlock.objects.exists()
    assert not ContributorVoid.objects.exists()


def test_someone_outside_a_members_only_project_blocking_there_gets_404():
    project = ProjectFactory(visibility=Visibility.MEMBERS)
    stranger = api_client(UserFactory())
    assert _block(stranger, project, UserFactory().username).status_code == 404
    assert _void(stranger, project, UserFactory().username).status_code == 404
    assert stranger.get(f"/api/projects/{project.slug}/outliers/").status_code == 404


def test_a_lead_blocking_another_lead_or_themselves_or_without_reason_is_refused(project, lead):
    other_lead = MembershipFactory(project=project, role=Role.LEAD).user
    leads = api_client(lead)
    for username in (other_lead.username, lead.username):
        answer = _block(leads, project, username)
        assert answer.status_code == 400
        assert "username" in answer.json()["error"]["fields"]
    blank = _block(leads, project, UserFactory().username, reason="   ")
    assert blank.status_code == 400
    assert "reason" in blank.json()["error"]["fields"]
    assert _block(leads, project, "nobody-by-that-name").status_code == 404
    assert not ProjectBlock.objects.exists()


def test_blocking_twice_or_lifting_what_is_not_there_conflicts_409(project, lead):
    volunteer = UserFactory()
    leads = api_client(lead)
    assert _block(leads, project, volunteer.username).status_code == 201
    assert _block(leads, project, volunteer.username).status_code == 409
    unblock = f"/api/projects/{project.slug}/blocks/{volunteer.username}/unblock/"
    assert leads.post(unblock, {"reason": "ok"}, format="json").status_code == 200
    assert leads.post(unblock, {"reason": "ok"}, format="json").status_code == 409


def test_a_deactivated_account_loses_its_leases_at_once(project):
    TaskFactory(project=project)
    volunteer = UserFactory()
    lease = lease_grant(project=project, user=volunteer)
    volunteer.is_active = False
    volunteer.save()
    lease.refresh_from_db()
    assert lease.state == LeaseState.EXPIRED


# --- Voiding a contributor's work --------------------------------------------------------------


def test_voided_answers_are_kept_but_leave_the_consensus_and_come_back_when_unvoided(
    project, lead, transcribed, django_capture_on_commit_callbacks
):
    task, (vandal, honest) = transcribed
    leads = api_client(lead)
    with django_capture_on_commit_callbacks(execute=True):
        assert _void(leads, project, vandal.username).status_code == 201
    kept = Transcription.objects.get(user=vandal)
    assert kept.values
    assert kept.void is not None
    assert kept.void.created_by == lead
    task.refresh_from_db()
    # Reconciled again with one answer left: the image asks for another.
    assert task.transcription_count == 1
    assert task.state == TaskState.OPEN
    result = FieldResult.objects.get(task=task, key="scientificName")
    assert vandal.pk not in result.agreeing
    assert result.status == FieldStatus.NEEDS_MORE
    assert lease_grant(project=project, user=UserFactory()).task_id == task.pk

    with django_capture_on_commit_callbacks(execute=True):
        answer = leads.post(
            f"/api/projects/{project.slug}/voids/{vandal.username}/unvoid/",
            {"reason": "Checked: honest mistakes."},
            format="json",
        )
    assert answer.status_code == 200
    assert answer.json()["lifted_by"] == lead.username
    task.refresh_from_db()
    assert Transcription.objects.get(user=vandal).void is None
    assert task.transcription_count == 2
    assert task.state == TaskState.COMPLETE
    result = FieldResult.objects.get(task=task, key="scientificName")
    assert vandal.pk in result.agreeing
    assert honest.pk in result.agreeing


def test_answers_sent_while_voided_are_kept_marked_and_not_counted(project, lead, transcribe):
    vandal = UserFactory()
    assert _void(api_client(lead), project, vandal.username).status_code == 201
    task = TaskFactory(project=project, target=2)
    transcribe(project, VALUES, user=vandal, task=task)
    task.refresh_from_db()
    assert Transcription.objects.get(user=vandal).void is not None
    assert task.transcription_count == 0
    assert not FieldResult.objects.filter(task=task).exists()


def test_voiding_twice_conflicts_and_every_decision_is_listed(project, lead):
    vandal = UserFactory()
    leads = api_client(lead)
    assert _void(leads, project, vandal.username).status_code == 201
    assert _void(leads, project, vandal.username).status_code == 409
    [record] = leads.get(f"/api/projects/{project.slug}/voids/").json()["results"]
    assert record["username"] == vandal.username
    assert record["reason"] == "Made-up values."
    assert record["active"] is True


# --- Outliers ------------------------------------------------------------------------------------


@pytest.fixture
def agreement_history(project, settings):
    """Ten settled images, each transcribed by four careful people and one careless one whose
    answer never agrees; plus a newcomer on one image only."""
    settings.OUTLIER_MIN_SETTLED = 5
    careful = [UserFactory() for _ in range(4)]
    careless, newcomer = UserFactory(username="careless"), UserFactory()
    for n in range(10):
        task = TaskFactory(project=project, state=TaskState.COMPLETE)
        people = [*careful, careless] + ([newcomer] if n == 0 else [])
        for person in people:
            Transcription.objects.create(
                project=project, task=task, user=person, values={}, idempotency_key=f"{n}"
            )
        FieldResult.objects.create(
            project=project,
            task=task,
            key="scientificName",
            status=FieldStatus.AGREED,
            agreeing=[p.pk for p in careful],
        )
    return careful, careless, newcomer


def test_a_contributor_far_below_the_project_median_is_listed_with_links_to_their_answers(
    project, lead, agreement_history
):
    _careful, careless, newcomer = agreement_history
    body = api_client(lead).get(f"/api/projects/{project.slug}/outliers/").json()
    assert body["median"] == 1.0
    assert body["min_settled"] == 5
    assert body["measured"] == 5
    [row] = body["results"]
    assert row["username"] == careless.username
    assert (row["settled"], row["agreed"], row["agreement_rate"]) == (10, 0, 0.0)
    assert row["answers"].endswith(f"/api/projects/{project.slug}/disputes/?contributor=careless")
    assert row["answers_page"].endswith(f"/projects/{project.slug}/review/?contributor=careless")
    assert row["blocked"] is False
    assert row["voided"] is False
    assert newcomer.username not in [r["username"] for r in body["results"]]  # too few to judge


def test_the_leads_settings_page_lists_outliers_with_block_and_void_buttons(
    project, lead, agreement_history
):
    page = page_client(lead).get(reverse("project-settings", args=[project.slug]))
    html = page.content.decode()
    assert "careless" in html
    assert reverse("project-block", args=[project.slug]) in html
    assert reverse("project-void", args=[project.slug]) in html
    french = page_client(lead)
    french.cookies["django_language"] = "fr"
    html = french.get(
        reverse("project-settings", args=[project.slug]), HTTP_ACCEPT_LANGUAGE="fr"
    ).content.decode()
    assert "Contributeurs rarement d’accord" in html
    assert "sur 5 contributeurs" in html


def test_blocking_and_voiding_from_the_leads_page_then_lifting_them(project, lead):
    volunteer = UserFactory()
    leads = page_client(lead)
    for name in ("project-block", "project-void"):
        answer = leads.post(
            reverse(name, args=[project.slug]),
            {"username": volunteer.username, "reason": "Vandalism."},
        )
        assert answer.status_code == 302
    assert ProjectBlock.objects.get(user=volunteer).reason == "Vandalism."
    assert ContributorVoid.objects.get(user=volunteer).created_by == lead
    for name in ("project-unblock", "project-unvoid"):
        answer = leads.post(
            reverse(name, args=[project.slug, volunteer.username]), {"reason": "Fine now."}
        )
        assert answer.status_code == 302
    assert not ProjectBlock.objects.filter(lifted_at__isnull=True).exists()
    assert not ContributorVoid.objects.filter(lifted_at__isnull=True).exists()
    # A contributor posting the same forms is refused.
    contributor = MembershipFactory(project=project, role=Role.CONTRIBUTOR).user
    refused = page_client(contributor).post(
        reverse("project-block", args=[project.slug]),
        {"username": volunteer.username, "reason": "x"},
    )
    assert refused.status_code == 403


def test_a_blocked_person_still_to_verify_their_address_is_told_they_are_blocked_not_to_verify(
    settings, project, lead
):
    settings.EMAIL_VERIFICATION_REQUIRED = True
    TaskFactory(project=project)
    volunteer = UserFactory(email_verified=False)
    assert _block(api_client(lead), project, volunteer.username).status_code == 201

    refused = api_client(volunteer).post(f"/api/projects/{project.slug}/next-task/")

    assert refused.status_code == 403
    assert "e-mail" not in refused.json()["error"]["message"]


@pytest.mark.parametrize("hidden", ["\u202e", "\x00", "\x1b[2J"])
def test_a_reason_hiding_characters_is_refused_and_nothing_is_recorded(project, lead, hidden):
    volunteer = UserFactory()
    for act in (_block, _void):
        response = act(api_client(lead), project, volunteer.username, reason=f"spam{hidden}gnp.exe")
        assert response.status_code == 400, response.content
        assert "reason" in response.json()["error"]["fields"]
    assert not ProjectBlock.objects.exists()
    assert not ContributorVoid.objects.exists()


def test_a_reason_holding_html_is_shown_as_text_on_the_leads_page(project, lead):
    volunteer = UserFactory()
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert _block(api_client(lead), project, volunteer.username, reason=hostile).status_code == 201
    html = page_client(lead).get(reverse("project-settings", args=[project.slug])).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert hostile not in html
