"""Recognition: agreed values (not raw answers) make grades and rankings, badges are awarded
once with their date, rankings and public profiles list only who asked, and the project page
reads in a volunteer's order."""

from __future__ import annotations

import datetime
import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.models import (
    AnswerTally,
    Badge,
    FieldResult,
    Lease,
    LeaseKind,
    ProjectStatus,
    Task,
    TaskState,
    Transcription,
    Visibility,
)
from tasks.selectors.recognition import agreed_values, project_ranking
from tasks.services.known_answers import check_submit
from tasks.services.moderation import contributor_void
from tasks.services.recognition import (
    answer_tallies_refresh,
    badges_award,
    recognition_rebuild,
)
from tasks.services.reconcile import task_reconcile
from tasks.services.review import field_result_resolve
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client
from tests.tasks.training import EXPERT, known_image

pytestmark = pytest.mark.django_db

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}
CARELESS = {"scientificName": "Quercus", "country": "Spain", "locality": "Paris"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=3)


@pytest.fixture
def image(project, transcribe):
    """`image(answers)`: a new image of `project` answered by each (user, values) in turn."""

    def make(answers):
        task = TaskFactory(project=project, target=2)
        for user, values in answers:
            transcribe(project, values, user=user, task=task)
        return Task.objects.get(pk=task.pk)

    return make


def body_of(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def badges(user, project):
    return set(Badge.objects.filter(user=user, project=project).values_list("kind", "detail"))


def ranked(user):
    user.rank_me = True
    user.save(update_fields=["rank_me"])
    return user


def tally(project, user, month, agreed, kept=0):
    """A tally row as a reconciliation would write it, on a settled image of its own."""
    task = TaskFactory(project=project, state=TaskState.COMPLETE)
    return AnswerTally.objects.create(
        project=project, task=task, user=user, month=month, agreed=agreed, kept=kept
    )


# --- Agreed values and grades ---


def test_only_answers_matching_the_settled_value_count_not_raw_submissions(project, image):
    careful, careless, other, third = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    for _ in range(2):
        image([(careful, BASE), (other, BASE)])
    for _ in range(4):
        # The careless reader disagrees; a third reader settles the image with the other one.
        image([(careless, CARELESS), (other, BASE), (third, BASE)])
    assert Transcription.objects.filter(user=careless).count() == 4
    assert Transcription.objects.filter(user=careful).count() == 2
    assert agreed_values(project=project, user_id=careful.pk) == 6  # 3 agreed fields, twice
    assert agreed_values(project=project, user_id=careless.pk) == 0
    # The fast careless volunteer ranks below the careful one, though they sent twice as much.
    ranked(careful), ranked(careless), ranked(other)
    names = [row["user_id"] for row in project_ranking(project=project)]
    assert names.index(careful.pk) < names.index(other.pk) or careful.pk in names
    assert careless.pk not in names  # nothing agreed: not above anyone


def test_blank_fields_earn_nothing(project, image):
    a, b = UserFactory(), UserFactory()
    image([(a, {"scientificName": "Quercus ilex L."}), (b, {"scientificName": "Quercus ilex L."})])
    assert FieldResult.objects.filter(status="blank").exists()
    assert agreed_values(project=project, user_id=a.pk) == 1


def test_a_curator_s_decision_counts_the_answer_it_kept_and_not_the_other(project, image, curator):
    project.redundancy_max = 2
    project.save()
    right, wrong = UserFactory(), UserFactory()
    task = image([(right, BASE), (wrong, {**BASE, "locality": "Lyon"})])
    assert agreed_values(project=project, user_id=right.pk) == 2
    field_result_resolve(
        field_result_id=FieldResult.objects.get(task=task, key="locality").pk,
        curator=curator,
        decision="accept",
        value="Grenoble",
    )
    assert agreed_values(project=project, user_id=right.pk) == 3
    assert agreed_values(project=project, user_id=wrong.pk) == 2
    assert AnswerTally.objects.get(user=right, task=task).kept == 1
    assert (("kept_by_curator", "") in badges(right, project)) is True
    assert ("kept_by_curator", "") not in badges(wrong, project)


def test_a_voided_answer_loses_what_it_earned(
    project, image, lead, django_capture_on_commit_callbacks
):
    a, b = UserFactory(), UserFactory()
    image([(a, BASE), (b, BASE)])
    assert agreed_values(project=project, user_id=b.pk) == 3
    with django_capture_on_commit_callbacks(execute=True):
        contributor_void(project=project, user=b, actor=lead, reason="Typed at random")
    assert agreed_values(project=project, user_id=b.pk) == 0


def test_refreshing_tallies_twice_changes_nothing(project, image):
    a, b = UserFactory(), UserFactory()
    task = image([(a, BASE), (b, BASE)])
    before = list(AnswerTally.objects.order_by("pk").values())
    answer_tallies_refresh(task=task)
    task_reconcile(task_id=task.pk)
    assert list(AnswerTally.objects.order_by("pk").values()) == before


def test_the_rebuild_writes_tallies_and_badges_for_answers_given_before_them(project, image):
    a, b = UserFactory(), UserFactory()
    image([(a, BASE), (b, BASE)])
    AnswerTally.objects.all().delete()
    Badge.objects.all().delete()
    recognition_rebuild(project=project)
    assert agreed_values(project=project, user_id=a.pk) == 3
    assert ("first_transcription", "") in badges(a, project)
    recognition_rebuild(project=project)
    assert AnswerTally.objects.filter(user=a).count() == 1
    assert Badge.objects.filter(user=a).count() == 1


# --- Badges ---


def test_the_first_transcription_earns_a_badge_once_with_its_date(project, image):
    a, b = UserFactory(), UserFactory()
    task = image([(a, BASE), (b, BASE)])
    badge = Badge.objects.get(user=a, project=project, kind="first_transcription")
    assert timezone.now() - badge.earned_at < timedelta(minutes=5)
    task_reconcile(task_id=task.pk)
    image([(a, BASE), (b, BASE)])
    assert Badge.objects.filter(user=a, project=project).count() == 1
    assert Badge.objects.get(pk=badge.pk).earned_at == badge.earned_at


def test_100_and_1000_agreed_values_earn_their_badges(project):
    volunteer = UserFactory()
    month = datetime.date(2025, 3, 1)
    tally(project, volunteer, month, 99)
    assert badges_award(project=project, user_ids=[volunteer.pk]) == []
    tally(project, volunteer, month, 1)
    assert [b.kind for b in badges_award(project=project, user_ids=[volunteer.pk])] == [
        "agreed_100"
    ]
    tally(project, volunteer, month, 900)
    awarded = badges_award(project=project, user_ids=[volunteer.pk])
    assert [b.kind for b in awarded] == ["agreed_1000"]
    assert badges_award(project=project, user_ids=[volunteer.pk]) == []
    assert badges(volunteer, project) == {("agreed_100", ""), ("agreed_1000", "")}


def test_the_reconciliation_that_brings_a_volunteer_to_100_agreed_values_awards_the_badge(
    project, image
):
    """Through a reconciliation, which reads the image's tallies and its volunteers' badges
    with the rest of what it decides on: the volunteer whose tally changed is summed and
    rewarded; one whose tally did not change is not summed again."""
    near, other = UserFactory(), UserFactory()
    tally(project, near, datetime.date(2025, 3, 1), 97)
    task = image([(near, BASE), (other, BASE)])  # three fields agreed: 100
    assert ("agreed_100", "") in badges(near, project)
    assert ("agreed_100", "") not in badges(other, project)
    # Reached by a tally written behind the reconciliations' back, the badge waits for the
    # volunteer's next changed tally (`recognition_rebuild` awards such cases at once).
    tally(project, other, datetime.date(2025, 3, 1), 200)
    task_reconcile(task_id=task.pk)
    assert ("agreed_100", "") not in badges(other, project)
    image([(other, BASE), (near, BASE)])
    assert ("agreed_100", "") in badges(other, project)


def test_agreed_values_in_three_months_earn_the_faithful_badge(project):
    volunteer = UserFactory()
    for month in (1, 2):
        tally(project, volunteer, datetime.date(2025, month, 1), 1)
    badges_award(project=project, user_ids=[volunteer.pk])
    assert ("three_months", "") not in badges(volunteer, project)
    tally(project, volunteer, datetime.date(2025, 5, 1), 1)
    badges_award(project=project, user_ids=[volunteer.pk])
    assert ("three_months", "") in badges(volunteer, project)


def test_a_field_type_is_mastered_through_blind_known_answers_only(project):
    volunteer = UserFactory()

    def answer(known, values, *, practice=False):
        lease = Lease.objects.create(
            task=known.task,
            user=volunteer,
            kind=LeaseKind.PRACTICE if practice else LeaseKind.KNOWN,
            expires_at=timezone.now() + timedelta(hours=1),
        )
        check_submit(
            task_id=known.task_id,
            user=volunteer,
            lease_id=lease.pk,
            values=values,
            markers={},
            key=f"k{lease.pk}",
        )

    # Ten practice images all right: practice shows the answers, it masters nothing.
    for _ in range(10):
        answer(known_image(project, use="practice"), EXPERT, practice=True)
    assert badges(volunteer, project) == set()
    # Nine blind ones right on the date, one wrong: 90 %, at the bar.
    for n in range(10):
        answer(known_image(project), EXPERT if n else {**EXPERT, "eventDate": "1901"})
    assert ("field_type_mastered", "date") in badges(volunteer, project)


def test_a_field_type_below_the_accuracy_bar_is_not_mastered(project):
    volunteer = UserFactory()
    for n in range(10):
        known = known_image(project)
        lease = Lease.objects.create(
            task=known.task,
            user=volunteer,
            kind=LeaseKind.KNOWN,
            expires_at=timezone.now() + timedelta(hours=1),
        )
        check_submit(
            task_id=known.task_id,
            user=volunteer,
            lease_id=lease.pk,
            values=EXPERT if n > 1 else {**EXPERT, "eventDate": "1901"},
            markers={},
            key=f"k{n}",
        )
    assert ("field_type_mastered", "date") not in badges(volunteer, project)  # 80 %


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
