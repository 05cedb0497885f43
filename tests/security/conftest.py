from tests.tasks.conftest import committed

__all__ = ["committed"]
