"""Recognition earned: agreed values (not raw answers) make grades; badges come once, dated."""

from __future__ import annotations

import datetime
from datetime import timedelta

import pytest
from django.utils import timezone

from tasks.models import AnswerTally, Badge, FieldResult, Lease, LeaseKind, Transcription
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
from tests.factories import UserFactory
from tests.tasks.recognition import (
    BASE,
    answered_image,  # noqa: F401 (the image fixture)
    ranked,
    recognition_project,  # noqa: F401 (the project fixture)
    tally,
)
from tests.tasks.training import EXPERT, known_image

pytestmark = pytest.mark.django_db

CARELESS = {"scientificName": "Quercus", "country": "Spain", "locality": "Paris"}


def badges(user, project):
    return set(Badge.objects.filter(user=user, project=project).values_list("kind", "detail"))


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
