"""Settings of the test process and of type checking: the platform's, on a development machine.

The platform runs as in production unless DEBUG=1 is set; the tests (and mypy's Django plugin,
which imports the settings) take the development defaults unless the environment says
otherwise.
"""

from __future__ import annotations

import os

os.environ.setdefault("DEBUG", "1")

from crowd.settings import *  # noqa: F403
