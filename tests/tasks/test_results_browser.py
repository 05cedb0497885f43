"""The results browser's selector: filters, sorts, pages and the search (PostgreSQL's full-text
index with accents folded and misspellings found by trigrams; the substring fallback). On
SQLite the searches run through the fallback, and the spelling suggestions are skipped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from tasks.models import Batch, FieldResult, KnownAnswer, Task, TaskState
from tasks.selectors import results_browser
from tasks.selectors.results_browser import (
    ResultFilters,
    SearchPlan,
    results_browse,
    results_page,
    search_fallback,
    search_plan,
    settled_values,
)
from tasks.services.search import documents_rebuild
from tests.factories import ProjectFactory, TaskFactory, UserFactory

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="spelling suggestions need PostgreSQL's pg_trgm"
)

OAK = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}
FIR = {"scientificName": "Abies alba Mill.", "country": "France", "locality": "Chamrousse"}
FOXGLOVE = {"scientificName": "Digitalis purpurea L.", "country": "France", "locality": "Lyon"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=2)


@pytest.fixture
def images(project, transcribe):
    """Four images: an oak and a fir agreed, a foxglove disputed on its locality, one untouched.
    Returns them by name, and the contributors (alice read the oak and the foxglove)."""
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    batch = Batch.objects.create(project=project, name="Lot 2", state="done")
    made = {
        "oak": TaskFactory(project=project, target=2, original_name="chene.jpg"),
        "fir": TaskFactory(project=project, target=2, batch=batch, original_name="sapin.jpg"),
        "foxglove": TaskFactory(project=project, target=2, original_name="digitale.jpg"),
        "untouched": TaskFactory(project=project, target=2, original_name="vierge.jpg"),
    }
    transcribe(project, OAK, task=made["oak"], user=alice)
    transcribe(project, OAK, task=made["oak"], user=bob)
    transcribe(project, FIR, task=made["fir"], user=bob)
    transcribe(project, FIR, task=made["fir"], user=carol)
    transcribe(project, FOXGLOVE, task=made["foxglove"], user=alice)
    transcribe(project, {**FOXGLOVE, "locality": "Lyons"}, task=made["foxglove"], user=carol)
    documents_rebuild(project_id=project.pk)  # the untouched image's document
    return {name: Task.objects.get(pk=task.pk) for name, task in made.items()}


def found(project, with_training=True, **filters):
    tasks, _plan = results_browse(
        project=project, filters=ResultFilters(**filters), with_training=with_training
    )
    return [task.pk for task in tasks]


def ids(images, *names):
    return [images[name].pk for name in names]


def test_without_filters_every_image_in_number_order(project, images):
    assert found(project) == ids(images, "oak", "fir", "foxglove", "untouched")
    assert found(project, sort="-id") == ids(images, "untouched", "foxglove", "fir", "oak")


@pytest.mark.parametrize("query", ["Quercus", "quercus", "Quércus", "QUERCUS ilex", "querc"])
def test_a_word_of_the_scientific_name_finds_the_image_whatever_its_case_and_accents(
    project, images, query
):
    assert found(project, query=query) == ids(images, "oak")


@postgresql_only
def test_a_misspelt_word_finds_the_image_through_the_closest_words(project, images):
    plan = search_plan(project=project, query="Quercsu")
    assert plan.suggestions == {"quercsu": ["quercus"]}
    assert found(project, query="Quercsu") == ids(images, "oak")
    assert found(project, query="Digitlis purpurea") == ids(images, "foxglove")


def test_every_word_must_match_and_answers_count_as_well_as_settled_values(project, images):
    assert found(project, query="quercus lyon") == []
    # "Lyons" was one contributor's answer only: the disputed image is found by it.
    assert found(project, query="lyons") == ids(images, "foxglove")
    # File names and metadata too.
    assert found(project, query="sapin") == ids(images, "fir")


def test_a_search_finds_nothing_in_another_project(project, images, transcribe):
    other = ProjectFactory(redundancy_min=1, redundancy_max=1)
    task = TaskFactory(project=other, target=1)
    transcribe(other, OAK, task=task)
    assert found(project, query="quercus") == ids(images, "oak")
    assert found(other, query="quercus") == [task.pk]


def test_the_fallback_without_a_full_text_index_finds_words_by_their_beginning(project, images):
    """The SQLite branch (`search_fallback`), run here on PostgreSQL: the same answers."""
    from tasks.models import TaskDocument

    def fallback(query):
        plan = search_plan(project=project, query=query, fuzzy=False)
        documents = TaskDocument.objects.filter(project=project).filter(search_fallback(plan))
        return sorted(documents.values_list("task_id", flat=True))

    assert fallback("Quércus") == ids(images, "oak")
    assert fallback("querc ILEX") == ids(images, "oak")
    assert fallback("uercus") == []  # the beginning of a word, not any part of it
    assert fallback("quercsu") == []  # no spelling suggestions without trigrams
    # Suggestions, when some were found, count as whole words.
    plan = SearchPlan(words=["quercsu"], suggestions={"quercsu": ["quercus"]})
    documents = TaskDocument.objects.filter(project=project).filter(search_fallback(plan))
    assert list(documents.values_list("task_id", flat=True)) == ids(images, "oak")


def test_the_search_without_a_full_text_index_is_chosen_off_postgresql(
    project, images, monkeypatch
):
    monkeypatch.setattr(results_browser, "_is_postgresql", lambda: False)
    assert found(project, query="Quercus") == ids(images, "oak")
    assert found(project, query="Quercsu") == []


def test_filters_by_state_batch_field_status_field_and_contributor(project, images):
    assert found(project, state="disputed") == ids(images, "foxglove")
    assert found(project, state="open") == ids(images, "untouched")
    fir_batch = images["fir"].batch_id
    assert found(project, batch_id=fir_batch) == ids(images, "fir")
    assert found(project, field_status="disputed") == ids(images, "foxglove")
    assert found(project, field_status="agreed", field_key="locality") == ids(images, "oak", "fir")
    assert found(project, field_key="locality") == ids(images, "oak", "fir", "foxglove")
    assert found(project, contributor="alice") == ids(images, "oak", "foxglove")
    assert found(project, contributor="nobody") == []
    assert found(project, contributor="alice", query="digitalis") == ids(images, "foxglove")


def test_date_ranges_of_last_activity_or_upload(project, images):
    today = timezone.localdate()
    old = timezone.now() - timedelta(days=40)
    Task.objects.filter(pk=images["oak"].pk).update(updated_at=old, created_at=old)
    Task.objects.filter(pk=images["fir"].pk).update(created_at=old)
    recent = ids(images, "fir", "foxglove", "untouched")
    assert found(project, date_from=today - timedelta(days=1)) == recent
    assert found(project, date_to=today - timedelta(days=30)) == ids(images, "oak")
    assert found(project, date_field="created", date_to=today - timedelta(days=30)) == ids(
        images, "oak", "fir"
    )
    # The last day of the range counts whole.
    assert found(project, date_from=today, date_to=today) == recent


def test_training_images_are_for_leads_only(project, images):
    reference = TaskFactory(project=project, state=TaskState.REFERENCE, original_name="quercus.jpg")
    KnownAnswer.objects.create(task=images["fir"], project=project, values=FIR)
    documents_rebuild(project_id=project.pk)
    every = ids(images, "oak", "fir", "foxglove", "untouched")
    assert found(project) == [*every, reference.pk]
    assert found(project, known="training") == [images["fir"].pk, reference.pk]
    assert found(project, known="real") == ids(images, "oak", "foxglove", "untouched")
    # Curators: no training image, whatever they ask; the known filter is not theirs.
    assert found(project, with_training=False) == every
    assert found(project, with_training=False, known="training") == every
    assert found(project, with_training=False, state="reference") == []
    assert found(project, with_training=False, query="quercus") == ids(images, "oak")


def test_sorts_by_state_agreement_and_last_activity(project, images):
    assert found(project, sort="state") == ids(images, "oak", "fir", "foxglove", "untouched")
    # Lowest agreement first; images never reconciled last.
    assert found(project, sort="agreement")[:1] == ids(images, "foxglove")
    assert found(project, sort="agreement")[-1:] == ids(images, "untouched")
    now = timezone.now()
    for n, name in enumerate(["fir", "untouched", "oak", "foxglove"]):
        Task.objects.filter(pk=images[name].pk).update(updated_at=now - timedelta(hours=n))
    assert found(project, sort="-updated") == ids(images, "fir", "untouched", "oak", "foxglove")
    assert found(project, sort="updated") == ids(images, "foxglove", "oak", "untouched", "fir")


def test_pages_count_up_to_the_limit_and_stop_at_the_last(project, images, monkeypatch):
    monkeypatch.setattr(results_browser, "PAGE_SIZE", 3)
    first = results_page(project=project, filters=ResultFilters(), with_training=True)
    assert (first.count, first.pages, first.capped, first.start, first.end) == (4, 2, False, 1, 3)
    assert first.has_next
    assert not first.has_previous
    past = results_page(project=project, filters=ResultFilters(), with_training=True, page=9)
    assert (past.number, [t.pk for t in past.tasks]) == (2, ids(images, "untouched"))
    monkeypatch.setattr(results_browser, "COUNT_LIMIT", 2)
    capped = results_page(project=project, filters=ResultFilters(), with_training=True)
    assert (capped.count, capped.capped, capped.pages) == (2, True, 1)
    none = results_page(project=project, filters=ResultFilters(query="zzz"), with_training=True)
    assert (none.count, none.tasks, none.start) == (0, [], 0)


def test_settled_values_show_settled_fields_and_only_the_status_of_the_others(project, images):
    cells = settled_values(
        tasks=[images["foxglove"], images["untouched"]],
        types={"scientificName": "text", "locality": "text"},
    )
    fox = cells[images["foxglove"].pk]
    assert (fox["scientificName"].settled, fox["scientificName"].shown) == (
        True,
        "Digitalis purpurea L.",
    )
    assert (fox["locality"].settled, fox["locality"].shown, fox["locality"].status) == (
        False,
        "",
        "disputed",
    )
    assert cells[images["untouched"].pk] == {}
    assert FieldResult.objects.filter(task=images["untouched"]).count() == 0


@postgresql_only
def test_a_misspelling_someone_typed_offers_the_closest_word_when_little_is_found(
    project, images, transcribe
):
    # A contributor typed the misspelling: it is a word of the vocabulary, found as typed.
    task = TaskFactory(project=project, target=2, priority=10)
    transcribe(project, {**OAK, "scientificName": "Quercsu ilex"}, task=task)
    plan = search_plan(project=project, query="quercsu")
    assert plan.suggestions == {}
    page = results_page(project=project, filters=ResultFilters(query="quercsu"), with_training=True)
    assert [t.pk for t in page.tasks] == [task.pk]
    assert page.did_you_mean == "quercus"
    # Plenty found: nothing offered.
    many = results_page(project=project, filters=ResultFilters(query="france"), with_training=True)
    assert many.did_you_mean == ""


@pytest.mark.parametrize("sort", ["", "-id", "state", "agreement", "-updated", "updated"])
def test_a_page_is_in_the_asked_order_whether_its_images_were_counted_or_not(
    project, images, monkeypatch, sort
):
    now = timezone.now()
    for n, name in enumerate(["fir", "untouched", "oak", "foxglove"]):
        Task.objects.filter(pk=images[name].pk).update(updated_at=now - timedelta(hours=n))
    filters = ResultFilters(sort=sort or "id")
    expected = found(project, sort=sort or "id")
    counted = results_page(project=project, filters=filters, with_training=True)
    assert not counted.capped
    assert [task.pk for task in counted.tasks] == expected
    # Past the count's limit, the page comes from the sorted query itself.
    monkeypatch.setattr(results_browser, "COUNT_LIMIT", 2)
    beyond = results_page(project=project, filters=filters, with_training=True)
    assert beyond.capped
    assert [task.pk for task in beyond.tasks] == expected


def test_a_whole_word_of_the_project_is_searched_as_itself_any_other_as_a_beginning(
    project, images, transcribe
):
    task = TaskFactory(project=project, target=2, priority=10)
    transcribe(project, {**OAK, "scientificName": "Quercus ilexifolia"}, task=task)
    plan = search_plan(project=project, query="ilex ilexi quer")
    assert plan.whole == {"ilex"}
    assert found(project, query="ilex") == ids(images, "oak")
    assert found(project, query="ilexi") == [task.pk]
    assert found(project, query="quer ilexi") == [task.pk]
