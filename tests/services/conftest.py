from __future__ import annotations

import pytest

from tests.stack import services_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    with services_stack(tmp_path_factory.mktemp("services")) as running:
        yield running
