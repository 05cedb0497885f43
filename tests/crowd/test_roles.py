"""The capability rules that pages, API and sockets all use."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tasks.models import Role
from tasks.roles import Capability, project_capabilities
from tests.factories import MembershipFactory, ProjectFactory, UserFactory

V, C, R, M = Capability.VIEW, Capability.CONTRIBUTE, Capability.CURATE, Capability.MANAGE


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("visibility", "status", "role", "expected"),
    [
        ("public", "active", None, {V, C}),
        ("public", "active", Role.CONTRIBUTOR, {V, C}),
        ("public", "active", Role.CURATOR, {V, C, R}),
        ("public", "active", Role.LEAD, {V, C, R, M}),
        ("public", "paused", None, {V}),
        ("public", "finished", Role.CONTRIBUTOR, {V}),
        ("public", "draft", None, set()),
        ("public", "draft", Role.CONTRIBUTOR, set()),
        ("public", "draft", Role.CURATOR, {R, V}),
        ("public", "draft", Role.LEAD, {V, R, M}),
        ("members", "active", None, set()),
        ("members", "active", Role.CONTRIBUTOR, {V, C}),
        ("members", "active", Role.CURATOR, {V, C, R}),
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
    }
