"""The domain tests' fixtures, shared with the security tests."""

from tests.tasks.conftest import committed, complete_tasks  # noqa: F401
