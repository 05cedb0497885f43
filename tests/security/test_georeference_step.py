"""The georeference step and the map against the crowd. A catalogue, one line per test below
(hostile request → expected refusal):

- an outsider asking a members-only project for work in any step, known or made up → 404, as
  without `?step=` (a 400 for the step would tell them the project exists)
- an outsider opening its transcription page with `?step=` → 404, and nothing remembered
- a signed-out visitor asking where the map opens → refused; an outsider of a members-only
  project → 404
- a step name of any length or with control characters → 400 naming the step, nothing granted
- a volunteer's gazetteer place named with markup or a spreadsheet formula → reaches the curator
  as the text typed, which the review and map scripts only ever insert as text

The georeference payload of an answer (hostile JSON → 400 naming `georeference.<key>`, nothing
recorded): tests/tasks/test_georeference.py.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.test import Client

from tasks.models import Lease, Visibility
from tasks.step_choice import STEP_SESSION_KEY
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client
from tests.tasks.test_georeference_exports import (  # noqa: F401 (fixtures)
    HERE,
    answer,
    task,
)

pytestmark = pytest.mark.django_db

FIELDS = [
    {"key": "locality", "label": "Locality", "type": "text", "mapping": {"dwc": "locality"}},
    {"key": "point", "label": "Point", "type": "geopoint", "georeference": True},
]


@pytest.fixture
def hidden(db):
    project = ProjectFactory(visibility=Visibility.MEMBERS)
    project.template.fields = FIELDS
    project.template.save()
    TaskFactory(project=project)
    return project


@pytest.mark.parametrize("step", ["georeference", "label", "", "map", "x" * 5000])
def test_an_outsider_never_learns_a_private_project_exists_whatever_the_step(hidden, step):
    response = api_client(UserFactory()).post(f"/api/projects/{hidden.slug}/next-task/?step={step}")
    assert response.status_code == 404
    assert not Lease.objects.exists()


def test_an_outsider_opening_the_page_with_a_step_gets_404_and_nothing_remembered(hidden):
    client = Client()
    client.force_login(UserFactory())
    response = client.get(f"/projects/{hidden.slug}/transcribe/?step=georeference")
    assert response.status_code == 404
    assert STEP_SESSION_KEY not in client.session


@pytest.mark.parametrize("step", ["x" * 5000, "georeference\x00", "label\u202e"])
def test_a_hostile_step_is_refused_and_grants_nothing(step):
    project = ProjectFactory()
    project.template.fields = FIELDS
    project.template.save()
    TaskFactory(project=project)
    member = MembershipFactory(project=project, role="contributor").user
    response = api_client(member).post(
        f"/api/projects/{project.slug}/next-task/?" + urlencode({"step": step})
    )
    assert response.status_code == 400, response.content
    assert not Lease.objects.exists()


def test_where_the_map_opens_is_for_signed_in_people_who_may_see_the_project(hidden):
    public = ProjectFactory()
    assert api_client(None).get(f"/api/projects/{public.slug}/map-area/").status_code in (401, 403)
    outsider = api_client(UserFactory()).get(f"/api/projects/{hidden.slug}/map-area/?country=FR")
    assert outsider.status_code == 404


HOSTILE_PLACE = '<img src=x onerror="alert(1)">=HYPERLINK("http://evil.example")'


def test_a_hostile_place_name_reaches_the_curator_as_text_only(project, curator, task, answer):  # noqa: F811
    answer(
        HERE,
        {"source": "gazetteer", "uncertainty_m": 500, "place": {"id": 3, "name": HOSTILE_PLACE}},
    )
    body = api_client(curator).get(f"/api/tasks/{task.pk}/review/").json()
    field = next(f for f in body["fields"] if f["key"] == "coordinates")
    made = [who["made"] for answer in field["answers"] for who in answer["contributors"]]
    assert made == [f"found in the gazetteer: {HOSTILE_PLACE}, ± 500 m"]
    # The pages that show places and how points were made write them as text, never as HTML.
    root = Path(__file__).resolve().parents[2] / "static" / "js"
    for script in ("review/field.js", "transcribe/map.js"):
        source = (root / script).read_text(encoding="utf-8")
        assert "innerHTML" not in source, script
        assert "insertAdjacentHTML" not in source, script
