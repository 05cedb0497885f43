"""Recognition reads: a volunteer's grade, badges and progress in a project, the project's
opt-in rankings (all time and per month), and public profiles.

Nobody is listed who did not ask to be (`rank_me` for rankings, `profile_public` for the
profile), closed accounts never are, and a ranking's positions are counted among the listed
only, so that the place of someone unlisted cannot be inferred from a gap. Sums read
`AnswerTally` through its covering indexes (see the README for the measured cost)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, Sum
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from crowd.models import User
from crowd.users import AnyUser
from tasks.models import AnswerTally, Badge, BadgeKind, Project, Transcription
from tasks.models.discussion import FlagKind, FlagState, ImageFlag
from tasks.roles import projects_visible_to
from worker.recognition import GRADE_THRESHOLDS, MASTERY_ACCURACY, MASTERY_COMPARED, grade_of

# Grade names, from the first to the last of GRADE_THRESHOLDS. Grades are not the training
# levels (tasks.selectors.training): they gate nothing.
GRADE_NAMES: tuple[Promise, ...] = (
    pgettext_lazy("grade", "Newcomer"),
    pgettext_lazy("grade", "Reader"),
    pgettext_lazy("grade", "Decipherer"),
    pgettext_lazy("grade", "Transcriber"),
    pgettext_lazy("grade", "Expert"),
    pgettext_lazy("grade", "Virtuoso"),
)
assert len(GRADE_NAMES) == len(GRADE_THRESHOLDS)

FIELD_TYPE_NAMES: dict[str, Promise] = {
    "text": pgettext_lazy("field type", "texts"),
    "select": pgettext_lazy("field type", "lists of values"),
    "number": pgettext_lazy("field type", "numbers"),
    "date": pgettext_lazy("field type", "dates"),
    "geopoint": pgettext_lazy("field type", "coordinates"),
}

BADGE_WHY: dict[str, Promise] = {
    BadgeKind.FIRST_TRANSCRIPTION: gettext_lazy("Sent a first transcription."),
    BadgeKind.AGREED_100: gettext_lazy("100 values agreed with the settled ones."),
    BadgeKind.AGREED_1000: gettext_lazy("1,000 values agreed with the settled ones."),
    BadgeKind.FIELD_TYPE_MASTERED: gettext_lazy(
        "At least %(compared)s fields of this type on known-answer images, %(accuracy)s%% right."
    ),
    BadgeKind.KEPT_BY_CURATOR: gettext_lazy(
        "A curator settled a disputed value on this volunteer's reading."
    ),
    BadgeKind.FLAG_CONFIRMED: gettext_lazy("Flagged an image a curator confirmed interesting."),
    BadgeKind.THREE_MONTHS: gettext_lazy("Agreed values in three different months."),
}

# How many volunteers a ranking lists.
RANKING_SHOWN = 50


def recognition_name(user: User) -> str:
    """The name rankings and public profiles show: the display name the person chose, never
    the user name they sign in with (the opt-in form promises it; a public page listing login
    names would hand half of each credential to anyone)."""
    return user.display_name or str(_NAMELESS)


_NAMELESS = pgettext_lazy("ranking", "A volunteer without a display name")


def flags_confirmed_counts(*, project: Project, user_ids: Iterable[int]) -> dict[int, int]:
    """Per volunteer, images they flagged "interesting" that a curator confirmed."""
    rows = (
        ImageFlag.objects.filter(
            project=project,
            user_id__in=list(user_ids),
            kind=FlagKind.INTERESTING,
            state=FlagState.CONFIRMED,
        )
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values_list("user_id", "n")
    )
    return dict(rows)


def agreed_values(*, project: Project, user_id: int) -> int:
    total = AnswerTally.objects.filter(project=project, user_id=user_id).aggregate(n=Sum("agreed"))[
        "n"
    ]
    return int(total or 0)


@dataclass(frozen=True)
class BadgeShown:
    kind: str
    name: str
    why: str
    earned_at: datetime
    project: Project | None = None


def _badge_shown(badge: Badge, project: Project | None = None) -> BadgeShown:
    name = str(BadgeKind(badge.kind).label) if badge.kind in BadgeKind.values else badge.kind
    why = str(BADGE_WHY.get(badge.kind, ""))
    if badge.kind == BadgeKind.FIELD_TYPE_MASTERED:
        kind_name = FIELD_TYPE_NAMES.get(badge.detail, badge.detail)
        name = _("Master of %(type)s") % {"type": kind_name}
        why = why % {"compared": MASTERY_COMPARED, "accuracy": int(MASTERY_ACCURACY * 100)}
    return BadgeShown(badge.kind, name, why, badge.earned_at, project)


def badges_of(*, project: Project, user_id: int) -> list[BadgeShown]:
    """A volunteer's badges in a project, in the order earned."""
    badges = Badge.objects.filter(project=project, user_id=user_id).order_by("earned_at", "kind")
    return [_badge_shown(badge) for badge in badges]


def grade_shown(agreed: int) -> dict[str, Any]:
    progress = grade_of(agreed)
    return {
        "grade": progress.grade,
        "grades": len(GRADE_THRESHOLDS),
        "name": str(GRADE_NAMES[progress.grade - 1]),
        "agreed": progress.agreed,
        "next_grade": progress.next_grade,
        "next_name": str(GRADE_NAMES[progress.next_grade - 1]) if progress.next_grade else "",
        "next_at": progress.next_at,
        "missing": progress.missing,
        "percent": progress.percent,
    }


def volunteer_standing(*, project: Project, user: AnyUser) -> dict[str, Any] | None:
    """What the project page shows a signed-in volunteer of their own recognition: grade and
    progress to the next, badges, and whether they are listed in rankings. None for nobody."""
    if not user.is_authenticated:
        return None
    return {
        **grade_shown(agreed_values(project=project, user_id=user.pk)),
        "badges": badges_of(project=project, user_id=user.pk),
        "ranked": user.rank_me,
    }


# The all-time sums per volunteer and the months of a project are read from the cache for this
# long: at 100,000 images each takes 0.1-0.2 s of PostgreSQL (bench/recognition.py). Who is
# listed is never cached: a person who leaves rankings or credits leaves them at once.
TOTALS_SECONDS = 60
MONTHS_SECONDS = 600


def ranking_months(*, project: Project, limit: int = 24) -> list[date]:
    """The months with agreed values in `project`, latest first."""

    def read() -> list[date]:
        months = (
            AnswerTally.objects.filter(project=project)
            .order_by("-month")
            .values_list("month", flat=True)
            .distinct()[:limit]
        )
        return list(months)

    months = cache.get_or_set(f"recognition:months:{project.pk}:{limit}", read, MONTHS_SECONDS)
    return list(months or [])


def _totals(project: Project, month: date | None) -> list[tuple[int, int]]:
    """(user id, agreed values) of everyone with any, most first: all time (cached), or in
    `month` (a month's rows only: read each time)."""

    def read() -> list[tuple[int, int]]:
        tallies = AnswerTally.objects.filter(project=project)
        if month is not None:
            tallies = tallies.filter(month=month)
        return [
            (user_id, int(total))
            for user_id, total in tallies.order_by()
            .values("user_id")
            .annotate(total=Sum("agreed"))
            .order_by("-total", "user_id")
            .values_list("user_id", "total")
            if total
        ]

    if month is not None:
        return read()
    totals = cache.get_or_set(f"recognition:totals:{project.pk}", read, TOTALS_SECONDS)
    return [(int(user_id), int(total)) for user_id, total in totals or []]


def _listed(totals: list[tuple[int, int]], choice: str, limit: int) -> list[tuple[User, int]]:
    """The first `limit` of `totals` whose account is active and made `choice` (a User
    boolean field), read fresh, a few hundred at a time."""
    found: list[tuple[User, int]] = []
    for start in range(0, len(totals), 500):
        chunk = totals[start : start + 500]
        people = User.objects.filter(
            pk__in=[user_id for user_id, _total in chunk], is_active=True, **{choice: True}
        ).only("username", "display_name", "profile_public", "profile_handle")
        by_id = {person.pk: person for person in people}
        for user_id, total in chunk:
            if user_id in by_id:
                found.append((by_id[user_id], total))
                if len(found) == limit:
                    return found
    return found


def project_ranking(
    *, project: Project, month: date | None = None, limit: int = RANKING_SHOWN
) -> list[dict[str, Any]]:
    """The volunteers of `project` who asked to be ranked, by agreed values (in `month`, the
    first day of a month, or in all), most first; ties share a position. Positions count the
    listed only."""
    ranking = []
    position, previous = 0, None
    listed = _listed(_totals(project, month), "rank_me", limit)
    for index, (user, total) in enumerate(listed, start=1):
        if total != previous:
            position, previous = index, total
        ranking.append(
            {
                "position": position,
                "name": recognition_name(user),
                "agreed": total,
                "profile": user.profile_handle if user.profile_public else None,
                "user_id": user.pk,
            }
        )
    return ranking


def project_credited(*, project: Project, limit: int) -> list[tuple[str, int]]:
    """The volunteers who asked to be credited (`credit_me`), with their agreed values in the
    project, the most first; closed accounts never appear."""
    return [
        (user.public_name, total)
        for user, total in _listed(_totals(project, None), "credit_me", limit)
    ]


def public_profile(*, handle: str) -> dict[str, Any]:
    """A volunteer's public profile: display name, and in each public project they worked in,
    their grade, agreed values and badges. 404 unless they turned it on (and for a closed
    account). Only projects anyone may see are listed, whoever asks: the page is the same for
    everyone, so it cannot tell a member of a members-only project who else works there."""
    user = User.objects.filter(profile_handle=handle, profile_public=True, is_active=True).first()
    if user is None or not handle:
        raise Http404(_("No such profile."))
    public = projects_visible_to(AnonymousUser())
    sums = dict(
        AnswerTally.objects.filter(user=user, project__in=public)
        .order_by()
        .values("project_id")
        .annotate(n=Sum("agreed"))
        .values_list("project_id", "n")
    )
    badges: dict[int, list[BadgeShown]] = {}
    for badge in Badge.objects.filter(user=user, project__in=public).order_by("earned_at", "kind"):
        badges.setdefault(badge.project_id, []).append(_badge_shown(badge))
    worked = set(sums) | set(badges)
    worked |= set(
        Transcription.objects.filter(user=user, project__in=public)
        .order_by()
        .values_list("project_id", flat=True)
        .distinct()
    )
    projects = []
    shown = sorted(public.filter(pk__in=worked), key=lambda p: (p.title.casefold(), p.pk))
    for project in shown:
        agreed = int(sums.get(project.pk) or 0)
        projects.append(
            {
                "project": project,
                "grade": grade_shown(agreed),
                "badges": badges.get(project.pk, []),
            }
        )
    return {"name": recognition_name(user), "projects": projects, "user": user}
