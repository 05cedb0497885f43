from __future__ import annotations

import pytest

from tests.servers import full_stack


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    # IIIF imports are fetched from servers the tests run on this machine.
    env = {"IIIF_IMPORT_ALLOW_PRIVATE": "1"}
    with full_stack(tmp_path_factory.mktemp("stack"), env=env) as running:
        yield running
