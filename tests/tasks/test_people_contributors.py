"""The leads' contributors page: who may open it, what it shows of each person (measured
figures only), its sorts, filters and pages in the address, and moderation from it.

Hostile query strings → 400 with the reason, or ignored where harmless; never a 500:
- sort=<script>, sort=-bogus, state=everyone-else → 400, "Select a valid choice"
- q with a control character or a bidirectional override → 400; q of 10,000 characters → 400
- page=abc, page=-1, page=0, page=99999999999999999999 → a page of the list (200)
Moderation's `next` → only an address of this page; anything else back to the settings.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tasks.models import (
    ContributorReliability,
    ContributorVoid,
    KnownAnswer,
    KnownAnswerCheck,
    ProjectBlock,
    Role,
    TaskState,
)
from tasks.views import people as people_views
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client

pytestmark = pytest.mark.django_db

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


def url(project, **params):
    return reverse("project-contributors", args=[project.slug])


def names(response):
    """The user names of the listed rows, in order."""
    import re

    return re.findall(r'data-contributor="([^"]+)"', response.content.decode())


@pytest.fixture
def crowd(project, transcribe):
    """Four readers: ann and bob agree on two images (complete); on a third, ann and dee agree
    and cy read the locality differently (complete, cy outvoted); ann also met a known-answer
    image."""
    project.redundancy_min, project.redundancy_max = 2, 3
    project.save()
    ann = UserFactory(username="ann", display_name="Ann Agnès")
    bob = UserFactory(username="bob")
    cy = UserFactory(username="cy")
    dee = UserFactory(username="dee")
    for _ in range(2):
        task = TaskFactory(project=project, target=2)
        transcribe(project, BASE, user=ann, task=task)
        transcribe(project, BASE, user=bob, task=task)
    task = TaskFactory(project=project, target=3)
    transcribe(project, BASE, user=ann, task=task)
    transcribe(project, {**BASE, "locality": "Lyon"}, user=cy, task=task)
    transcribe(project, BASE, user=dee, task=task)
    reference = TaskFactory(project=project, state=TaskState.REFERENCE)
    known = KnownAnswer.objects.create(task=reference, project=project, values=BASE)
    KnownAnswerCheck.objects.create(
        known_answer=known,
        project=project,
        task=reference,
        user=ann,
        values=BASE,
        outcome={},
        compared=4,
        matched=3,
        idempotency_key="k1",
    )
    return {"ann": ann, "bob": bob, "cy": cy, "dee": dee}


# --- Who may open it ---------------------------------------------------------------------------


def test_only_leads_open_the_contributors_page(project, lead, curator, contributor):
    assert page_client(lead).get(url(project)).status_code == 200
    for person in (curator, contributor, UserFactory()):
        assert page_client(person).get(url(project)).status_code == 403
    anonymous = page_client().get(url(project))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))


def test_a_members_only_project_is_not_found_by_outsiders():
    secret = ProjectFactory(visibility="members")
    MembershipFactory(project=secret, role=Role.LEAD)
    assert page_client(UserFactory()).get(url(secret)).status_code == 404
    lead_elsewhere = MembershipFactory(role=Role.LEAD).user
    assert page_client(lead_elsewhere).get(url(secret)).status_code == 404


def test_the_dashboard_links_to_it_for_leads_only(project, lead, curator):
    detail = reverse("project-detail", args=[project.slug])
    assert url(project).encode() in page_client(lead).get(detail).content
    assert url(project).encode() not in page_client(curator).get(detail).content


# --- What it shows ------------------------------------------------------------------------------


def test_each_person_with_activity_agreement_and_measured_figures(project, lead, crowd):
    ContributorReliability.objects.create(
        project=project, user=crowd["ann"], field_type="text", correct=9, total=10, weight=0.87
    )
    # A row of defaults (nothing learnt): the page must not pass it off as a measure.
    ContributorReliability.objects.create(
        project=project, user=crowd["bob"], field_type="text", correct=0, total=0, weight=1.0
    )
    response = page_client(lead).get(url(project))
    assert response.status_code == 200
    assert names(response) == ["ann", "bob", "cy", "dee"]  # most transcriptions first
    html = response.content.decode()
    ann = html.split('data-contributor="ann"')[1].split("</tr>")[0]
    assert "Ann Agnès" in ann
    assert ">3<" in ann  # transcriptions
    # Every field of the two complete images agreed with her: 1.00 of the settled values.
    assert "1.00 (" in ann
    assert "0.75 (1 image)" in ann  # known-answer accuracy: 3 of 4 fields
    assert "0.87" in ann  # her measured weight for text
    bob = html.split('data-contributor="bob"')[1].split("</tr>")[0]
    assert "1.00</td>" not in bob.split('data-cell="weight"')[1]  # the default is no measure
    assert 'aria-label="not measured"' in bob.split('data-cell="weight"')[1]
    cy = html.split('data-contributor="cy"')[1].split("</tr>")[0]
    # Outvoted on one of the ten settled values of the image; no known answer met.
    assert "0.90 (9 of 10)" in cy
    assert 'data-cell="accuracy"><span aria-label="not measured">' in cy
    assert 'data-cell="level"' not in html  # the project has no levels


def test_levels_are_shown_when_the_project_has_them(project, lead, crowd):
    project.levels = [{"answers": 1, "accuracy": 70}, {"answers": 5, "accuracy": 90}]
    project.save()
    html = page_client(lead).get(url(project)).content.decode()
    level = {
        name: html.split(f'data-contributor="{name}"')[1].split('data-cell="level"')[1][:30]
        for name in ("ann", "bob")
    }
    assert ">2 of 3<" in level["ann"]  # one known-answer image at 75 %
    assert ">1 of 3<" in level["bob"]


def test_blocked_and_voided_people_are_marked_and_listed_even_without_work(project, lead, crowd):
    quiet = UserFactory(username="quiet")
    ProjectBlock.objects.create(project=project, user=quiet, created_by=lead, reason="spam")
    ContributorVoid.objects.create(project=project, user=crowd["cy"], created_by=lead, reason="x")
    client = page_client(lead)
    html = client.get(url(project)).content.decode()
    assert 'data-contributor="quiet" data-blocked' in html
    # No work: nothing measured, and no figure passed off as one.
    quiet_row = html.split('data-contributor="quiet"')[1].split("</tr>")[0]
    assert 'data-cell="agreement"><span aria-label="not measured">' in quiet_row
    assert 'data-cell="transcriptions">0<' in quiet_row
    assert 'data-contributor="cy" data-voided' in html
    assert names(client.get(url(project), {"state": "blocked"})) == ["quiet"]
    assert names(client.get(url(project), {"state": "voided"})) == ["cy"]
    assert names(client.get(url(project), {"state": "active"})) == ["ann", "bob", "dee"]


def test_sorts_and_search_are_read_from_the_address(project, lead, crowd):
    client = page_client(lead)
    assert names(client.get(url(project), {"sort": "name"})) == ["ann", "bob", "cy", "dee"]
    assert names(client.get(url(project), {"sort": "-name"})) == ["dee", "cy", "bob", "ann"]
    by_count = names(client.get(url(project), {"sort": "transcriptions"}))
    assert by_count == ["cy", "dee", "bob", "ann"]
    # Agreement: cy was outvoted once, the others agree with everything settled.
    assert names(client.get(url(project), {"sort": "-agreement"}))[-1] == "cy"
    assert names(client.get(url(project), {"sort": "agreement"}))[0] == "cy"
    # Known-answer accuracy: only ann measured; the unmeasured come last either way.
    assert names(client.get(url(project), {"sort": "-accuracy"}))[0] == "ann"
    assert names(client.get(url(project), {"sort": "accuracy"}))[0] == "ann"
    assert names(client.get(url(project), {"q": "agnès"})) == ["ann"]
    assert names(client.get(url(project), {"q": "B"})) == ["bob"]
    # The current sort is said to assistive technology and flips on a second click.
    html = client.get(url(project), {"sort": "-last_active", "q": "a"}).content.decode()
    assert 'aria-sort="descending"><a href="?q=a&amp;sort=last_active"' in html


def test_pages_keep_the_filters(project, lead, crowd, monkeypatch):
    monkeypatch.setattr(people_views, "CONTRIBUTORS_PER_PAGE", 2)
    client = page_client(lead)
    first = client.get(url(project), {"sort": "name"})
    assert names(first) == ["ann", "bob"]
    assert b'href="?sort=name&amp;page=2"' in first.content
    assert names(client.get(url(project), {"sort": "name", "page": "2"})) == ["cy", "dee"]


@pytest.mark.parametrize(
    "params",
    [
        {"sort": "<script>alert(1)</script>"},
        {"sort": "-bogus"},
        {"state": "everyone-else"},
        {"q": "ann\u202e"},
        {"q": "a\x00b"},
        {"q": "x" * 10_000},
    ],
)
def test_hostile_filters_are_refused_with_a_reason(project, lead, crowd, params):
    response = page_client(lead).get(url(project), params)
    assert response.status_code == 400
    html = response.content.decode()
    assert "errorlist" in html
    assert "<script>alert(1)</script>" not in html
    assert names(response) == []


@pytest.mark.parametrize("page", ["abc", "-1", "0", "99999999999999999999", "1.5"])
def test_a_bad_page_number_shows_a_page(project, lead, crowd, page):
    response = page_client(lead).get(url(project), {"page": page})
    assert response.status_code == 200
    assert len(names(response)) == 4


# --- Moderation from the page --------------------------------------------------------------------


def test_a_lead_blocks_and_voids_from_the_page_and_comes_back_to_it(project, lead, crowd):
    client = page_client(lead)
    back = url(project) + "?sort=name"
    html = client.get(back).content.decode()
    bob = html.split('data-contributor="bob"')[1].split("</tr>")[0]
    assert f'action="{reverse("project-block", args=[project.slug])}"' in bob
    assert 'name="csrfmiddlewaretoken"' in bob
    response = client.post(
        reverse("project-block", args=[project.slug]),
        {"username": "bob", "reason": "Copies answers.", "next": back},
    )
    assert response.status_code == 302
    assert response["Location"] == back
    assert ProjectBlock.objects.filter(project=project, user=crowd["bob"], lifted_at=None).exists()
    html = client.get(back).content.decode()
    bob = html.split('data-contributor="bob"')[1].split("</tr>")[0]
    assert f'action="{reverse("project-unblock", args=[project.slug, "bob"])}"' in bob
    client.post(
        reverse("project-void", args=[project.slug]),
        {"username": "bob", "reason": "Made up.", "next": back},
    )
    assert ContributorVoid.objects.filter(project=project, user=crowd["bob"]).exists()
    response = client.post(
        reverse("project-unblock", args=[project.slug, "bob"]),
        {"reason": "Talked it over.", "next": back},
    )
    assert response["Location"] == back
    assert not ProjectBlock.objects.filter(project=project, lifted_at=None).exists()


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/projects/",
        "/projects/other/contributors/",
        "",
        "https://evil.example/projects/{slug}/contributors/",
        "/projects/{slug}/contributors/../../../evil",
    ],
)
def test_moderation_comes_back_only_to_this_page(project, lead, crowd, target):
    response = page_client(lead).post(
        reverse("project-block", args=[project.slug]),
        {"username": "cy", "reason": "Spam.", "next": target.format(slug=project.slug)},
    )
    assert response.status_code == 302
    assert response["Location"] == (
        reverse("project-settings", args=[project.slug]) + "#moderation-heading"
    )


def test_leads_and_oneself_get_no_moderation_form(project, lead, crowd):
    other_lead = MembershipFactory(project=project, role=Role.LEAD).user
    ProjectBlock.objects.create(project=project, user=other_lead, created_by=lead, reason="x")
    html = page_client(lead).get(url(project)).content.decode()
    row = html.split(f'data-contributor="{other_lead.username}"')[1].split("</tr>")[0]
    assert "<details" not in row
    ann = html.split('data-contributor="ann"')[1].split("</tr>")[0]
    assert "<details" in ann


def test_curators_cannot_moderate_through_the_page_forms(project, curator, crowd):
    response = page_client(curator).post(
        reverse("project-block", args=[project.slug]),
        {"username": "cy", "reason": "Spam.", "next": url(project)},
    )
    assert response.status_code == 403
    assert not ProjectBlock.objects.exists()


def test_the_page_speaks_french(project, lead, crowd):
    html = page_client(lead).get(url(project), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Contributeurs de" in html
    assert "Accord avec le consensus" in html
    assert "(9 sur 10)" in html
    assert "Modérer cy" in html
