"""The results search's documents and each image's agreement stay up to date: after a
submission, a reconciliation, a curator's decision, a void, an upload; rebuilt by a command."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from tasks.models import FieldResult, SearchWord, Task, TaskDocument
from tasks.search_words import document_text, document_words, fold, words_of
from tasks.services.moderation import contributor_void
from tasks.services.reconcile import task_reconcile
from tasks.services.review import field_result_reopen, field_result_resolve
from tasks.services.search import documents_rebuild, task_agreement
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


@pytest.fixture
def project(db):
    return ProjectFactory(redundancy_min=2, redundancy_max=2)


def words(task) -> set[str]:
    document = TaskDocument.objects.filter(task=task).first()
    return set(document.text.split()) if document else set()


def test_words_are_folded_the_same_wherever_they_are_written():
    assert fold("Quércus ŒNANTHE Straße") == "quercus oenanthe strasse"
    assert words_of("Quercus ilex L. — 12/06/1898, Saint-Égrève") == [
        "quercus", "ilex", "l", "12", "06", "1898", "saint", "egreve",
    ]  # fmt: skip
    assert document_words(["Quercus ilex", "QUERCUS robur"]) == ["quercus", "ilex", "robur"]
    assert document_text(["quercus", "ilex"]) == " quercus ilex "
    assert document_text([]) == ""


def test_an_answer_is_searchable_as_soon_as_it_is_saved(project, transcribe, published_jobs):
    # Jobs are queued, not run: the reconciliation has not happened yet.
    task = TaskFactory(project=project, target=2, original_name="planche-17.jpg")
    transcribe(project, {**BASE, "recordedBy": "Jean-Baptiste Verlot"}, task=task)
    assert not FieldResult.objects.filter(task=task).exists()
    assert {"quercus", "ilex", "verlot", "jean", "baptiste", "grenoble"} <= words(task)
    assert {"planche", "17", "jpg"} <= words(task)
    vocabulary = set(SearchWord.objects.filter(project=project).values_list("word", flat=True))
    assert {"quercus", "verlot", "planche"} <= vocabulary
    # Numbers and short words are not suggested for misspellings.
    assert not {"17", "l"} & vocabulary


def test_reconciliation_writes_the_values_and_the_image_agreement(project, transcribe):
    task = TaskFactory(project=project, target=2, metadata={"catalogNumber": "MTC-0042"})
    assert Task.objects.get(pk=task.pk).agreement is None
    transcribe(project, BASE, task=task)
    transcribe(project, {**BASE, "locality": "Lyon"}, task=task)
    task.refresh_from_db()
    assert task.state == "disputed"
    locality = FieldResult.objects.get(task=task, key="locality")
    assert task.agreement == pytest.approx(locality.agreement)
    assert task.agreement < 1
    # Both readings stay searchable, and so does the metadata.
    assert {"grenoble", "lyon", "mtc", "0042", "quercus"} <= words(task)


def test_a_curator_decision_rewrites_the_document_and_the_agreement(project, transcribe):
    curator = MembershipFactory(project=project, role="curator").user
    task = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=task)
    transcribe(project, {**BASE, "locality": "Lyon"}, task=task)
    locality = FieldResult.objects.get(task=task, key="locality")
    before = Task.objects.get(pk=task.pk).updated_at
    field_result_resolve(
        field_result_id=locality.pk, curator=curator, decision="value", value="Saint-Égrève"
    )
    task.refresh_from_db()
    assert {"saint", "egreve"} <= words(task)
    # Settled by a curator: the locality counts as certain, the rest agreed.
    assert task.agreement == 1.0
    assert task.updated_at > before
    field_result_reopen(field_result_id=locality.pk, actor=curator, reason="other")
    task.refresh_from_db()
    assert task.agreement == pytest.approx(locality.agreement)


def test_a_voided_contributor_words_leave_the_document(
    project, transcribe, django_capture_on_commit_callbacks
):
    lead = MembershipFactory(project=project, role="lead").user
    task = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=task)
    spammer = transcribe(project, {**BASE, "habitat": "Lorem ipsum dolor"}, task=task)
    assert "lorem" in words(task)
    with django_capture_on_commit_callbacks(execute=True):
        contributor_void(project=project, user=spammer, actor=lead, reason="spam")
    assert "lorem" not in words(task)
    assert "quercus" in words(task)


def test_reconciling_again_changes_neither_the_document_nor_the_activity(project, transcribe):
    task = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=task)
    transcribe(project, BASE, task=task)
    before = Task.objects.get(pk=task.pk)
    document = TaskDocument.objects.get(task=task)
    task_reconcile(task_id=task.pk)
    after = Task.objects.get(pk=task.pk)
    assert (after.updated_at, after.agreement) == (before.updated_at, before.agreement)
    assert TaskDocument.objects.get(task=task).updated_at == document.updated_at


def test_the_rebuild_command_writes_documents_for_existing_data(project, transcribe):
    task = TaskFactory(project=project, target=2, original_name="herbier-ancien.tif")
    transcribe(project, BASE, task=task)
    transcribe(project, BASE, task=task)
    other = TaskFactory(project=project, metadata={"collector": "Mme Émilie Durand"})
    # As before the migration: no documents, no agreement.
    TaskDocument.objects.all().delete()
    SearchWord.objects.all().delete()
    Task.objects.update(agreement=None)
    call_command("search_rebuild", project.slug, stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert {"herbier", "ancien", "tif", "quercus", "grenoble"} <= words(task)
    assert {"mme", "emilie", "durand"} <= words(other)
    assert Task.objects.get(pk=task.pk).agreement == 1.0
    assert Task.objects.get(pk=other.pk).agreement is None
    assert SearchWord.objects.filter(project=project, word="emilie").exists()
    # Again: the same documents.
    assert documents_rebuild(project_id=project.pk) == 2
    assert {"herbier", "quercus"} <= words(task)


def test_an_image_agreement_is_its_weakest_field_a_curator_decision_counting_as_certain():
    assert task_agreement([]) is None
    assert task_agreement([("agreed", 1.0), ("disputed", 0.5)]) == 0.5
    assert task_agreement([("resolved", 0.5), ("agreed", 0.75)]) == 0.75


def test_an_uploaded_image_is_searchable_by_its_file_name_and_metadata(api, project, committed):
    from tests.images import jpeg
    from tests.tasks.uploads import post_batch, upload

    lead = MembershipFactory(project=project, role="lead").user
    csv = "file,catalogNumber,locality\nPlanche_Verlot.jpg,P0001,Saint-Égrève\n"
    post_batch(
        api,
        lead,
        project,
        committed,
        files=[upload("Planche_Verlot.jpg", jpeg(1))],
        metadata=upload("meta.csv", csv.encode()),
    )
    task = Task.objects.get(project=project)
    assert {"planche", "verlot", "jpg", "p0001", "saint", "egreve"} <= words(task)


def test_a_void_on_a_settled_image_takes_its_words_out_too(
    project, transcribe, django_capture_on_commit_callbacks
):
    lead = MembershipFactory(project=project, role="lead").user
    curator = MembershipFactory(project=project, role="curator").user
    task = TaskFactory(project=project, target=2)
    transcribe(project, BASE, task=task)
    spammer = transcribe(project, {**BASE, "locality": "Lorem"}, task=task)
    locality = FieldResult.objects.get(task=task, key="locality")
    field_result_resolve(
        field_result_id=locality.pk, curator=curator, decision="value", value="Grenoble"
    )
    assert Task.objects.get(pk=task.pk).state == "resolved"
    assert "lorem" in words(task)
    with django_capture_on_commit_callbacks(execute=True):
        contributor_void(project=project, user=spammer, actor=lead, reason="spam")
    assert "lorem" not in words(task)
