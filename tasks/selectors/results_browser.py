"""Reads of the results browser: a project's images filtered, searched, sorted and paged, with
their settled values.

For curators and leads only (`Capability.CURATE`, who see the values of images still
collecting answers). Training images (state `reference`) and which images hold a known answer
are the leads' (`with_training`): curators transcribe too, and must not learn which images
measure them.

Search: the query's folded words (`tasks.search_words`) must all be in an image's document:
a whole word of the project's vocabulary as that word, any other as the beginning of a word.
On PostgreSQL the document's full-text index answers (`words @@ to_tsquery('simple', …)`, its
words stored as `to_tsvector('simple', text)`); a query word that begins no word of the
project's vocabulary is replaced, with pg_trgm, by the vocabulary's closest words ("quercsu"
searches "quercus"). Elsewhere (SQLite) each word is looked up as a substring of the document,
without spelling suggestions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    OrderBy,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from tasks.models import (
    FieldResult,
    FieldStatus,
    KnownAnswer,
    Project,
    SearchWord,
    Task,
    TaskDocument,
    TaskState,
    Transcription,
)
from tasks.search_words import query_words
from tasks.shown import value_shown
from worker.template import FieldSpec

PAGE_SIZE = 50
# Counted up to this many images: past it a page says "more than 1,000", and its last page is
# the one holding the 1,000th (narrow the filters or change the sort to reach the others). A
# count costs the rows it reads: at a million images, counting to 10,000 took 50 to 300 ms.
COUNT_LIMIT = 1_000
QUERY_MAX_WORDS = 8
SUGGESTIONS_PER_WORD = 5
# Only words at least this long are looked up for misspellings.
SUGGEST_MIN_LENGTH = 4

SORTS: dict[str, tuple[Any, ...]] = {
    "id": ("pk",),
    "-id": ("-pk",),
    "state": ("state", "pk"),
    "agreement": (F("agreement").asc(nulls_last=True), "pk"),
    "-updated": ("-updated_at", "-pk"),
    "updated": ("updated_at", "pk"),
}
DATE_FIELDS = {"activity": "updated_at", "created": "created_at"}
SETTLED = (FieldStatus.AGREED, FieldStatus.BLANK, FieldStatus.RESOLVED)


@dataclass(frozen=True)
class ResultFilters:
    """What a reader asked for, checked (tasks.results_forms)."""

    query: str = ""
    state: str = ""
    batch_id: int | None = None
    field_status: str = ""
    field_key: str = ""
    contributor: str = ""  # a user name
    date_field: str = "activity"
    date_from: date | None = None
    date_to: date | None = None
    known: str = ""  # "training", "real" or "" (leads only)
    sort: str = "id"


@dataclass(frozen=True)
class SearchPlan:
    """The words searched; those that are whole words of the project (searched as such, the
    others as the beginning of a word); for each word found nowhere, the words searched
    instead."""

    words: list[str] = field(default_factory=list)
    whole: frozenset[str] = frozenset()
    suggestions: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class ResultsPage:
    tasks: list[Task]
    number: int
    pages: int
    count: int
    capped: bool  # more than COUNT_LIMIT images match
    plan: SearchPlan
    # Another query worth offering when this one finds little: its words that some contributor
    # misspelt (so that they are in the vocabulary) replaced by the closest other word.
    did_you_mean: str = ""

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def start(self) -> int:
        return (self.number - 1) * PAGE_SIZE + 1 if self.tasks else 0

    @property
    def end(self) -> int:
        return (self.number - 1) * PAGE_SIZE + len(self.tasks)


class _DocumentMatches(Func):
    """`words @@ to_tsquery('simple', query)`: the document's stored words (GIN-indexed by
    migration 0017) against the query."""

    output_field = BooleanField()

    def as_sql(  # type: ignore[override]
        self, compiler: SQLCompiler, connection: Any, **extra_context: Any
    ) -> tuple[str, list[Any]]:
        words_sql, words_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        sql = f"{words_sql} @@ to_tsquery('simple'::regconfig, {query_sql})"
        return sql, [*words_params, *query_params]


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


_TRIGRAMS: dict[str, bool] = {}


def trigrams_available() -> bool:
    """Whether pg_trgm is installed (migration 0017 creates it when the role may; the
    gazetteer's searches use it too)."""
    name = str(connection.settings_dict.get("NAME"))
    if name not in _TRIGRAMS:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
            _TRIGRAMS[name] = cursor.fetchone() is not None
    return _TRIGRAMS[name]


def search_plan(*, project: Project, query: str, fuzzy: bool | None = None) -> SearchPlan:
    """The query's words, and the closest words of the project's vocabulary for each word that
    begins none of them (on PostgreSQL with pg_trgm, unless `fuzzy` says otherwise)."""
    words = query_words(query, limit=QUERY_MAX_WORDS)
    if fuzzy is None:
        fuzzy = _is_postgresql() and trigrams_available()
    vocabulary = SearchWord.objects.filter(project=project)
    # A whole word is looked up as one: far cheaper for the full-text index than a prefix.
    whole = frozenset(vocabulary.filter(word__in=words).values_list("word", flat=True))
    suggestions: dict[str, list[str]] = {}
    if fuzzy:
        for word in words:
            if len(word) < SUGGEST_MIN_LENGTH or not word.isalpha() or word in whole:
                continue
            if vocabulary.filter(word__startswith=word).exists():
                continue
            found = _closest_words(project, word)
            if found:
                suggestions[word] = found
    return SearchPlan(words=words, whole=whole, suggestions=suggestions)


# A search finding fewer images than this offers the query with its words' closest spellings.
FEW_FOUND = 5


def search_alternative(*, project: Project, plan: SearchPlan) -> str:
    """The query with each word that was searched as typed replaced by the closest word of the
    vocabulary that does not begin with it; "" when no word has one (or without pg_trgm)."""
    if not (_is_postgresql() and trigrams_available()):
        return ""
    changed = False
    words = []
    for word in plan.words:
        other = ""
        if word not in plan.suggestions and len(word) >= SUGGEST_MIN_LENGTH and word.isalpha():
            other = next((w for w in _closest_words(project, word) if not w.startswith(word)), "")
        changed = changed or bool(other)
        words.append(other or word)
    return " ".join(words) if changed else ""


def _closest_words(project: Project, word: str) -> list[str]:
    """The vocabulary's words most like `word` (pg_trgm's similarity, over its threshold)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM tasks_searchword WHERE project_id = %s AND word %% %s "
            "ORDER BY similarity(word, %s) DESC, word LIMIT %s",
            [project.pk, word, word, SUGGESTIONS_PER_WORD],
        )
        return [row[0] for row in cursor.fetchall()]


def _tsquery(plan: SearchPlan) -> str:
    """Every word: as itself when it is a whole word of the project or shorter than 3
    characters, else as a prefix; or one of its suggestions."""
    terms = []
    for word in plan.words:
        prefix = len(word) >= 3 and word not in plan.whole
        alternatives = [f"'{word}':*" if prefix else f"'{word}'"]
        alternatives += [f"'{other}'" for other in plan.suggestions.get(word, [])]
        terms.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(terms)


def _search(tasks: QuerySet[Task], *, project: Project, plan: SearchPlan) -> QuerySet[Task]:
    if not plan.words:
        return tasks
    documents = TaskDocument.objects.filter(project=project)
    if _is_postgresql():
        documents = documents.filter(_DocumentMatches(F("words"), Value(_tsquery(plan))))
    else:
        documents = documents.filter(search_fallback(plan))
    return tasks.filter(pk__in=documents.values("task_id"))


def search_fallback(plan: SearchPlan) -> Q:
    """The search without a full-text index, as `_tsquery` says it: each word (or one of its
    suggestions) as a word or the beginning of one of the document, which holds " word … "."""
    condition = Q()
    for word in plan.words:
        prefix = len(word) >= 3 and word not in plan.whole
        either = Q(text__contains=f" {word}" if prefix else f" {word} ")
        for other in plan.suggestions.get(word, []):
            either |= Q(text__contains=f" {other} ")
        condition &= either
    return condition


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def results_browse(
    *, project: Project, filters: ResultFilters, with_training: bool
) -> tuple[QuerySet[Task], SearchPlan]:
    """The project's images as `filters` ask, in their order, and the search's plan."""
    tasks = Task.objects.filter(project=project)
    if not with_training:
        tasks = tasks.exclude(state=TaskState.REFERENCE)
    if filters.state:
        tasks = tasks.filter(state=filters.state)
    if filters.batch_id is not None:
        tasks = tasks.filter(batch_id=filters.batch_id)
    if filters.field_status or filters.field_key:
        results = FieldResult.objects.filter(task=OuterRef("pk"))
        if filters.field_status:
            results = results.filter(status=filters.field_status)
        if filters.field_key:
            results = results.filter(key=filters.field_key)
        tasks = tasks.filter(Exists(results))
    if filters.contributor:
        transcribed = Transcription.objects.filter(
            project=project, user__username=filters.contributor
        )
        tasks = tasks.filter(pk__in=transcribed.values("task_id"))
    column = DATE_FIELDS.get(filters.date_field, "updated_at")
    if filters.date_from is not None:
        tasks = tasks.filter(**{f"{column}__gte": _day_start(filters.date_from)})
    if filters.date_to is not None:
        tasks = tasks.filter(**{f"{column}__lt": _day_start(filters.date_to + timedelta(days=1))})
    if with_training and filters.known:
        training = Q(state=TaskState.REFERENCE) | Q(
            Exists(KnownAnswer.objects.filter(task=OuterRef("pk")))
        )
        tasks = tasks.filter(training) if filters.known == "training" else tasks.exclude(training)
    plan = search_plan(project=project, query=filters.query) if filters.query else SearchPlan()
    tasks = _search(tasks, project=project, plan=plan)
    order: tuple[str | OrderBy, ...] = SORTS.get(filters.sort, SORTS["id"])
    return tasks.order_by(*order), plan


def results_page(
    *, project: Project, filters: ResultFilters, with_training: bool, page: int = 1
) -> ResultsPage:
    """One page of the images `filters` ask for (the last page when `page` is past it), with
    their batch and, for leads, whether each holds a known answer."""
    tasks, plan = results_browse(project=project, filters=filters, with_training=with_training)
    found = list(tasks.order_by().values_list("pk", flat=True)[: COUNT_LIMIT + 1])
    capped = len(found) > COUNT_LIMIT
    count = min(len(found), COUNT_LIMIT)
    pages = max(1, -(-count // PAGE_SIZE))
    number = max(1, min(page, pages))
    if not capped:
        # All of them are known: their page is sorted among them alone. Left to itself, the
        # planner may walk the whole sort order looking for a few rare matches.
        order = SORTS.get(filters.sort, SORTS["id"])
        tasks = Task.objects.filter(pk__in=found).order_by(*order)
    rows = tasks.select_related("batch").only(
        "pk",
        "project_id",
        "original_name",
        "thumbnail",
        "state",
        "agreement",
        "updated_at",
        "created_at",
        "transcription_count",
        "batch__name",
    )
    if with_training:
        rows = rows.annotate(known=Exists(KnownAnswer.objects.filter(task=OuterRef("pk"))))
    start = (number - 1) * PAGE_SIZE
    few = plan.words and count < FEW_FOUND
    return ResultsPage(
        tasks=list(rows[start : start + PAGE_SIZE]),
        number=number,
        pages=pages,
        count=count,
        capped=capped,
        plan=plan,
        did_you_mean=search_alternative(project=project, plan=plan) if few else "",
    )


@dataclass(frozen=True)
class CellValue:
    """A field of an image in the list: its status, and its value once settled."""

    status: str
    status_label: str
    settled: bool
    shown: str


def settled_values(*, tasks: list[Task], types: dict[str, str]) -> dict[int, dict[str, CellValue]]:
    """Per image and field: its status and, once settled, its value as people read it."""
    values: dict[int, dict[str, CellValue]] = {task.pk: {} for task in tasks}
    rows = FieldResult.objects.filter(task_id__in=list(values)).values_list(
        "task_id", "key", "value", "status"
    )
    for task_id, key, value, status in rows:
        settled = status in SETTLED
        values[task_id][key] = CellValue(
            status=status,
            status_label=str(FieldStatus(status).label),
            settled=settled,
            shown=value_shown(value, types.get(key, "text")) if settled else "",
        )
    return values


def results_table(
    *, tasks: list[Task], specs: tuple[FieldSpec, ...], language: str
) -> tuple[list[tuple[str, str]], list[tuple[Task, list[tuple[str, CellValue | None]]]]]:
    """The page's columns, (key, label in `language`) per template field, and its rows: each
    image with (label, value) per field, in the template's order."""
    values = settled_values(tasks=tasks, types={spec.key: spec.type for spec in specs})
    columns = [(spec.key, spec.label_in(language[:2])) for spec in specs]
    rows = [(task, [(label, values[task.pk].get(key)) for key, label in columns]) for task in tasks]
    return columns, rows
