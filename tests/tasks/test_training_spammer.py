"""Known-answer images in the real stream: a spammer driving the API is down-weighted within the
figure the training benchmark prints, and the images come at the stated rates."""

from __future__ import annotations

import random
import string
from collections import Counter

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from tasks.models import (
    ContributorReliability,
    KnownAnswer,
    KnownAnswerCheck,
    KnownAnswerUse,
    Lease,
    LeaseKind,
    LeaseState,
    Task,
    TaskState,
)
from tasks.services.known_answer_import import known_answers_import
from tasks.services.lease_upkeep import lease_release
from tasks.services.leases import lease_grant
from tests.factories import TaskFactory, UserFactory
from tests.helpers import api_client
from worker.consensus.reliability import KNOWN, ReliabilityModel, Tally, reliability_weight

pytestmark = pytest.mark.django_db

# `python -m bench.training` (2026-12-04, defaults): on the herbarium template, with known
# answers at the default rates, the 90th percentile of the answers (real and known-answer
# images) a spammer gives until every field type weighs under 0.2.
SPAMMER_ANSWERS = 12
SPAMMER_BAR = 0.2

# What the experts read on the known-answer images: every field filled, so a spammer who
# fills every field with noise is wrong on each.
KNOWN_ROWS = [
    {
        "scientificName": f"Quercus ilex L. var. {n}",
        "recordedBy": "H. Coste",
        "recordNumber": str(100 + n),
        "eventDate": f"1898-06-{n + 1:02d}",
        "country": "France",
        "stateProvince": "Aveyron",
        "locality": f"Causse de Saint-Affrique, lieu {n}",
        "habitat": "Pelouses calcaires",
        "minimumElevationInMeters": str(600 + 10 * n),
        "coordinates": f"44.{n:02d}12,2.8765",
    }
    for n in range(SPAMMER_ANSWERS)
]


@pytest.fixture(autouse=True)
def _unthrottled(monkeypatch):
    """Scripts here send more next-task calls a minute than a person would (the per-account
    limits are tested on their own); the fixed windows start empty."""
    rates = dict(SimpleRateThrottle.THROTTLE_RATES, next_task=None, submit=None)
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield
    cache.clear()


def known_tasks(project, lead, rows):
    """Images made known answers from an expert's CSV; their true values by task id."""
    tasks = TaskFactory.create_batch(len(rows), project=project)
    keys = list(rows[0])
    lines = [",".join(["task", *keys])]
    for task, row in zip(tasks, rows, strict=True):
        lines.append(",".join([str(task.pk), *(f'"{row[key]}"' for key in keys)]))
    data = "\n".join(lines).encode()
    known_answers_import(project=project, data=data, use=KnownAnswerUse.KNOWN, actor=lead)
    return {task.pk: row for task, row in zip(tasks, rows, strict=True)}


def known_images_needed(specs) -> int:
    """Known-answer images a contributor wrong on every field needs until each field type of
    the template weighs under the bar (each compared field counts as KNOWN)."""
    per_type = Counter(spec.type for spec in specs)
    evidence = ReliabilityModel().source_weight(KNOWN)
    for images in range(1, 100):
        if all(
            reliability_weight(Tally(0, evidence * fields * images)) < SPAMMER_BAR
            for fields in per_type.values()
        ):
            return images
    raise AssertionError("the bar is never reached")


def spam(template, rng: random.Random) -> dict[str, str]:
    """What a spammer sends: values the form accepts, typed at random."""
    values = {}
    for spec in template["fields"]:
        if spec["type"] == "select":
            values[spec["key"]] = rng.choice(spec["vocabulary"])["value"]
        elif spec["type"] == "date":
            values[spec["key"]] = f"{rng.randint(1700, 2000)}-{rng.randint(1, 12):02d}-01"
        elif spec["type"] == "number":
            values[spec["key"]] = str(rng.randint(0, 99))
        elif spec["type"] == "geopoint":
            values[spec["key"]] = f"{rng.uniform(-60, -10):.4f},{rng.uniform(100, 150):.4f}"
        else:
            values[spec["key"]] = "".join(rng.choices(string.ascii_lowercase, k=8))
    return values


def answer_over_api(api, project, values_for) -> tuple[int, dict]:
    """Ask for the next image and submit `values_for(task id, template)` on it."""
    response = api.post(f"/api/projects/{project.slug}/next-task/")
    assert response.status_code == 200, response.content
    body = response.json()
    task = body["task"]["id"]
    sent = api.post(
        f"/api/tasks/{task}/transcriptions/",
        {
            "lease": body["lease"]["id"],
            "values": values_for(task, body["template"]),
            "markers": {},
            "idempotency_key": f"answer-{task}",
        },
        format="json",
    )
    assert sent.status_code == 201, sent.content
    return task, sent.json()


def test_a_spammer_driving_the_api_weighs_under_0_2_within_the_benchmarks_figure(
    project, lead, settings
):
    specs = project.template.specs
    needed = known_images_needed(specs)
    # The rate is set so that the platform's guarantee alone (a known-answer image at the latest
    # once 2 x KNOWN_ANSWER_EVERY_NEW real images went by without one) brings `needed` of them
    # within the benchmark's figure, whatever the random draws.
    every = max(e for e in range(1, 50) if needed * (2 * e + 1) <= SPAMMER_ANSWERS)
    settings.KNOWN_ANSWER_EVERY_NEW = every
    truths = known_tasks(project, lead, KNOWN_ROWS)
    real = TaskFactory.create_batch(2 * SPAMMER_ANSWERS, project=project)
    for task in real:
        truths[task.pk] = {**KNOWN_ROWS[0], "recordNumber": f"r{task.pk}"}
    random.seed(20261204)
    rng = random.Random(7)  # noqa: S311 (a spammer's noise, not a secret)
    spammer, honest = UserFactory(), UserFactory()
    spammer_api, honest_api = api_client(spammer), api_client(honest)

    def by_type(user):
        return dict(
            ContributorReliability.objects.filter(project=project, user=user).values_list(
                "field_type", "weight"
            )
        )

    for _answer in range(SPAMMER_ANSWERS):
        answer_over_api(spammer_api, project, lambda _task, template: spam(template, rng))
        answer_over_api(honest_api, project, lambda task, _template: dict(truths[task]))

    met = KnownAnswerCheck.objects.filter(user=spammer).count()
    assert met >= needed
    weights = by_type(spammer)
    assert set(weights) == {spec.type for spec in specs}
    assert max(weights.values()) < SPAMMER_BAR, weights
    honest_weights = by_type(honest)
    assert honest_weights
    assert min(honest_weights.values()) >= 1.0, honest_weights


def test_the_blind_known_answer_image_looks_like_any_other_until_submitted(project, lead, settings):
    settings.KNOWN_ANSWER_EVERY_NEW = 1  # the first image is the known-answer one
    known = known_tasks(project, lead, KNOWN_ROWS[:1])
    TaskFactory(project=project)
    api = api_client(UserFactory())
    bodies = []
    for _ in range(2):
        response = api.post(f"/api/projects/{project.slug}/next-task/")
        body = response.json()
        bodies.append(body)
        api.post(f"/api/leases/{body['lease']['id']}/release/", {}, format="json")
    # One of each, with the same keys: nothing tells the known-answer one apart.
    assert {body["task"]["id"] in known for body in bodies} == {True, False}
    assert len({frozenset(body["task"]) for body in bodies}) == 1
    assert len({frozenset(body["lease"]) for body in bodies}) == 1


def known_share(project, user, grants: int) -> float:
    """Of `grants` next-task calls (each image skipped at once), the share on known answers."""
    known = 0
    for _ in range(grants):
        lease = lease_grant(project=project, user=user)
        assert lease is not None
        known += lease.kind == LeaseKind.KNOWN
        lease_release(lease_id=lease.pk, user=user)
    return known / grants


@pytest.fixture
def stream(project, lead):
    """60 known-answer images and 400 real ones."""
    rows = [dict(KNOWN_ROWS[n % len(KNOWN_ROWS)], recordNumber=f"k{n}") for n in range(60)]
    known = known_tasks(project, lead, rows)
    Task.objects.bulk_create(
        Task(project=project, state=TaskState.OPEN, original_name=f"real-{n}.jpg")
        for n in range(400)
    )
    return known


def test_a_new_account_meets_a_known_answer_image_about_one_time_in_five(project, stream):
    random.seed(11)
    share = known_share(project, UserFactory(), 150)
    # 1 in 5 (KNOWN_ANSWER_EVERY_NEW): binomial(150, 0.2) has a mean of 30 and a deviation of
    # 4.9; the seed is fixed, and the bounds are 2.4 deviations either side.
    assert 18 / 150 <= share <= 42 / 150, share


def test_an_account_with_a_long_good_record_meets_one_about_one_time_in_fifty(
    project, stream, settings
):
    user = UserFactory()
    for known in KnownAnswer.objects.filter(project=project).order_by("pk")[:30]:
        lease = Lease.objects.create(
            task=known.task,
            user=user,
            kind=LeaseKind.KNOWN,
            state=LeaseState.SUBMITTED,
            expires_at=timezone.now(),
        )
        KnownAnswerCheck.objects.create(
            known_answer=known,
            project=project,
            task=known.task,
            user=user,
            lease=lease,
            values=known.values,
            outcome={key: {"type": "text", "match": True} for key in known.values},
            compared=len(known.values),
            matched=len(known.values),
            idempotency_key=f"history-{known.pk}",
        )
    assert settings.KNOWN_ANSWER_TRUSTED_AFTER <= 30
    random.seed(12)
    share = known_share(project, user, 300)
    # 1 in 50 (KNOWN_ANSWER_EVERY_TRUSTED) after 20 good ones: binomial(300, 0.02) has a mean
    # of 6 and a deviation of 2.4 (skipped images are not answers: the guarantee never fires).
    assert 1 / 300 <= share <= 16 / 300, share
