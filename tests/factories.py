"""factory_boy factories: the one place tests build data."""

from __future__ import annotations

import copy

import factory
from django.contrib.auth.hashers import make_password

from crowd.models import User
from tasks.models import (
    Membership,
    Project,
    ProjectStatus,
    Role,
    Task,
    TaskState,
    Template,
    Visibility,
)
from tasks.presets import PRESETS

PASSWORD = "correct-horse-battery-staple"
_PASSWORD_HASH = make_password(PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.org")
    password = _PASSWORD_HASH


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"project-{n}")
    title_fr = factory.Sequence(lambda n: f"Projet {n}")
    title_en = factory.Sequence(lambda n: f"Project {n}")
    status = ProjectStatus.ACTIVE
    visibility = Visibility.PUBLIC

    template = factory.RelatedFactory(
        "tests.factories.TemplateFactory", factory_related_name="project"
    )


class TemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Template

    # A copy: a test changing its template must not change the preset for the tests after it.
    fields = factory.LazyFunction(lambda: copy.deepcopy(PRESETS["herbarium"]["fields"]))
    preset = "herbarium"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    project = factory.SubFactory(ProjectFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.CONTRIBUTOR


class TaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Task

    project = factory.SubFactory(ProjectFactory)
    state = TaskState.OPEN
    original_name = factory.Sequence(lambda n: f"image-{n}.jpg")
