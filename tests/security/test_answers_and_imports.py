"""Answers and imports a volunteer or a lead controls, read by the new readers (units, labelled
points, countries) and the manifest import: each hostile input is refused, or read as plain
data, and nothing is stored for a refusal.

- an elevation with markup, an exponent, two units, a unit first or a right-to-left override is
  not a number: refused at submission, naming the field;
- a point made of labels alone is refused; thousands of labels are read in one linear pass (no
  catastrophic backtracking), around a point as around none;
- a country written as markup, as a code that is no country, or as a megabyte of text is no
  country (no `countryCode`, and no point held back because of it);
- a manifest address with a script, file or data scheme, a right-to-left override, or
  credentials and a port out of range is refused by the request, and no batch is made;
- an idempotency key of 65 characters, none, blank or with a NUL, or a lease that is no integer
  (`true`, `"5; DROP TABLE"`), is refused and nothing is recorded (the quick reading of the usual
  body leaves them to the serializer and its messages);
- values written like SQL or JSON reach the field results, which reconciliation writes as one
  JSON array (`crowd.json_rows`), as the text typed.
"""

from __future__ import annotations

import pytest

from tasks.models import Batch, Transcription
from tasks.services.batch_sources import manifest_url_check
from tasks.services.leases import lease_grant
from tasks.values import ValuesRejected, values_check
from tests.factories import ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client
from worker.consensus.geo import parse_point
from worker.places.countries import country_code
from worker.template import template_parse

BASE = {"scientificName": "Quercus ilex L.", "country": "France", "eventDate": "12/06/1898"}
ELEVATION = "minimumElevationInMeters"


@pytest.mark.parametrize(
    "typed",
    ["1200 ft<script>alert(1)</script>", "1e309 ft", "1200 ft ft", "ft 1200", "1200 ft\u202e"],
)
def test_a_hostile_elevation_is_refused_at_submission_naming_the_field(db, typed):
    specs = template_parse(ProjectFactory().template.fields)
    with pytest.raises(ValuesRejected) as refused:
        values_check(specs=specs, values={**BASE, ELEVATION: typed}, markers={})
    assert list(refused.value.errors) == [ELEVATION]


@pytest.mark.parametrize("typed", ["Lat. Long.", "Lat. " * 20_000, "LAT" * 50_000])
def test_labels_without_a_point_are_not_a_point_however_many(typed):
    assert parse_point(typed) is None


def test_thousands_of_labels_around_a_point_are_read_in_one_pass():
    assert parse_point("Lat. " * 20_000 + "45 Long. 5") == (45.0, 5.0)


@pytest.mark.parametrize(
    "written", ["<b>France</b>", "XX", "ZZZ", "France" * 200_000, "'; DROP TABLE tasks_task; --"]
)
def test_a_hostile_country_is_no_country(written):
    assert country_code(written) is None


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:application/json,{}",
        "https://example.org/\u202egnp.json",
        "https://user:pass@example.org:99999/m.json",
    ],
)
def test_a_hostile_manifest_address_is_refused_by_the_request_and_makes_no_batch(db, url):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        manifest_url_check(url)
    assert not Batch.objects.exists()


@pytest.mark.parametrize("key", ["k" * 65, "", "   ", "k\x00ey"])
def test_a_bad_idempotency_key_is_refused_and_nothing_is_recorded(db, key):
    project = ProjectFactory()
    TaskFactory(project=project)
    user = UserFactory()
    lease = lease_grant(project=project, user=user)
    assert lease is not None
    response = api_client(user).post(
        f"/api/tasks/{lease.task_id}/transcriptions/",
        {"lease": lease.pk, "values": BASE, "idempotency_key": key},
        format="json",
    )
    assert response.status_code in (400, 409)
    assert "idempotency" in response.content.decode().lower()
    assert not Transcription.objects.exists()


@pytest.mark.parametrize("lease", [True, "5; DROP TABLE tasks_lease", [5], None])
def test_a_lease_that_is_no_integer_is_refused_and_nothing_is_recorded(db, lease):
    project = ProjectFactory()
    task = TaskFactory(project=project)
    user = UserFactory()
    assert lease_grant(project=project, user=user) is not None
    response = api_client(user).post(
        f"/api/tasks/{task.pk}/transcriptions/",
        {"lease": lease, "values": BASE, "idempotency_key": "k1"},
        format="json",
    )
    assert response.status_code == 400
    assert "lease" in response.json()["error"]["fields"]
    assert not Transcription.objects.exists()


HOSTILE_TEXT = """Quercus'); DROP TABLE tasks_fieldresult; -- "}]},{"id":1 $1::jsonb %(x)s \\"""


def test_values_written_like_sql_or_json_reach_the_results_as_typed(db, transcribe):
    from tasks.models import FieldResult

    project = ProjectFactory(redundancy_min=2, redundancy_max=3)
    task = TaskFactory(project=project, target=2)
    for _ in range(2):
        transcribe(project, {**BASE, "scientificName": HOSTILE_TEXT})
    result = FieldResult.objects.get(task=task, key="scientificName")
    assert result.value == HOSTILE_TEXT
    versions = list(result.versions.values_list("value", flat=True))
    assert len(versions) == 2  # written by the first answer's reconciliation, then the second's
    assert set(versions) == {HOSTILE_TEXT}
