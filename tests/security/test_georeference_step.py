"""The georeference step and the map against the crowd. A catalogue, one line per test below
(hostile request → expected refusal):

- an outsider asking a members-only project for work in any step, known or made up → 404, as
  without `?step=` (a 400 for the step would tell them the project exists)
- an outsider opening its transcription page with `?step=` → 404, and nothing remembered
- a signed-out visitor asking where the map opens → refused; an outsider of a members-only
  project → 404
- a step name of any length or with control characters → 400 naming the step, nothing granted

The georeference payload of an answer (hostile JSON → 400 naming `georeference.<key>`, nothing
recorded): tests/tasks/test_georeference.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from tasks.models import Lease, Visibility
from tasks.step_choice import STEP_SESSION_KEY
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import api_client

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
