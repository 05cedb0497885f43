"""Reads for exports: the dataset description and a stream of task records, chunk by chunk.

Memory stays flat in the number of tasks: tasks are read by keyset pages of `CHUNK` rows, and
each page's field results, decisions and transcriptions with one query each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection, reset_queries
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from tasks.models import (
    Batch,
    Export,
    ExportState,
    FieldResult,
    Project,
    Resolution,
    Task,
    TaskState,
    Transcription,
)
from tasks.roles import Capability, project_capabilities, project_data_downloadable
from worker.consensus.explain import english, from_data
from worker.exports.georeference import georeference_terms
from worker.exports.records import (
    LICENCES,
    Alternative,
    Credit,
    Dataset,
    Decision,
    Entry,
    Georeference,
    TaskRecord,
    Value,
)

CHUNK = 1000
CREDITS_CACHE_SECONDS = 600
MAX_METADATA_KEYS = 100
# Tasks that are data: not those still being prepared, nor withdrawn images.
# Training images (known answers) are never data: no export carries them.
EXPORTED = Q(
    state__in=[s for s in TaskState.values if s not in ("pending", "withdrawn", "reference")]
)
# Images nobody will be asked about again: what exports for everyone carry.
SETTLED = Q(state__in=[TaskState.COMPLETE, TaskState.RESOLVED])


class Pseudonyms:
    """Stable pseudonyms per project: the same contributor reads the same in every export of a
    project, and cannot be linked across projects or back to an account without the secret."""

    def __init__(self, project_id: int):
        self.project_id = project_id
        self.known: dict[int | None, str] = {}

    def __call__(self, user_id: int | None) -> str:
        found = self.known.get(user_id)
        if found is None:
            if user_id is None:
                found = "v-deleted"
            else:
                digest = salted_hmac(
                    "crowd.exports.pseudonym",
                    f"{self.project_id}:{user_id}",
                    secret=settings.EXPORT_PSEUDONYM_KEY,
                    algorithm="sha256",
                )
                found = "v-" + digest.hexdigest()[:12]
            self.known[user_id] = found
        return found


def export_tasks_count(project: Project, *, settled_only: bool = False) -> int:
    return Task.objects.filter(SETTLED if settled_only else EXPORTED, project=project).count()


def export_credits(project: Project) -> tuple[Credit, ...]:
    """Contributors who chose to be named, with their transcriptions in this project."""
    # Named by their display name only: a user name may be an e-mail address, and the opt-in
    # says "my display name".
    rows = (
        Transcription.objects.filter(project=project, user__credit_me=True, user__is_active=True)
        .exclude(user__display_name="")
        .values("user_id", "user__display_name")
        .annotate(count=Count("id"))
        .order_by("-count", "user__display_name")
    )
    return tuple(
        Credit(name=row["user__display_name"], transcriptions=row["count"]) for row in rows
    )


def export_metadata_keys(project: Project) -> tuple[str, ...]:
    """The per-image metadata keys in use, sorted (at most `MAX_METADATA_KEYS`)."""
    table = Task._meta.db_table
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT DISTINCT jsonb_object_keys(metadata) AS key FROM {table} "  # noqa: S608
            "WHERE project_id = %s AND jsonb_typeof(metadata) = 'object' ORDER BY key LIMIT %s"
        )
    else:
        sql = (
            f"SELECT DISTINCT j.key FROM {table}, json_each({table}.metadata) AS j "  # noqa: S608
            f"WHERE {table}.project_id = %s AND json_type({table}.metadata) = 'object' "
            "ORDER BY j.key LIMIT %s"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, [project.pk, MAX_METADATA_KEYS])
        return tuple(str(row[0]) for row in cursor.fetchall())


def base_map_name() -> str:
    """The base map as its credit names it, without the links: "© OpenStreetMap contributors"."""
    return " ".join(strip_tags(settings.MAP_TILES_ATTRIBUTION).split())


def export_dataset(
    project: Project,
    *,
    base_url: str,
    tasks: int | None = None,
    light: bool = False,
    settled_only: bool = False,
) -> Dataset:
    """The dataset's description. `light` (for documents served on each request, such as the
    live IIIF manifests) skips the metadata keys and reads the credits from a short cache."""
    base_url = base_url.rstrip("/")
    template = project.template
    if light:
        key = f"export-credits:{project.pk}"
        credits = cache.get(key)
        if credits is None:
            credits = export_credits(project)
            cache.set(key, credits, CREDITS_CACHE_SECONDS)
    return Dataset(
        slug=project.slug,
        title={"fr": project.title_fr, "en": project.title_en},
        description={"fr": project.description_fr, "en": project.description_en},
        url=f"{base_url}/projects/{project.slug}/",
        base_url=base_url,
        licence=LICENCES.get(project.licence, LICENCES["CC-BY-4.0"]),
        credits=credits if light else export_credits(project),
        fields=template.specs,
        metadata_keys=() if light else export_metadata_keys(project),
        generated_at=timezone.now(),
        tasks=export_tasks_count(project, settled_only=settled_only) if tasks is None else tasks,
        publisher=settings.SITE_NAME,
        uid=str(project.export_uid),
        base_map=base_map_name(),
    )


def export_records(
    project: Project,
    *,
    base_url: str,
    transcriptions: bool = False,
    by_batch: bool = False,
    provenance: bool = False,
    batch_id: int | None = None,
    settled_only: bool = False,
) -> Iterator[TaskRecord]:
    """Every exported task of the project, by id (or grouped by batch, then by id); only one
    batch's when `batch_id` is given; only settled images with `settled_only` (what everyone
    may read without learning the leading value of an image they may still be given)."""
    reader = _Reader(project, base_url.rstrip("/"), transcriptions, provenance)
    exported = Task.objects.filter(SETTLED if settled_only else EXPORTED, project=project)
    if batch_id is not None:
        yield from reader.pages(exported.filter(batch_id=batch_id))
        return
    if not by_batch:
        yield from reader.pages(exported)
        return
    batches = Batch.objects.filter(project=project).order_by("pk").values_list("pk", "name")
    for batch_id, name in list(batches):
        reader.batch_names[batch_id] = name
        yield from reader.pages(exported.filter(batch_id=batch_id))
    yield from reader.pages(exported.filter(batch__isnull=True))


_TASK_COLUMNS = (
    "pk",
    "original_name",
    "state",
    "batch_id",
    "metadata",
    "image",
    "iiif_path",
    "image_width",
    "image_height",
    "transcription_count",
    "reconciled_at",
)
_RESULT_COLUMNS = (
    "pk",
    "task_id",
    "key",
    "value",
    "status",
    "agreement",
    "support",
    "n",
    "method",
    "explanation",
    "version",
    "explanation_parts",
    "agreeing",
)


class _Reader:
    def __init__(self, project: Project, base_url: str, transcriptions: bool, provenance: bool):
        self.project = project
        self.media = base_url + settings.MEDIA_URL
        self.transcriptions = transcriptions
        self.provenance = provenance
        self.pseudonym = Pseudonyms(project.pk)
        self.batch_names: dict[int | None, str] = {None: ""}
        self.points = {spec.key for spec in project.template.specs if spec.type == "geopoint"}
        # Points asked in a georeference step: none of them was read off the label.
        self.placed = {spec.key for spec in project.template.specs if spec.georeference}
        self.base_map = base_map_name()

    def pages(self, tasks: Any) -> Iterator[TaskRecord]:
        last = 0
        while True:
            rows = list(
                tasks.filter(pk__gt=last).order_by("pk").values_list(*_TASK_COLUMNS)[:CHUNK]
            )
            if not rows:
                return
            last = rows[-1][0]
            yield from self._records(rows)
            if settings.DEBUG:
                # Debug mode keeps the SQL of every query (up to 9,000, each naming a page's
                # thousand ids): an export of a million tasks would hold tens of megabytes.
                reset_queries()

    def _batch_name(self, batch_id: int | None) -> str:
        if batch_id not in self.batch_names:
            found = (
                Batch.objects.filter(pk=batch_id).values_list("name", flat=True).first()
                if batch_id is not None
                else None
            )
            self.batch_names[batch_id] = found or ""
        return self.batch_names[batch_id]

    def _records(self, rows: list[tuple[Any, ...]]) -> Iterator[TaskRecord]:
        ids = [row[0] for row in rows]
        values = self._values(ids)
        entries = self._entries(ids) if self.transcriptions else {}
        for pk, name, state, batch_id, metadata, image, iiif, width, height, count, when in rows:
            yield TaskRecord(
                id=pk,
                name=name,
                state=state,
                batch_id=batch_id,
                batch_name=self._batch_name(batch_id),
                metadata=metadata if isinstance(metadata, dict) else {},
                image_url=self.media + image if image else "",
                image_service=self.media + iiif if iiif else "",
                width=width,
                height=height,
                values=values.get(pk, {}),
                transcriptions=tuple(entries.get(pk, ())),
                transcription_count=count,
                reconciled_at=when,
            )

    def _values(self, ids: list[int]) -> dict[int, dict[str, Value]]:
        columns = _RESULT_COLUMNS + (("alternatives",) if self.provenance else ())
        results = FieldResult.objects.filter(task_id__in=ids).values_list(*columns)
        decisions = self._decisions(ids) if self.provenance else {}
        made = self._points_made(ids) if self.points else {}
        out: dict[int, dict[str, Value]] = defaultdict(dict)
        for row in results:
            pk, task_id, key, value, status, agreement, support, n, method, explanation, version = (
                row[:11]
            )
            # Exports have no language of their own: explanations are written in English, from
            # their parts where a row has them (the stored text of older rows otherwise).
            parts = from_data(row[11])
            if parts is not None:
                explanation = english(parts)
            alternatives: tuple[Alternative, ...] = ()
            if self.provenance:
                alternatives = tuple(
                    Alternative(
                        value=str(alt.get("value", "")),
                        weight=float(alt.get("weight", 0.0)),
                        contributors=tuple(self.pseudonym(user) for user in alt.get("users", ())),
                    )
                    for alt in row[13] or ()
                    if isinstance(alt, dict)
                )
            georeference = None
            if key in self.points and value and status in ("agreed", "resolved"):
                georeference = self._georeference(task_id, key, row[12], method, made)
            out[task_id][key] = Value(
                value="" if value is None else str(value),
                status=status,
                agreement=agreement,
                support=support,
                answers=n,
                method=method,
                explanation=explanation,
                version=version,
                alternatives=alternatives,
                decision=decisions.get(pk),
                georeference=georeference,
            )
        return out

    def _points_made(self, ids: list[int]) -> dict[tuple[int, int], dict[str, Any]]:
        """How each answer's points were made, by (task, contributor): those that say. A
        contributor may have two answers on an image (its label, its georeference step), each
        about its own fields: both are read."""
        rows = (
            Transcription.objects.filter(task_id__in=ids)
            .exclude(georeference={})
            .values_list("task_id", "user_id", "georeference")
        )
        made: dict[tuple[int, int], dict[str, Any]] = {}
        for task, user, points in rows:
            if isinstance(points, dict):
                made.setdefault((task, user), {}).update(points)
        return made

    def _georeference(
        self,
        task_id: int,
        key: str,
        agreeing: Any,
        method: str,
        made: dict[tuple[int, int], dict[str, Any]],
    ) -> Georeference:
        users = [
            int(user)
            for user in agreeing or ()
            if isinstance(user, int) or (isinstance(user, str) and user.isdigit())
        ]
        answers = [(self.pseudonym(user), made.get((task_id, user), {}).get(key)) for user in users]
        return georeference_terms(
            answers=answers,
            curated=method == "curator",
            base_map=self.base_map,
            placed=key in self.placed,
        )

    def _decisions(self, ids: list[int]) -> dict[int, Decision]:
        rows = (
            Resolution.objects.filter(field_result__task_id__in=ids)
            .order_by("field_result_id", "created_at", "pk")
            .values_list(
                "field_result_id", "decision", "reason", "curator_id", "created_at", "value_before"
            )
        )
        latest: dict[int, Decision] = {}
        for result_id, decision, reason, curator, at, before in rows:
            latest[result_id] = Decision(
                decision=decision,
                reason=reason,
                curator=self.pseudonym(curator),
                at=at,
                value_before=None if before is None else str(before),
            )
        return latest

    def _entries(self, ids: list[int]) -> dict[int, list[Entry]]:
        rows = (
            Transcription.objects.filter(task_id__in=ids)
            .order_by("task_id", "created_at", "pk")
            .values_list(
                "task_id",
                "user_id",
                "created_at",
                "values",
                "markers",
                "machine_fields",
                "georeference",
            )
        )
        out: dict[int, list[Entry]] = defaultdict(list)
        for task_id, user_id, at, values, markers, machine, points in rows:
            out[task_id].append(
                Entry(
                    contributor=self.pseudonym(user_id),
                    at=at,
                    values={k: "" if v is None else str(v) for k, v in (values or {}).items()},
                    markers=dict(markers or {}),
                    machine_fields=tuple(str(key) for key in machine or ()),
                    georeference=dict(points) if isinstance(points, dict) else {},
                )
            )
        return out


def exports_visible_to(
    user: Any, project: Project, granted: frozenset[Capability] | None = None
) -> QuerySet[Export]:
    """Leads see every export and its progress; others, when the data is open, the finished
    files. Raises PermissionDenied for anyone else (the project itself was checked)."""
    if granted is None:
        granted = project_capabilities(user, project)
    exports = Export.objects.filter(project=project).select_related("project")
    if Capability.MANAGE in granted:
        return exports
    if project_data_downloadable(user, project, granted):
        # Only the files made for everyone: the leads' own may hold unsettled images.
        return exports.filter(state=ExportState.DONE, public=True)
    raise PermissionDenied(_("Only the project's leads may see its exports."))


def export_for(user: Any, export_id: int) -> Export:
    """The export, if `user` may see it: 404 when they may not see the project (or no such
    export), 403 when they see the project but not its exports."""
    export = Export.objects.select_related("project").filter(pk=export_id).first()
    granted = project_capabilities(user, export.project) if export is not None else frozenset()
    if export is None or Capability.VIEW not in granted:
        raise Http404(_("No such export."))
    if not exports_visible_to(user, export.project, granted).filter(pk=export.pk).exists():
        raise PermissionDenied(_("Only the project's leads may see this export."))
    return export


def iiif_batches(project: Project, *, settled_only: bool = False) -> QuerySet[Batch]:
    """Batches with at least one image a IIIF manifest can show (an exported task with its
    image and size, settled with `settled_only`): a manifest must have a canvas."""
    shown = (
        Task.objects.filter(SETTLED if settled_only else EXPORTED, batch=OuterRef("pk"))
        .exclude(image="")
        .filter(image_width__isnull=False, image_height__isnull=False)
    )
    return Batch.objects.filter(project=project).filter(Exists(shown)).order_by("pk")
