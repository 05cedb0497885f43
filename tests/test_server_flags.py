"""The ASGI server runs with the same WebSocket settings everywhere: `make run` and
`make stack`, the stack and browser tiers, and the live benchmark."""

from __future__ import annotations

import shlex

from bench.live import SERVER_FLAGS
from tests.servers import ROOT, UVICORN_FLAGS


def makefile_uvicorn_flags() -> list[str]:
    for line in (ROOT / "Makefile").read_text().splitlines():
        if line.startswith("UVICORN_FLAGS :="):
            return shlex.split(line.split(":=", 1)[1])
    raise AssertionError("the Makefile defines no UVICORN_FLAGS")


def test_the_test_servers_and_the_benchmark_use_the_makefiles_uvicorn_flags():
    assert makefile_uvicorn_flags() == UVICORN_FLAGS == SERVER_FLAGS


def test_every_uvicorn_command_of_the_makefile_uses_them():
    commands = [
        line
        for line in (ROOT / "Makefile").read_text().splitlines()
        if "bin/uvicorn " in line and not line.lstrip().startswith("#")
    ]
    assert commands
    assert all("$(UVICORN_FLAGS)" in line for line in commands)


def test_per_message_deflate_stays_off():
    # On, it keeps a zlib context of about 90 KiB per socket (see the Makefile).
    assert UVICORN_FLAGS[UVICORN_FLAGS.index("--ws-per-message-deflate") + 1] == "false"
