"""Security catalogue: recognition. Rankings and profiles list only who asked, never what a
reader may not see, and render hostile names as text.

| attempt | expected |
|---|---|
| an outsider asks a members-only project's ranking | 404, as the project itself |
| someone guesses a profile address of a person who did not make it public | 404 |
| a profile is asked by user id or user name instead of its random address | 404 |
| a display name with markup in a ranking or a public profile | escaped, shown as text |
| a ranking or public profile of a person without a display name | never their user name |
| the opt-ins posted without a CSRF token | 403, nothing changed |
| the opt-ins posted signed out | sent to sign in, nothing changed |
"""

from __future__ import annotations

import datetime

import pytest
from django.test import Client

from tasks.models import AnswerTally, Visibility
from tests.factories import MembershipFactory, ProjectFactory, TaskFactory, UserFactory
from tests.helpers import page_client

pytestmark = pytest.mark.django_db

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def listed(project, user, agreed=5):
    user.rank_me = True
    user.save()
    AnswerTally.objects.create(
        project=project,
        task=TaskFactory(project=project),
        user=user,
        month=datetime.date(2025, 3, 1),
        agreed=agreed,
    )
    return user


def test_a_members_only_project_s_ranking_is_not_found_from_outside():
    project = ProjectFactory(visibility=Visibility.MEMBERS)
    member = MembershipFactory(project=project).user
    listed(project, member)
    assert page_client(UserFactory()).get(f"/projects/{project.slug}/ranking/").status_code == 404
    assert page_client().get(f"/projects/{project.slug}/ranking/").status_code == 404
    assert page_client(member).get(f"/projects/{project.slug}/ranking/").status_code == 200


def test_a_profile_not_made_public_is_not_found_even_with_its_old_address():
    person = UserFactory(profile_handle="abcdefghijkl", profile_public=False)
    assert page_client().get("/people/abcdefghijkl/").status_code == 404
    assert page_client(person).get("/people/abcdefghijkl/").status_code == 404  # even to them


def test_a_profile_is_not_found_by_user_id_or_user_name():
    person = UserFactory(profile_handle="abcdefghijkl", profile_public=True)
    assert page_client().get(f"/people/{person.pk}/").status_code == 404
    assert page_client().get(f"/people/{person.username}/").status_code == 404
    assert page_client().get("/people/abcdefghijkl/").status_code == 200


def test_a_person_without_a_display_name_is_never_shown_by_their_user_name():
    project = ProjectFactory()
    person = listed(project, UserFactory(username="jbaret-login", display_name=""))
    person.profile_public, person.profile_handle = True, "abcdefghijkl"
    person.save()
    for path in (f"/projects/{project.slug}/ranking/", "/people/abcdefghijkl/"):
        page = page_client().get(path).content.decode()
        assert "jbaret-login" not in page, path
        assert "A volunteer without a display name" in page, path


def test_a_hostile_display_name_is_shown_as_text_in_a_ranking_and_a_profile():
    project = ProjectFactory()
    # Written past the profile form's checks, as an older account's name might be.
    person = listed(project, UserFactory(display_name=HOSTILE))
    person.profile_public, person.profile_handle = True, "hostilehandle"
    person.save()
    for address in (f"/projects/{project.slug}/ranking/", "/people/hostilehandle/"):
        page = page_client().get(address).content.decode()
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_the_opt_ins_need_a_csrf_token():
    person = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(person)
    response = client.post("/accounts/profile/recognition/", {"rank_me": "on"})
    assert response.status_code == 403
    person.refresh_from_db()
    assert not person.rank_me


def test_the_opt_ins_need_a_signed_in_person():
    response = Client().post("/accounts/profile/recognition/", {"rank_me": "on"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
