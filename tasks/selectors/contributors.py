"""The leads' contributors page: everyone who worked in a project (or was blocked or voided
there), with their activity, agreement, known-answer record, level and weights, sorted and
filtered as the page asks.

Counts come from the database in one query per page (subqueries per person on indexed
columns). Agreement needs every settled value of the images a person transcribed: it is read
for the page's people only (`contributor_stats_fill`), except when the list is sorted by it,
which reads it for everyone, as the outliers list does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Lower

from crowd.models import User
from tasks.models import (
    ContributorReliability,
    ContributorVoid,
    KnownAnswerCheck,
    Membership,
    Project,
    ProjectBlock,
    Role,
    Transcription,
)
from tasks.roles import PROVEN_ROLES
from tasks.selectors.stats import contributor_stats_fill
from tasks.selectors.training import project_levels
from worker.training import Record, level_reached

# What the list may be sorted by (a leading "-": largest, latest or last first).
SORTS = ("transcriptions", "last_active", "name", "agreement", "accuracy")
DEFAULT_SORT = "-transcriptions"
# Who the list may be narrowed to.
STATES = ("active", "blocked", "voided")
SEARCH_MAX = 150


def _per_person(queryset: QuerySet[Any], aggregate: Any) -> Subquery:
    return Subquery(
        queryset.filter(user_id=OuterRef("pk"))
        .order_by()
        .values("user_id")
        .annotate(value=aggregate)
        .values("value")[:1]
    )


def contributors_listed(
    *, project: Project, sort: str = DEFAULT_SORT, state: str = "", search: str = ""
) -> QuerySet[User] | list[User]:
    """The people of `project`'s contributors page, annotated with their counts, sorted by
    `sort` (one of SORTS, "-" for descending) and narrowed by `state` (one of STATES, or "")
    and `search` (part of a user or display name). A query set, ready to paginate; a list when
    sorted by agreement (computed for everyone, see the module's docstring)."""
    transcriptions = Transcription.objects.filter(project=project)
    checks = KnownAnswerCheck.objects.filter(project=project)
    blind = checks.filter(practice=False)
    blocks = ProjectBlock.objects.filter(project=project)
    voids = ContributorVoid.objects.filter(project=project)
    people = User.objects.filter(
        Q(pk__in=transcriptions.values("user_id"))
        | Q(pk__in=checks.values("user_id"))
        | Q(pk__in=blocks.values("user_id"))
        | Q(pk__in=voids.values("user_id"))
    )
    last_transcription = _per_person(transcriptions, Max("created_at"))
    last_check = _per_person(checks, Max("created_at"))
    people = people.annotate(
        transcribed=Coalesce(
            _per_person(transcriptions, Count("id")), 0, output_field=IntegerField()
        ),
        last_transcription=last_transcription,
        last_check=last_check,
        known_images=Coalesce(_per_person(blind, Count("id")), 0, output_field=IntegerField()),
        known_compared=Coalesce(
            _per_person(blind, Sum("compared")), 0, output_field=IntegerField()
        ),
        known_matched=Coalesce(_per_person(blind, Sum("matched")), 0, output_field=IntegerField()),
        blocked=Exists(blocks.filter(user_id=OuterRef("pk"), lifted_at__isnull=True)),
        voided=Exists(voids.filter(user_id=OuterRef("pk"), lifted_at__isnull=True)),
        role=Subquery(
            Membership.objects.filter(project=project, user_id=OuterRef("pk")).values("role")[:1]
        ),
    ).annotate(
        # Either may be missing: GREATEST of the two, each standing in for the other.
        last_active=Greatest(
            Coalesce(F("last_transcription"), F("last_check")),
            Coalesce(F("last_check"), F("last_transcription")),
        ),
        known_accuracy=Case(
            When(known_compared__gt=0, then=F("known_matched") * 1.0 / F("known_compared")),
            default=Value(None),
            output_field=FloatField(),
        ),
    )
    if state == "blocked":
        people = people.filter(blocked=True)
    elif state == "voided":
        people = people.filter(voided=True)
    elif state == "active":
        people = people.filter(blocked=False, voided=False)
    search = search.strip()[:SEARCH_MAX]
    if search:
        people = people.filter(Q(username__icontains=search) | Q(display_name__icontains=search))
    descending = sort.startswith("-")
    key = sort.lstrip("-")
    if key not in SORTS:
        key, descending = DEFAULT_SORT.lstrip("-"), True
    if key == "agreement":
        return _by_agreement(project, list(people.order_by("pk")), descending=descending)
    columns: dict[str, F | Lower] = {
        "transcriptions": F("transcribed"),
        "last_active": F("last_active"),
        "name": Lower("username"),
        "accuracy": F("known_accuracy"),
    }
    column = columns[key]
    # The unmeasured (no activity, no known answer) come last either way.
    ordered = column.desc(nulls_last=True) if descending else column.asc(nulls_last=True)
    return people.order_by(ordered, "pk")


def _by_agreement(project: Project, people: list[User], *, descending: bool) -> list[User]:
    rows = contributor_stats_fill(
        project=project,
        rows=[
            {"user_id": person.pk, "transcriptions": 0, "last_active": None} for person in people
        ],
    )
    rates = {person.pk: row["agreement_rate"] for person, row in zip(people, rows, strict=True)}
    measured = [person for person in people if rates[person.pk] is not None]
    unmeasured = [person for person in people if rates[person.pk] is None]
    measured.sort(key=lambda person: (rates[person.pk], -person.pk), reverse=descending)
    return measured + unmeasured


def contributors_fill(*, project: Project, people: Iterable[User]) -> list[dict[str, Any]]:
    """What the page shows of each of a page of `contributors_listed`: agreement with the
    settled values, known-answer accuracy and level, and the weights the consensus learnt for
    them, per field type, only where it measured them (None otherwise: a reader never measured
    votes with the default weight, which is no measure of them)."""
    people = list(people)
    ids = [person.pk for person in people]
    stats = contributor_stats_fill(
        project=project,
        rows=[
            {
                "user_id": person.pk,
                "transcriptions": person.transcribed,  # type: ignore[attr-defined]
                "last_active": person.last_active,  # type: ignore[attr-defined]
            }
            for person in people
        ],
    )
    weights: dict[int, dict[str, float]] = defaultdict(dict)
    for user_id, field_type, weight in (
        ContributorReliability.objects.filter(project=project, user_id__in=ids, total__gt=0)
        .order_by("field_type")
        .values_list("user_id", "field_type", "weight")
    ):
        weights[user_id][field_type] = round(weight, 2)
    levels = project_levels(project)
    # Levels count practice and blind known answers together (tasks.selectors.training).
    records: dict[int, Record] = {}
    if levels:
        for user_id, images, compared, matched in (
            KnownAnswerCheck.objects.filter(project=project, user_id__in=ids)
            .order_by()
            .values("user_id")
            .annotate(images=Count("id"), compared=Sum("compared"), matched=Sum("matched"))
            .values_list("user_id", "images", "compared", "matched")
        ):
            records[user_id] = Record(images=images, compared=compared or 0, matched=matched or 0)
    rows = []
    for person, stat in zip(people, stats, strict=True):
        role = person.role  # type: ignore[attr-defined]
        level = None
        if levels:
            # Curators and leads set the answers: they are at every level.
            at_top = role in PROVEN_ROLES or person.is_superuser
            reached = level_reached(levels, records.get(person.pk, Record()))
            level = len(levels) + 1 if at_top else reached
        accuracy = person.known_accuracy  # type: ignore[attr-defined]
        rows.append(
            {
                **stat,
                "user_id": person.pk,
                "username": person.username,
                "display_name": person.public_name,
                "role": role,
                "role_label": str(Role(role).label) if role in Role.values else "",
                "known_images": person.known_images,  # type: ignore[attr-defined]
                "known_accuracy": round(accuracy, 3) if accuracy is not None else None,
                "level": level,
                "levels": len(levels) + 1 if levels else None,
                "weights": weights.get(person.pk, {}),
                "blocked": person.blocked,  # type: ignore[attr-defined]
                "voided": person.voided,  # type: ignore[attr-defined]
            }
        )
    return rows
