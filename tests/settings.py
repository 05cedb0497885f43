"""Settings of the test process and of type checking: the platform's, on a development machine.

The platform runs as in production unless DEBUG=1 is set; the tests (and mypy's Django plugin,
which imports the settings) take the development defaults unless the environment says
otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")

from crowd.settings import *  # noqa: F403

# The fast tier's database on PostgreSQL: one named for this run, which pytest-django creates
# and drops, rather than `test_<name>`, which a run would drop whoever else was using it.
if DATABASES["default"]["ENGINE"].endswith("postgresql"):  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = (  # noqa: F405
        f"test_{DATABASES['default']['NAME']}_{os.getpid()}"  # noqa: F405
    )
