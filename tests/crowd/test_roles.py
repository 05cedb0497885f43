"""The capability rules that pages, API and sockets all use."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tasks.models import Role
from tasks.roles import Capability, project_capabilities
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

V, C, R, M = Capability.VIEW, Capability.CONTRIBUTE, Capability.CURATE, Capability.MANAGE
D = Capability.DISCUSS  # the discussion stays open on paused and finished projects


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("visibility", "status", "role", "expected"),
    [
        ("public", "active", None, {V, C, D}),
        ("public", "active", Role.CONTRIBUTOR, {V, C, D}),
        ("public", "active", Role.CURATOR, {V, C, R, D}),
        ("public", "active", Role.LEAD, {V, C, R, M, D}),
        ("public", "paused", None, {V, D}),
        ("public", "finished", Role.CONTRIBUTOR, {V, D}),
        ("public", "draft", None, set()),
        ("public", "draft", Role.CONTRIBUTOR, set()),
        ("public", "draft", Role.CURATOR, {R, V, D}),
        ("public", "draft", Role.LEAD, {V, R, M, D}),
        ("members", "active", None, set()),
        ("members", "active", Role.CONTRIBUTOR, {V, C, D}),
        ("members", "active", Role.CURATOR, {V, C, R, D}),
    ],
)
def test_capabilities_follow_role_visibility_and_status(visibility, status, role, expected):
    project = ProjectFactory(visibility=visibility, status=status)
    user = UserFactory()
    if role:
        MembershipFactory(project=project, user=user, role=role)
    assert project_capabilities(user, project) == frozenset(expected)


@pytest.mark.django_db
def test_anonymous_visitors_only_see_public_open_projects():
    public = ProjectFactory(visibility="public")
    private = ProjectFactory(visibility="members")
    assert project_capabilities(AnonymousUser(), public) == {V}
    assert project_capabilities(AnonymousUser(), private) == set()


@pytest.mark.django_db
def test_a_role_in_one_project_gives_nothing_in_another():
    first, second = ProjectFactory(visibility="members"), ProjectFactory(visibility="members")
    user = UserFactory()
    MembershipFactory(project=first, user=user, role=Role.LEAD)
    assert project_capabilities(user, second) == set()


@pytest.mark.django_db
def test_superusers_may_do_everything_but_contribute_to_a_closed_project():
    admin = UserFactory(is_superuser=True)
    assert project_capabilities(admin, ProjectFactory(visibility="members", status="paused")) == {
        V,
        R,
        M,
        D,
    }
