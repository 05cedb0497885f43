"""Recognition shown: rankings and public profiles list only who asked; the project page's order."""

from __future__ import annotations

import datetime
import io
import json
import zipfile

import pytest
from django.utils import timezone

from tasks.models import Badge, ProjectStatus, Transcription, Visibility
from tasks.selectors.recognition import project_ranking
from tasks.services.recognition import badges_award, recognition_rebuild
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client
from tests.tasks.recognition import (
    BASE,
    answered_image,  # noqa: F401 (the image fixture)
    ranked,
    recognition_project,  # noqa: F401 (the project fixture)
    tally,
)

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


# --- Rankings ---


def test_a_ranking_lists_only_volunteers_who_asked_and_counts_places_among_them(project):
    month = datetime.date(2025, 3, 1)
    first, hidden, second = ranked(UserFactory()), UserFactory(), ranked(UserFactory())
    first.display_name = "Jeanne Baret"
    first.save()
    tally(project, first, month, 30)
    tally(project, hidden, month, 20)
    tally(project, second, month, 10)
    rows = project_ranking(project=project)
    assert [(r["position"], r["user_id"], r["agreed"]) for r in rows] == [
        (1, first.pk, 30),
        (2, second.pk, 10),  # second, not third: the unlisted leave no gap
    ]
    page = page_client().get(f"/projects/{project.slug}/ranking/").content.decode()
    assert "Jeanne Baret" in page
    assert str(hidden.username) not in page
    # Listed under their display name only: the user name they sign in with never shows.
    assert second.username not in page
    assert "A volunteer without a display name" in page
    table = page.split("<table")[1].split("</table>")[0]
    assert "<td>20</td>" not in table
    assert "<td>30</td>" in table


def test_a_closed_account_leaves_rankings(project):
    person = ranked(UserFactory())
    tally(project, person, datetime.date(2025, 3, 1), 5)
    assert project_ranking(project=project)
    person.is_active = False
    person.save()
    assert project_ranking(project=project) == []


def test_a_monthly_ranking_counts_answers_in_the_month_they_were_given(project, image):
    a, b = ranked(UserFactory()), ranked(UserFactory())
    january = timezone.make_aware(datetime.datetime(2025, 1, 31, 23, 30))
    february = timezone.make_aware(datetime.datetime(2025, 2, 1, 0, 10))
    first = image([(a, BASE), (b, BASE)])
    second = image([(a, BASE), (b, BASE)])
    Transcription.objects.filter(task=first).update(created_at=january)
    Transcription.objects.filter(task=second, user=a).update(created_at=february)
    Transcription.objects.filter(task=second, user=b).update(created_at=january)
    recognition_rebuild(project=project)
    jan = {
        r["user_id"]: r["agreed"]
        for r in project_ranking(project=project, month=january.date().replace(day=1))
    }
    feb = {
        r["user_id"]: r["agreed"]
        for r in project_ranking(project=project, month=datetime.date(2025, 2, 1))
    }
    assert jan == {a.pk: 3, b.pk: 6}
    assert feb == {a.pk: 3}
    page = page_client().get(f"/projects/{project.slug}/ranking/", {"month": "2025-02"})
    assert page.status_code == 200
    assert "February 2025" in page.content.decode()


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("2025-13", "There is no such month."),
        ("March", "Write the month as year-month, for example 2025-03."),
        ("2025-3", "Write the month as year-month, for example 2025-03."),
    ],
)
def test_a_bad_month_is_answered_with_what_is_wrong(project, month, message):
    response = page_client().get(f"/projects/{project.slug}/ranking/", {"month": month})
    assert response.status_code == 400
    assert message in response.content.decode()


# --- Public profiles and opt-ins ---


def opt_in(user, **choices):
    client = page_client(user)
    response = client.post("/accounts/profile/recognition/", choices)
    assert response.status_code == 302, response.status_code
    user.refresh_from_db()
    return client


def test_the_profile_page_turns_rankings_and_the_public_profile_on_and_off(project):
    person = UserFactory()
    page = page_client(person).get("/accounts/profile/").content.decode()
    assert 'name="rank_me"' in page
    assert 'name="profile_public"' in page
    assert "checked" not in page.split("data-recognition-choices")[1].split("</form>")[0]
    opt_in(person, rank_me="on", profile_public="on")
    assert person.rank_me
    assert person.profile_public
    assert len(person.profile_handle) >= 12
    handle = person.profile_handle
    page = page_client(person).get("/accounts/profile/").content.decode()
    assert f"/people/{handle}/" in page
    opt_in(person)
    assert not person.rank_me
    assert not person.profile_public
    assert person.profile_handle == handle  # kept for the day it is turned on again
    assert page_client().get(f"/people/{handle}/").status_code == 404


def test_a_public_profile_shows_public_projects_grades_and_badges_and_nothing_private(
    image, project
):
    person, other = UserFactory(display_name="Jeanne Baret"), UserFactory()
    image([(person, BASE), (other, BASE)])
    private = ProjectFactory(
        slug="secret-sheets", title_en="Secret sheets", visibility=Visibility.MEMBERS
    )
    MembershipFactory(project=private, user=person)
    secret = TaskFactory(project=private)
    Transcription.objects.create(
        project=private, task=secret, user=person, values=BASE, idempotency_key="s"
    )
    badges_award(project=private, user_ids=[person.pk])
    assert Badge.objects.filter(project=private, user=person).exists()
    opt_in(person, profile_public="on")
    response = page_client().get(f"/people/{person.profile_handle}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Jeanne Baret" in page
    assert f'data-profile-project="{project.slug}"' in page
    assert "First transcription" in page
    assert "Grade 1 of 6" in page
    assert str(private.slug) not in page
    assert str(private.title_en) not in page
    assert str(person.email) not in page
    assert str(person.username) not in page
    # The same for a member of the private project: the page is the same for everyone.
    member = MembershipFactory(project=private).user
    assert (
        str(private.slug)
        not in page_client(member).get(f"/people/{person.profile_handle}/").content.decode()
    )


def test_a_profile_not_made_public_or_of_a_closed_account_is_not_found(project):
    person = UserFactory()
    opt_in(person, profile_public="on")
    handle = person.profile_handle
    person.is_active = False
    person.save()
    assert page_client().get(f"/people/{handle}/").status_code == 404
    assert page_client().get("/people/nobody-at-all/").status_code == 404
    never = UserFactory()
    assert page_client().get(f"/people/{never.pk}/").status_code == 404


def test_closing_the_account_leaves_rankings_and_the_public_profile_and_keeps_nothing_shown(
    project,
):
    from tests.factories import PASSWORD

    person = UserFactory()
    client = opt_in(person, rank_me="on", profile_public="on")
    handle = person.profile_handle
    tally(project, person, datetime.date(2025, 3, 1), 100)
    assert badges_award(project=project, user_ids=[person.pk])
    response = client.post("/accounts/close/", {"password": PASSWORD, "understood": "on"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert (person.rank_me, person.profile_public, person.profile_handle) == (False, False, None)
    assert page_client().get(f"/people/{handle}/").status_code == 404
    assert project_ranking(project=project) == []
    # The badges stay with the pseudonymous account, as its transcriptions do; nothing shows them.
    assert Badge.objects.filter(user=person).exists()


def test_my_data_holds_my_agreed_values_grades_and_badges(project, image):
    person, other = UserFactory(), UserFactory()
    image([(person, BASE), (other, BASE)])
    opt_in(person, rank_me="on")
    client = page_client(person)
    data = json.loads(body_of(client.get("/accounts/my-data.json")))
    assert data["account"]["rank_me"] is True
    [entry] = data["recognition"]
    assert entry["project"] == project.slug
    assert entry["agreed_values"] == 3
    assert entry["grade"] == 1
    assert [b["badge"] for b in entry["badges"]] == ["first_transcription"]
    archive = zipfile.ZipFile(io.BytesIO(body_of(client.get("/accounts/my-data-csv.zip"))))
    assert "first_transcription" in archive.read("badges.csv").decode("utf-8-sig")
    assert project.slug in archive.read("recognition.csv").decode("utf-8-sig")


# --- The project page ---


def test_the_project_page_reads_in_a_volunteer_s_order(project, image, lead):
    project.description_en = "Transcribe the labels of the 1898 sheets."
    project.save()
    lead.credit_me = True
    lead.save()
    volunteer, other = UserFactory(credit_me=True, display_name="Jeanne Baret"), UserFactory()
    image([(volunteer, BASE), (other, BASE)])
    page = page_client(volunteer).get(f"/projects/{project.slug}/").content.decode()
    order = [
        "data-transcribe-link",
        "data-standing",
        'id="about-heading"',
        'id="team-heading"',
        'id="credits-heading"',
        'id="progress-heading"',
    ]
    places = [page.index(marker) for marker in order]
    assert places == sorted(places), list(zip(order, places, strict=True))
    assert "Continue transcribing" in page
    assert "Jeanne Baret: 3 agreed values" in page
    assert 'data-grade="1"' in page
    assert "17 more agreed values to reach Reader" in page
    assert 'data-badge="first_transcription"' in page


def test_the_project_page_shows_no_standing_to_visitors(project):
    page = page_client().get(f"/projects/{project.slug}/").content.decode()
    assert "data-standing" not in page
    assert f"/projects/{project.slug}/ranking/" in page


def test_a_finished_project_still_shows_its_credits_and_ranking(project, image):
    volunteer, other = ranked(UserFactory(credit_me=True)), UserFactory()
    image([(volunteer, BASE), (other, BASE)])
    project.status = ProjectStatus.FINISHED
    project.save()
    page = page_client().get(f"/projects/{project.slug}/ranking/").content.decode()
    assert page.count("data-ranked") == 1


def test_leaving_the_ranking_takes_effect_at_once_though_the_sums_are_cached(project):
    person = ranked(UserFactory())
    tally(project, person, datetime.date(2025, 3, 1), 5)
    assert [row["user_id"] for row in project_ranking(project=project)] == [person.pk]
    opt_in(person)  # both choices off
    assert project_ranking(project=project) == []
