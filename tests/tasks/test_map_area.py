"""Where the map beside a geopoint field opens: the record's region, else its country."""

from __future__ import annotations

from tasks.models import Visibility
from tests.factories import ProjectFactory, UserFactory
from tests.helpers import api_client


def area(user, project, **query):
    return api_client(user).get(f"/api/projects/{project.slug}/map-area/", query)


def test_the_map_opens_on_the_region_when_it_is_known(project, contributor):
    body = area(contributor, project, country="France", region="Cantal").json()
    south, west, north, east = body["box"]
    # Cantal (about 44.6-45.5 N, 2.1-3.4 E), with the margin region boxes keep.
    assert (south < 44.7, north > 45.4, west < 2.2, east > 3.3) == (True, True, True, True)
    assert north - south < 4


def test_the_map_opens_on_the_country_when_only_it_is_known(project, contributor):
    for country in ("France", "FR", "france"):
        south, west, north, east = area(contributor, project, country=country).json()["box"]
        assert (round(south), round(north), round(west), round(east)) == (41, 51, -5, 10)


def test_nothing_known_is_said_so(project, contributor):
    assert area(contributor, project).json() == {"box": None}
    assert area(contributor, project, country="Atlantis").json() == {"box": None}


def test_an_overlong_name_is_refused_with_the_reason(project, contributor):
    response = area(contributor, project, country="x" * 101)
    assert response.status_code == 400
    assert "country" in response.json()["error"]["fields"]


def test_an_outsider_of_a_private_project_does_not_learn_it_exists(db):
    private = ProjectFactory(visibility=Visibility.MEMBERS)
    assert area(UserFactory(), private, country="France").status_code == 404
