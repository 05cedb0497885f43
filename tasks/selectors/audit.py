"""The audit page: a project's decisions and acts in one chronological log, read where each is
recorded: curators' resolutions (and reopenings), blocks and voids (each row holds its lifting
too), known answers, staff's project reviews, and the audit entries services write for the
rest (tasks.models.audit).

One query pages the log: the sources are put together with UNION ALL in the database, each
already narrowed by the filters, and sorted there by time; then each page's rows are read
whole, one query per kind of row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import (
    Case,
    CharField,
    F,
    IntegerField,
    Model,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from tasks.models import (
    AuditEntry,
    AuditKind,
    ContributorVoid,
    KnownAnswer,
    KnownAnswerSource,
    Project,
    ProjectBlock,
    ProjectReviewEntry,
    Resolution,
    ResolutionDecision,
    ResolutionReason,
    Role,
)
from tasks.shown import value_shown

# What the log can be narrowed to, and what each covers. Curators see the first two only
# (tasks.views.people): the rest is the leads' business.
GROUPS: dict[str, Promise] = {
    "decision": _("Curators' decisions"),
    "reopen": _("Reopened values"),
    "block": _("Blocks and unblocks"),
    "void": _("Voided and restored work"),
    "known_answer": _("Known answers"),
    "review": _("Project reviews"),
    "batch": _("Batches: priority, withdrawal"),
    "archive": _("Archive and restore"),
    "member": _("Members"),
    "news": _("News posts"),
}
CURATOR_GROUPS = ("decision", "reopen")

# Each kind of row, as the log names it.
KINDS: dict[str, Promise] = {
    "decision": _("Decision on a value"),
    "reopen": _("Value reopened"),
    "block": _("Person blocked"),
    "unblock": _("Person unblocked"),
    "void": _("Work voided"),
    "unvoid": _("Work counted again"),
    "known_added": _("Known answer given"),
    "known_promoted": _("Settled image promoted to a known answer"),
    "review": _("Project review"),
    **{kind.value: kind.label for kind in AuditKind},
}


_REASONS = dict(ResolutionReason.choices)


@dataclass(frozen=True)
class AuditFilters:
    groups: tuple[str, ...]
    person_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None  # excluded


def _null() -> Cast:
    return Cast(Value(None), IntegerField())


def _text(value: str) -> Cast:
    return Cast(Value(value), CharField())


def _shaped(
    queryset: QuerySet[Any],
    *,
    at: str,
    kind: Any,
    actor: Any,
    subject: Any,
    filters: AuditFilters,
) -> QuerySet[Any]:
    """One source as the log's columns, narrowed by the filters (a UNION cannot be filtered
    afterwards)."""
    rows = queryset.order_by().annotate(
        at=F(at),
        row_kind=kind,
        ref=F("pk"),
        actor_ref=actor,
        subject_ref=subject,
    )
    if filters.person_id is not None:
        rows = rows.filter(Q(actor_ref=filters.person_id) | Q(subject_ref=filters.person_id))
    if filters.since is not None:
        rows = rows.filter(at__gte=filters.since)
    if filters.until is not None:
        rows = rows.filter(at__lt=filters.until)
    return rows.values("at", "row_kind", "ref", "actor_ref", "subject_ref")


def audit_log(*, project: Project, filters: AuditFilters) -> QuerySet[Any]:
    """The log's rows (`at`, `row_kind`, `ref`: the id of the row it came from, `actor_ref`,
    `subject_ref`), newest first; paginate it, then `audit_fill` a page."""
    wanted = set(filters.groups)
    parts: list[QuerySet[Any]] = []

    def add(queryset: QuerySet[Any], **shape: Any) -> None:
        parts.append(_shaped(queryset, filters=filters, **shape))

    resolutions = Resolution.objects.filter(field_result__project=project)
    if "decision" in wanted:
        add(
            resolutions.exclude(decision=ResolutionDecision.REOPEN),
            at="created_at",
            kind=_text("decision"),
            actor=F("curator_id"),
            subject=_null(),
        )
    if "reopen" in wanted:
        add(
            resolutions.filter(decision=ResolutionDecision.REOPEN),
            at="created_at",
            kind=_text("reopen"),
            actor=F("curator_id"),
            subject=_null(),
        )
    for group, model in (("block", ProjectBlock), ("void", ContributorVoid)):
        if group in wanted:
            records = model.objects.filter(project=project)
            add(
                records,
                at="created_at",
                kind=_text(group),
                actor=F("created_by_id"),
                subject=F("user_id"),
            )
            add(
                records.filter(lifted_at__isnull=False),
                at="lifted_at",
                kind=_text(f"un{group}"),
                actor=F("lifted_by_id"),
                subject=F("user_id"),
            )
    if "known_answer" in wanted:
        add(
            KnownAnswer.objects.filter(project=project),
            at="created_at",
            kind=Case(
                When(source=KnownAnswerSource.SETTLED, then=_text("known_promoted")),
                default=_text("known_added"),
                output_field=CharField(),
            ),
            actor=F("created_by_id"),
            subject=_null(),
        )
    if "review" in wanted:
        add(
            ProjectReviewEntry.objects.filter(project=project),
            at="created_at",
            kind=_text("review"),
            actor=F("actor_id"),
            subject=_null(),
        )
    entry_kinds = [
        kind
        for group, kinds in (
            ("batch", (AuditKind.BATCH_PRIORITY, AuditKind.BATCH_WITHDRAWN)),
            ("archive", (AuditKind.PROJECT_ARCHIVED, AuditKind.PROJECT_RESTORED)),
            ("member", (AuditKind.MEMBER_ROLE, AuditKind.MEMBER_REMOVED)),
            (
                "news",
                (AuditKind.NEWS_PUBLISHED, AuditKind.NEWS_UPDATED, AuditKind.NEWS_DELETED),
            ),
        )
        if group in wanted
        for kind in kinds
    ]
    if entry_kinds:
        add(
            AuditEntry.objects.filter(project=project, kind__in=entry_kinds),
            at="created_at",
            kind=Cast(F("kind"), CharField()),
            actor=F("actor_id"),
            subject=F("subject_id"),
        )
    if not parts:
        return AuditEntry.objects.none().values("pk")
    first, *others = parts
    log = first.union(*others, all=True) if others else first
    return log.order_by("-at", "-ref")


def _by_pk(model: type[Model], ids: Iterable[int], *related: str) -> dict[int, Any]:
    ids = list(ids)
    if not ids:
        return {}
    rows = model._default_manager.filter(pk__in=ids).select_related(*related)
    return {row.pk: row for row in rows}


def _name(user: Any) -> str:
    return user.public_name if user is not None else ""


def audit_fill(*, project: Project, rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of `audit_log` as the page shows it: when, what, who acted, whom or what it
    concerned, and why; values in words, labels in the reader's language."""
    rows = list(rows)
    refs: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        refs[row["row_kind"]].append(row["ref"])
    resolutions = _by_pk(
        Resolution,
        refs["decision"] + refs["reopen"],
        "curator",
        "field_result",
    )
    blocks = _by_pk(
        ProjectBlock, refs["block"] + refs["unblock"], "user", "created_by", "lifted_by"
    )
    voids = _by_pk(
        ContributorVoid, refs["void"] + refs["unvoid"], "user", "created_by", "lifted_by"
    )
    known = _by_pk(KnownAnswer, refs["known_added"] + refs["known_promoted"], "created_by")
    reviews = _by_pk(ProjectReviewEntry, refs["review"], "actor")
    entries = _by_pk(
        AuditEntry,
        [ref for kind in AuditKind.values for ref in refs[kind]],
        "actor",
        "subject",
        "batch",
    )
    language = (get_language() or "fr")[:2]
    specs = {spec.key: spec for spec in project.template.specs}
    out = []
    for row in rows:
        kind = row["row_kind"]
        item: dict[str, Any] = {
            "at": row["at"],
            "kind": kind,
            "label": KINDS.get(kind, kind),
            "actor": "",
            "actor_username": "",
            "subject": "",
            "subject_username": "",
            "task": None,
            "field": "",
            "before": "",
            "after": "",
            "detail": "",
            "reason": "",
            "note": "",
        }
        if kind in ("decision", "reopen"):
            _resolution(item, resolutions.get(row["ref"]), specs, language)
        elif kind in ("block", "unblock", "void", "unvoid"):
            record = (blocks if kind.endswith("block") else voids).get(row["ref"])
            if record is not None:
                lifted = kind.startswith("un")
                by = record.lifted_by if lifted else record.created_by
                item.update(
                    actor=_name(by),
                    actor_username=by.username if by else "",
                    subject=_name(record.user),
                    subject_username=record.user.username,
                    reason=record.lift_reason if lifted else record.reason,
                )
        elif kind in ("known_added", "known_promoted"):
            answer = known.get(row["ref"])
            if answer is not None:
                item.update(
                    actor=_name(answer.created_by),
                    actor_username=answer.created_by.username if answer.created_by else "",
                    task=answer.task_id,
                    detail=str(answer.get_use_display()),
                )
        elif kind == "review":
            entry = reviews.get(row["ref"])
            if entry is not None:
                item.update(
                    actor=_name(entry.actor),
                    actor_username=entry.actor.username if entry.actor else "",
                    detail=str(entry.get_action_display()),
                    reason=entry.reason,
                )
        else:
            _entry(item, entries.get(row["ref"]))
        out.append(item)
    return out


def _resolution(
    item: dict[str, Any], resolution: Resolution | None, specs: dict[str, Any], language: str
) -> None:
    if resolution is None:
        return
    result = resolution.field_result
    spec = specs.get(result.key)
    field_type = spec.type if spec else "text"
    item.update(
        actor=_name(resolution.curator),
        actor_username=resolution.curator.username,
        task=result.task_id,
        field=spec.label_in(language) if spec else result.key,
        before=value_shown(resolution.value_before, field_type),
        after=value_shown(resolution.value_after, field_type),
        detail=str(resolution.get_decision_display()),
        reason=str(_REASONS.get(resolution.reason, resolution.reason)),
        note=resolution.note,
    )


def _entry(item: dict[str, Any], entry: AuditEntry | None) -> None:
    if entry is None:
        return
    details = entry.details if isinstance(entry.details, dict) else {}
    item.update(
        actor=_name(entry.actor),
        actor_username=entry.actor.username if entry.actor else "",
        subject=_name(entry.subject),
        subject_username=entry.subject.username if entry.subject else "",
    )
    if entry.kind == AuditKind.BATCH_PRIORITY:
        item.update(
            subject=entry.batch.name if entry.batch else "",
            before=str(details.get("before", "")),
            after=str(details.get("after", "")),
        )
    elif entry.kind == AuditKind.BATCH_WITHDRAWN:
        item.update(subject=entry.batch.name if entry.batch else "")
    elif entry.kind == AuditKind.NEWS_UPDATED:
        item.update(
            subject=str(details.get("after", "")),
            before=str(details.get("before", "")),
            after=str(details.get("after", "")),
        )
    elif entry.kind in (AuditKind.NEWS_PUBLISHED, AuditKind.NEWS_DELETED):
        item.update(subject=str(details.get("title", "")))
    elif entry.kind in (AuditKind.MEMBER_ROLE, AuditKind.MEMBER_REMOVED):
        item.update(
            before=_role(details.get("before")),
            after=_role(details.get("after")),
        )


def _role(value: object) -> str:
    return str(Role(value).label) if value in Role.values else ""
