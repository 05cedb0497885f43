"""Explanations in the reader's language: French and English pages and API, English exports."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from django.utils import translation

from tasks import explanation_messages
from tasks.explanations import explanation_text, part_text
from tasks.models import FieldResult, Task
from tasks.services.review import field_result_resolve
from tests.factories import TaskFactory
from tests.helpers import api_client
from tests.tasks.exports import download, run_export
from worker.consensus.explain import CATALOGUE, as_data, english_part

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "locality": "Grenoble"}


def sample(code: str, count: int) -> tuple[object, ...]:
    return (code, *("1 km" if name == "distance" else count for name in CATALOGUE[code].params))


@pytest.mark.parametrize("count", [1, 2])
@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_renders_in_french_and_english_with_its_parameters(code, count):
    part = sample(code, count)
    with translation.override("en"):
        english = part_text(part)
    with translation.override("fr"):
        french = part_text(part)
    assert english == english_part(part)
    # A code without a French translation would come out in English.
    assert french != english, f"no French for {code!r}"
    for text in (english, french):
        assert "%(" not in text
        for value in part[1:]:
            assert str(value) in text


@pytest.fixture
def reconciled(project, transcribe):
    """A task read by three contributors, two of whom agree on the locality."""
    project.redundancy_min, project.redundancy_max = 3, 5
    project.save()
    task = TaskFactory(project=project, target=3)
    for locality in ("Grenoble", "Grenoble", "Lyon"):
        transcribe(project, {**BASE, "locality": locality}, task=task)
    return task


def locality_of(task: Task) -> FieldResult:
    return FieldResult.objects.get(task=task, key="locality")


def test_a_reconciled_result_stores_its_explanation_as_parts_and_in_english(reconciled):
    result = locality_of(reconciled)
    assert result.explanation == "2 of 3 agree exactly; 1 gave something else"
    assert result.explanation_parts == [
        {"code": "agree.exactly", "params": {"support": 2, "n": 3}},
        {"code": "dissent.other", "params": {"count": 1}},
    ]
    assert (
        result.versions.order_by("-version").first().explanation_parts == result.explanation_parts
    )


def test_the_french_api_shows_the_french_explanation_and_the_english_one_the_english(
    reconciled, curator
):
    url = f"/api/projects/{reconciled.project.slug}/field-results/?task={reconciled.pk}"
    french = api_client(curator)
    french.credentials(HTTP_ACCEPT_LANGUAGE="fr")
    by_key = {row["key"]: row for row in french.get(url).json()["results"]}
    assert (
        by_key["locality"]["explanation"]
        == "2 sur 3 s’accordent exactement\u00a0; 1 a donné autre chose"
    )
    assert by_key["locality"]["explanation_parts"][0]["code"] == "agree.exactly"
    english = {row["key"]: row for row in api_client(curator).get(url).json()["results"]}
    assert english["locality"]["explanation"] == "2 of 3 agree exactly; 1 gave something else"


def test_the_french_review_page_data_show_the_french_explanation(project, transcribe, curator):
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    task = TaskFactory(project=project, target=2)
    for locality in ("Grenoble", "Lyon"):
        transcribe(project, {**BASE, "locality": locality}, task=task)
    assert locality_of(task).status == "disputed"
    client = api_client(curator)
    client.credentials(HTTP_ACCEPT_LANGUAGE="fr")
    fields = {f["key"]: f for f in client.get(f"/api/tasks/{task.pk}/review/").json()["fields"]}
    assert fields["locality"]["explanation"] == (
        "1 sur 2 s’accorde exactement\u00a0; 1 a donné autre chose\u00a0; "
        "il faut que 2 contributeurs soient d’accord"
    )
    assert fields["locality"]["explanation_lang"] == ""
    queue = client.get(f"/api/projects/{project.slug}/disputes/").json()["results"]
    assert {item["explanation"] for item in queue if item["key"] == "locality"} == {
        fields["locality"]["explanation"]
    }


def test_a_curators_decision_is_explained_in_the_readers_language(
    project, transcribe, curator, django_capture_on_commit_callbacks
):
    project.redundancy_min = project.redundancy_max = 2
    project.save()
    task = TaskFactory(project=project, target=2)
    for locality in ("Grenoble", "Lyon"):
        transcribe(project, {**BASE, "locality": locality}, task=task)
    with django_capture_on_commit_callbacks(execute=True):
        field_result_resolve(
            field_result_id=locality_of(task).pk, curator=curator, decision="accept",
            value="Lyon", reason="reading_checked",
        )  # fmt: skip
    result = locality_of(task)
    assert result.explanation == "Settled by a curator."
    with translation.override("fr"):
        assert result.explanation_text == "Tranché par un curateur."


def test_a_result_stored_before_explanations_had_codes_shows_its_stored_text(reconciled):
    FieldResult.objects.filter(task=reconciled).update(explanation_parts=[])
    result = locality_of(reconciled)
    with translation.override("fr"):
        assert result.explanation_text == "2 of 3 agree exactly; 1 gave something else"
    # And parts this version does not know are not guessed at.
    unknown = [{"code": "agree.telepathy", "params": {}}]
    assert explanation_text(parts=unknown, stored="kept") == "kept"


def test_json_lines_exports_explain_in_english_whatever_the_language(
    reconciled, lead, django_capture_on_commit_callbacks
):
    client = api_client(lead)
    client.credentials(HTTP_ACCEPT_LANGUAGE="fr")
    with translation.override("fr"):
        export = run_export(client, reconciled.project, "jsonl", django_capture_on_commit_callbacks)
        body, _ = download(client, export)
    lines = [json.loads(line) for line in gzip.decompress(body).splitlines()]
    task = next(line for line in lines[1:] if line["id"] == reconciled.pk)
    assert (
        task["values"]["locality"]["explanation"] == "2 of 3 agree exactly; 1 gave something else"
    )


def test_exports_write_the_english_of_the_parts_rather_than_a_truncated_text(
    reconciled, lead, django_capture_on_commit_callbacks
):
    parts = [("agree.exactly", 2, 3), ("dissent.other", 1)]
    FieldResult.objects.filter(task=reconciled, key="locality").update(
        explanation="2 of 3 agr", explanation_parts=as_data(parts)
    )
    client = api_client(lead)
    export = run_export(client, reconciled.project, "jsonl", django_capture_on_commit_callbacks)
    lines = [json.loads(line) for line in gzip.decompress(download(client, export)[0]).splitlines()]
    task = next(line for line in lines[1:] if line["id"] == reconciled.pk)
    assert (
        task["values"]["locality"]["explanation"] == "2 of 3 agree exactly; 1 gave something else"
    )


def test_every_explanation_is_spelt_where_the_message_extractor_finds_it():
    """`make messages` keeps the explanations' translations only if their ids are literal
    gettext calls somewhere: tasks/explanation_messages.py, generated from the catalogue."""
    path = Path(explanation_messages.__file__)
    current = path.read_text(encoding="utf-8")
    assert explanation_messages.source(current) == current, (
        "run `python -m tasks.explanation_messages` (make messages does)"
    )
    calls = [line for line in explanation_messages.generated_lines() if line in current]
    assert len(calls) == len(CATALOGUE) + 1  # and the separator
    assert all(f'"{message.singular}"' in current for message in CATALOGUE.values())
