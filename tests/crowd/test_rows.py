"""Instances built from hand-written SQL are the ORM's: the same values, converted the same way
by the backend in use."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta

import pytest
from django.db import connection, connections
from django.db.backends.sqlite3.base import DatabaseWrapper as SQLiteWrapper
from django.utils import timezone
from knox.models import AuthToken

import crowd.rows
from crowd.api_auth import token_read
from crowd.models import User
from crowd.rows import columns, instance, rows_fetch
from tests.factories import UserFactory


@pytest.mark.django_db
def test_a_token_read_by_hand_is_the_one_the_orm_reads():
    token, text = AuthToken.objects.create(UserFactory(), expiry=timedelta(hours=2))
    read = token_read(text[:15], token.digest)
    assert read is not None
    orm = AuthToken.objects.select_related("user").get(pk=token.pk)
    for field in AuthToken._meta.concrete_fields:
        assert getattr(read, field.attname) == getattr(orm, field.attname), field.name
    for field in User._meta.concrete_fields:
        assert getattr(read.user, field.attname) == getattr(orm.user, field.attname), field.name
    assert read.expiry is not None
    assert read.expiry.tzinfo is not None
    assert read.expiry > timezone.now()


@pytest.mark.django_db
def test_rows_fetch_then_instance_gives_aware_dates_on_the_database_in_use():
    user = UserFactory()
    rows = rows_fetch(
        f"SELECT {columns(User, 'u')} FROM crowd_user u WHERE u.id = %s",  # noqa: S608
        [user.pk],
        prepare=True,
    )
    read = instance(User, rows[0], 0)[0]
    assert read.date_joined == User.objects.get(pk=user.pk).date_joined
    assert read.date_joined.tzinfo is not None


def test_on_sqlite_the_backends_conversions_apply(monkeypatch):
    """SQLite hands dates back naive (and the web server of the browser tier runs on it): the
    backend's converters make them aware, as the ORM does, so that comparing a token's expiry
    with the time now works there too."""
    settings_dict = copy.deepcopy(connections["default"].settings_dict)
    settings_dict.update(ENGINE="django.db.backends.sqlite3", NAME=":memory:", OPTIONS={})
    sqlite = SQLiteWrapper(settings_dict, alias="rows-sqlite")
    monkeypatch.setattr(crowd.rows, "connection", sqlite)
    naive = datetime(2026, 12, 6, 10, 0, 0)  # what SQLite's driver returns
    values = {
        "digest": "0" * 128,
        "token_key": "abcdefgh",
        "created": naive,
        "user_id": 7,
        "expiry": naive + timedelta(hours=2),
    }
    row = [values[field.attname] for field in AuthToken._meta.concrete_fields]
    token = instance(AuthToken, row, 0)[0]
    assert token.created.tzinfo is not None
    assert token.expiry.tzinfo is not None
    assert token.expiry - token.created == timedelta(hours=2)
    assert connection.vendor  # the default connection is untouched
