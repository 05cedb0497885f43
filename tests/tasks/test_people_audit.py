"""The audit log page: every recorded decision and act of a project, newest first, read where
each is kept, with its filters (kind, person, dates) in the address and pages.

Who: leads read everything; curators their decisions and reopenings only (a kind of the
leads' asked by a curator → 400); contributors and outsiders of a public project → 403;
outsiders of a members-only project → 404; signed out → log in.

Hostile query strings → 400 with the reason, never a 500:
- kind=<script>, kind=block for a curator → "Select a valid choice"
- since=2024-13-45, since=yesterday, until=99999-01-01 → "Enter a valid date"
- since=1066-10-14 → "Give a date from 2000-01-01 to 2999-12-31" (and 9999-12-31, whose next
  day would overflow)
- since after until → "The end of the range comes before its start"
- person=nobody-here → "No user named nobody-here."; person with a control character → 400
- page=abc, page=-5, page=10**20 → a page of the log (200)
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import (
    AuditEntry,
    AuditKind,
    Batch,
    ContributorVoid,
    FieldResult,
    KnownAnswer,
    ProjectBlock,
    Resolution,
    Role,
    Task,
    TaskState,
)
from tasks.services.batch_priority import batch_priority_set
from tasks.services.batches import batch_withdraw
from tasks.services.known_answers import known_answer_promote
from tasks.services.members import membership_remove, membership_set
from tasks.services.moderation import (
    contributor_void,
    project_archive,
    project_block,
    project_restore,
    project_unblock,
)
from tasks.services.news import news_delete, news_publish, news_update
from tasks.services.review import field_result_reopen, field_result_resolve
from tasks.views import people as people_views
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client

pytestmark = pytest.mark.django_db

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


def url(project):
    return reverse("project-audit", args=[project.slug])


def kinds(response):
    return re.findall(r'data-entry="([^"]+)"', response.content.decode())


@pytest.fixture
def history(project, lead, curator, transcribe):
    """One of each recorded act, in this order: a curator's decision, a reopening, a block and
    its lifting, a void, a promotion to a known answer, a batch's priority and its withdrawal,
    a member's role."""
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    disputed = TaskFactory(project=project, target=2)
    readers = [
        transcribe(project, BASE, task=disputed),
        transcribe(project, {**BASE, "locality": "Lyon"}, task=disputed),
    ]
    locality = FieldResult.objects.get(task=disputed, key="locality")
    field_result_resolve(
        field_result_id=locality.pk,
        curator=curator,
        decision="value",
        value="Grenoble",
        reason="reading_checked",
        note="Read on the label.",
    )
    field_result_reopen(field_result_id=locality.pk, actor=curator, reason="other")
    spammer = readers[1]
    project_block(project=project, user=spammer, actor=lead, reason="Copies answers.")
    project_unblock(project=project, user=spammer, actor=lead, reason="Apologised.")
    contributor_void(project=project, user=spammer, actor=lead, reason="Made up.")
    settled = TaskFactory(project=project, target=2)
    for _ in range(2):
        transcribe(project, BASE, task=settled)
    assert Task.objects.get(pk=settled.pk).state == TaskState.COMPLETE
    known_answer_promote(task=settled, use="known", actor=lead)
    batch = Batch.objects.create(project=project, name="Boîte 12")
    batch_priority_set(batch=batch, priority=3, actor=lead)
    batch_withdraw(batch_id=batch.pk, actor=lead)
    newcomer = UserFactory(username="newcomer")
    membership_set(project=project, user=newcomer, role=Role.CURATOR, actor=lead)
    return {"spammer": spammer, "locality": locality, "batch": batch, "newcomer": newcomer}


LEADS_ORDER = [
    "member_role",
    "batch_withdrawn",
    "batch_priority",
    "known_promoted",
    "void",
    "unblock",
    "block",
    "reopen",
    "decision",
]


# --- Who may read it -------------------------------------------------------------------------


def test_leads_read_every_act_newest_first(project, lead, history):
    response = page_client(lead).get(url(project))
    assert response.status_code == 200
    listed = kinds(response)
    # The fixture's own members (lead, curator) were added by factories, not by the service.
    assert listed == LEADS_ORDER
    html = response.content.decode()
    decision = html.split('data-entry="decision"')[1].split("</tr>")[0]
    assert "Type the right value" in decision
    assert "Checked on the image" in decision
    assert "Read on the label." in decision
    before = Resolution.objects.get(decision="value").value_before
    assert f'class="before">{before or "∅"}</span> → <span class="after">Grenoble<' in decision
    assert reverse("task-review", args=[project.slug, history["locality"].task_id]) in decision
    block = html.split('data-entry="block"')[1].split("</tr>")[0]
    assert history["spammer"].username in block
    assert "Copies answers." in block
    unblock = html.split('data-entry="unblock"')[1].split("</tr>")[0]
    assert "Apologised." in unblock
    priority = html.split('data-entry="batch_priority"')[1].split("</tr>")[0]
    assert "Boîte 12" in priority
    assert '>0</span> → <span class="after">3<' in priority
    member = html.split('data-entry="member_role"')[1].split("</tr>")[0]
    assert "newcomer" in member
    assert "Curator" in member


def test_curators_read_their_decisions_only(project, curator, history):
    client = page_client(curator)
    response = client.get(url(project))
    assert response.status_code == 200
    assert kinds(response) == ["reopen", "decision"]
    refused = client.get(url(project), {"kind": "block"})
    assert refused.status_code == 400
    assert "Select a valid choice" in refused.content.decode()
    assert kinds(refused) == []


def test_contributors_outsiders_and_visitors_are_kept_out(project, contributor, history):
    assert page_client(contributor).get(url(project)).status_code == 403
    assert page_client(UserFactory()).get(url(project)).status_code == 403
    anonymous = page_client().get(url(project))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    secret = ProjectFactory(visibility="members")
    assert page_client(UserFactory()).get(url(secret)).status_code == 404
    lead_elsewhere = MembershipFactory(role=Role.LEAD).user
    assert page_client(lead_elsewhere).get(url(secret)).status_code == 404


def test_the_dashboard_links_to_it_for_curators_and_leads(project, lead, curator, contributor):
    detail = reverse("project-detail", args=[project.slug])
    assert url(project).encode() in page_client(lead).get(detail).content
    assert url(project).encode() in page_client(curator).get(detail).content
    assert url(project).encode() not in page_client(contributor).get(detail).content


# --- What is recorded now ---------------------------------------------------------------------


def test_archive_restore_and_member_removal_are_recorded(project, lead):
    staff = UserFactory(is_staff=True, is_superuser=True)
    member = MembershipFactory(project=project, role=Role.CONTRIBUTOR).user
    membership_remove(project=project, user=member, actor=lead)
    project_archive(project=project, actor=lead)
    project_restore(project=project, actor=staff)
    project_archive(project=project, actor=lead)
    entries = list(
        AuditEntry.objects.filter(project=project)
        .order_by("pk")
        .values_list("kind", "actor_id", "subject_id", "details")
    )
    assert entries == [
        (AuditKind.MEMBER_REMOVED, lead.pk, member.pk, {"before": "contributor"}),
        (AuditKind.PROJECT_ARCHIVED, lead.pk, None, {}),
        (AuditKind.PROJECT_RESTORED, staff.pk, None, {}),
        (AuditKind.PROJECT_ARCHIVED, lead.pk, None, {}),
    ]
    # Archived: only staff see the project now; a superuser reads its log.
    response = page_client(staff).get(url(project))
    assert kinds(response) == [
        "project_archived",
        "project_restored",
        "project_archived",
        "member_removed",
    ]
    assert page_client(lead).get(url(project)).status_code == 404


def test_a_role_set_again_unchanged_records_nothing(project, lead):
    member = UserFactory()
    membership_set(project=project, user=member, role=Role.CONTRIBUTOR, actor=lead)
    membership_set(project=project, user=member, role=Role.CONTRIBUTOR, actor=lead)
    membership_set(project=project, user=member, role=Role.CURATOR, actor=lead)
    details = list(
        AuditEntry.objects.filter(kind=AuditKind.MEMBER_ROLE)
        .order_by("pk")
        .values_list("details", flat=True)
    )
    assert details == [
        {"before": None, "after": "contributor"},
        {"before": "contributor", "after": "curator"},
    ]


# --- Filters and pages -------------------------------------------------------------------------


def test_filter_by_kind_and_person(project, lead, curator, history):
    client = page_client(lead)
    assert kinds(client.get(url(project), {"kind": "block"})) == ["unblock", "block"]
    assert kinds(client.get(url(project), {"kind": "batch"})) == [
        "batch_withdrawn",
        "batch_priority",
    ]
    assert kinds(client.get(url(project), {"kind": "known_answer"})) == ["known_promoted"]
    spammer = history["spammer"].username
    # Whom it concerned: the spammer was blocked, unblocked and voided.
    assert kinds(client.get(url(project), {"person": spammer})) == ["void", "unblock", "block"]
    # Who acted: the curator's decisions.
    by_curator = client.get(url(project), {"person": curator.username})
    assert kinds(by_curator) == ["reopen", "decision"]
    both = client.get(url(project), {"person": spammer, "kind": "void"})
    assert kinds(both) == ["void"]


def test_filter_by_dates(project, lead, history):
    client = page_client(lead)
    today = timezone.localdate()
    assert kinds(client.get(url(project), {"since": today.isoformat()})) == LEADS_ORDER
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert kinds(client.get(url(project), {"since": tomorrow})) == []
    yesterday = (today - timedelta(days=1)).isoformat()
    assert kinds(client.get(url(project), {"until": yesterday})) == []
    # The block is moved to last week: a range around it finds it alone.
    week_ago = timezone.now() - timedelta(days=7)
    ProjectBlock.objects.filter(project=project).update(created_at=week_ago)
    day = timezone.localdate(week_ago).isoformat()
    response = client.get(url(project), {"since": day, "until": day})
    assert kinds(response) == ["block"]


def test_pages(project, lead, history, monkeypatch):
    monkeypatch.setattr(people_views, "AUDIT_PER_PAGE", 4)
    client = page_client(lead)
    first = client.get(url(project), {"kind": ""})
    assert kinds(first) == LEADS_ORDER[:4]
    assert b'href="?kind=&amp;page=2"' in first.content
    assert kinds(client.get(url(project), {"page": "3"})) == LEADS_ORDER[8:]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"kind": "<script>x</script>"}, "Select a valid choice"),
        ({"since": "2024-13-45"}, "Enter a valid date"),
        ({"since": "yesterday"}, "Enter a valid date"),
        ({"until": "99999-01-01"}, "Enter a valid date"),
        ({"since": "1066-10-14"}, "Give a date from 2000-01-01 to 2999-12-31."),
        ({"until": "9999-12-31"}, "Give a date from 2000-01-01 to 2999-12-31."),
        ({"since": "2026-05-02", "until": "2026-05-01"}, "The end of the range comes before"),
        ({"person": "nobody-here"}, "No user named nobody-here."),
        ({"person": "ann\u202e"}, "Control characters are not allowed."),
    ],
)
def test_hostile_filters_are_refused_with_a_reason(project, lead, history, params, message):
    response = page_client(lead).get(url(project), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "<script>x</script>" not in html
    assert kinds(response) == []


@pytest.mark.parametrize("page", ["abc", "-5", "0", "100000000000000000000"])
def test_a_bad_page_number_shows_a_page(project, lead, history, page):
    response = page_client(lead).get(url(project), {"page": page})
    assert response.status_code == 200
    assert kinds(response)


def test_an_empty_log_says_so(project, lead):
    response = page_client(lead).get(url(project))
    assert response.status_code == 200
    assert b"data-audit-none" in response.content


def test_rows_of_another_project_never_show(project, lead, history):
    other = ProjectFactory()
    other_lead = MembershipFactory(project=other, role=Role.LEAD).user
    person = UserFactory()
    project_block(project=other, user=person, actor=other_lead, reason="Elsewhere.")
    assert kinds(page_client(lead).get(url(project))) == LEADS_ORDER
    assert kinds(page_client(other_lead).get(url(other))) == ["block"]
    assert ContributorVoid.objects.filter(project=project).count() == 1
    assert KnownAnswer.objects.filter(project=project).count() == 1
    assert Resolution.objects.count() == 2


def test_the_log_speaks_french(project, lead, history):
    client = page_client(lead)
    response = client.get(url(project), HTTP_ACCEPT_LANGUAGE="fr")
    html = response.content.decode()
    assert "Journal d’audit de" in html
    assert "Priorité d’un lot modifiée" in html
    assert "Décision sur une valeur" in html
    refused = client.get(url(project), {"since": "1066-10-14"}, HTTP_ACCEPT_LANGUAGE="fr")
    assert "Donnez une date du 2000-01-01 au 2999-12-31." in refused.content.decode()


def test_news_posted_corrected_and_deleted_are_recorded_with_their_titles(project, lead):
    news = news_publish(project=project, author=lead, title="Sortie botanique", body="Texte")
    news_update(actor=lead, news=news, title="Sortie botanique (reportée)", body="Texte")
    news_delete(actor=lead, news=news)
    entries = list(
        AuditEntry.objects.filter(project=project)
        .order_by("pk")
        .values_list("kind", "actor_id", "details")
    )
    assert entries == [
        (AuditKind.NEWS_PUBLISHED, lead.pk, {"title": "Sortie botanique"}),
        (
            AuditKind.NEWS_UPDATED,
            lead.pk,
            {"before": "Sortie botanique", "after": "Sortie botanique (reportée)"},
        ),
        (AuditKind.NEWS_DELETED, lead.pk, {"title": "Sortie botanique (reportée)"}),
    ]
    response = page_client(lead).get(url(project), {"kind": "news"})
    assert kinds(response) == ["news_deleted", "news_updated", "news_published"]
    # The deleted post is still named in the log.
    assert response.content.decode().count("Sortie botanique (reportée)") >= 2
    assert kinds(page_client(lead).get(url(project), {"kind": "member"})) == []
