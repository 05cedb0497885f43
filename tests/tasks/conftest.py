"""Fixtures of the platform's tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run what is sent on commit (the ingest jobs, eagerly) when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
