from __future__ import annotations

import pytest

from tests.servers import full_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    with full_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running
