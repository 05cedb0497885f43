"""Writing the results search's documents (see tasks.models.search) and each image's agreement.

The services that change what a document holds call these under the task's row lock, in their
own transaction: ingest (a new or reinstated image), a submission (its words are added at once),
reconciliation and curators' decisions (the whole document written again, and the image's
agreement), the machine reading once it has read the image (its text joins the document).
`documents_rebuild` writes every document again, for existing data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q

from tasks.models import (
    FieldResult,
    FieldStatus,
    ImageReading,
    ReadingStatus,
    SearchWord,
    Task,
    TaskDocument,
    Transcription,
)
from tasks.search_words import (
    document_split,
    document_text,
    document_words,
    value_texts,
    vocabulary_words,
)


def task_agreement(rows: Iterable[tuple[str, float]]) -> float | None:
    """An image's confidence from its fields' (status, agreement): the lowest, a value a curator
    settled counting as certain. None for an image without results."""
    found = [1.0 if status == FieldStatus.RESOLVED else agreement for status, agreement in rows]
    return round(min(found), 4) if found else None


def task_texts(task: Task) -> list[str]:
    """The image's own texts its document holds: its file name and metadata."""
    texts = [task.original_name]
    texts.extend(value_texts(task.metadata if isinstance(task.metadata, dict) else {}))
    return texts


def _document_write(task: Task, words: list[str], before: Sequence[str]) -> None:
    # One statement (INSERT … ON CONFLICT DO UPDATE): the caller holds the task's lock.
    TaskDocument.objects.bulk_create(
        [TaskDocument(task=task, project_id=task.project_id, text=document_text(words))],
        update_conflicts=True,
        unique_fields=["task"],
        update_fields=["project", "text", "updated_at"],
    )
    _vocabulary_add(task.project_id, set(words) - set(before))


def _vocabulary_add(project_id: int, words: Iterable[str]) -> None:
    new = sorted(vocabulary_words(words))
    if new:
        SearchWord.objects.bulk_create(
            [SearchWord(project_id=project_id, word=word) for word in new],
            ignore_conflicts=True,
        )


def _stored_words(task: Task) -> list[str]:
    text = TaskDocument.objects.filter(task=task).values_list("text", flat=True).first()
    return document_split(text) if text else []


def task_document_refresh(
    *,
    task: Task,
    transcriptions: Sequence[Transcription] | None = None,
    results: Sequence[tuple[str, Any]] | None = None,
    before: Sequence[str] | None = None,
    machine_text: str | None = None,
) -> None:
    """Write the image's document from what it holds now: its file name and metadata, its
    reconciled values (`results`: (key, value) pairs), the transcriptions that count and its
    machine reading (`machine_text`, "" when it has none). Pass what the caller already read
    to save the queries."""
    if transcriptions is None:
        transcriptions = list(
            Transcription.objects.filter(task=task, void__isnull=True)
            .order_by("created_at", "id")
            .only("values")
        )
    if results is None:
        results = list(
            FieldResult.objects.filter(task=task).order_by("pk").values_list("key", "value")
        )
    texts = task_texts(task)
    for _key, value in results:
        texts.extend(value_texts(value))
    for transcription in transcriptions:
        texts.extend(value_texts(transcription.values))
    # Last: what people typed comes first should an image pass the document's size.
    if machine_text is None:
        texts.extend(_machine_texts([task.pk]).get(task.pk, ()))
    elif machine_text:
        texts.append(machine_text)
    words = document_words(texts)
    if before is None:
        before = _stored_words(task)
    if words != before:
        _document_write(task, words, before)


def _machine_texts(task_ids: list[int]) -> dict[int, list[str]]:
    """The machine reading's text of each image read (tasks.services.readings): images nobody
    transcribed yet are found by the words printed on them."""
    rows = ImageReading.objects.filter(task_id__in=task_ids, status=ReadingStatus.DONE)
    return {task_id: [text] for task_id, text in rows.values_list("task_id", "text") if text}


def task_document_add(*, task: Task, values: dict[str, Any]) -> None:
    """Add a new transcription's words to the image's document (reconciliation writes it whole
    again soon after): its words are searchable as soon as it is saved."""
    before = _stored_words(task)
    if not before:
        task_document_refresh(task=task, before=before)
        return
    words = document_words([" ".join(before), *value_texts(values)])
    if len(words) != len(before):
        _document_write(task, words, before)


def task_results_summary(task: Task) -> tuple[list[str], float | None]:
    """The statuses of the image's fields and its agreement, read together."""
    rows = list(FieldResult.objects.filter(task=task).values_list("status", "agreement"))
    return [status for status, _agreement in rows], task_agreement(rows)


def documents_rebuild(*, project_id: int | None = None, chunk: int = 500) -> int:
    """Write every image's document again (of one project when given) and its agreement, in
    chunks of `chunk` images, each in its own few queries. Returns how many images."""
    tasks = Task.objects.order_by("pk").only(
        "pk", "project_id", "original_name", "metadata", "agreement"
    )
    if project_id is not None:
        tasks = tasks.filter(project_id=project_id)
    done = 0
    last = 0
    while True:
        page = list(tasks.filter(pk__gt=last)[:chunk])
        if not page:
            return done
        _chunk_rebuild(page)
        done += len(page)
        last = page[-1].pk


def _chunk_rebuild(tasks: list[Task]) -> None:
    ids = [task.pk for task in tasks]
    results: dict[int, list[tuple[str, Any, str, float]]] = {}
    for task_id, key, value, status, agreement in FieldResult.objects.filter(
        task_id__in=ids
    ).values_list("task_id", "key", "value", "status", "agreement"):
        results.setdefault(task_id, []).append((key, value, status, agreement))
    answers: dict[int, list[Any]] = {}
    for task_id, values in Transcription.objects.filter(
        Q(task_id__in=ids) & Q(void__isnull=True)
    ).values_list("task_id", "values"):
        answers.setdefault(task_id, []).append(values)
    machine = _machine_texts(ids)
    documents = []
    vocabulary: dict[int, set[str]] = {}
    agreements: dict[int, float | None] = {}
    for task in tasks:
        texts = task_texts(task)
        rows = results.get(task.pk, [])
        for _key, value, _status, _agreement in rows:
            texts.extend(value_texts(value))
        for values in answers.get(task.pk, []):
            texts.extend(value_texts(values))
        texts.extend(machine.get(task.pk, ()))
        words = document_words(texts)
        documents.append(
            TaskDocument(task=task, project_id=task.project_id, text=document_text(words))
        )
        vocabulary.setdefault(task.project_id, set()).update(words)
        agreements[task.pk] = task_agreement((status, agr) for _k, _v, status, agr in rows)
    TaskDocument.objects.bulk_create(
        documents,
        update_conflicts=True,
        unique_fields=["task"],
        update_fields=["project", "text", "updated_at"],
    )
    for project_id, seen in vocabulary.items():
        _vocabulary_add(project_id, seen)
    changed = [task for task in tasks if task.agreement != agreements[task.pk]]
    for task in changed:
        task.agreement = agreements[task.pk]
    Task.objects.bulk_update(changed, ["agreement"])
