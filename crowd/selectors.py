"""Reads about people."""

from __future__ import annotations

from crowd.models import User


def user_active_named(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()


def user_named(username: str) -> User | None:
    """Anyone with this user name, deactivated accounts included (moderation records name them
    too)."""
    return User.objects.filter(username=username).first()
