"""Fault tier: a part of the stack is killed with -9 in the middle of the load (scenarios a, c).

Each scenario: ~10 contributors loop next-task -> submit for LOAD_SECONDS; the fault strikes
FAULT_AT seconds in; then the invariants (tests/faults/checks.py)."""

from __future__ import annotations

import time

import pytest

from tests.faults.checks import invariants_check
from tests.faults.load import load_running

pytestmark = pytest.mark.faults

LOAD_SECONDS = 30
FAULT_AT = 8
WORKER_DOWN_SECONDS = 5


def _until(load_started: float, second: float) -> None:
    time.sleep(max(0.0, load_started + second - time.monotonic()))


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing_and_the_sweep_repairs_it(faults):
    slug = "faults-worker"
    with load_running(faults.urls, slug, faults.tokens) as load:
        _until(load.started, FAULT_AT)
        load.phase("worker down")
        faults.worker_kill()
        time.sleep(WORKER_DOWN_SECONDS)
        faults.worker_start()
        load.phase("after")
        _until(load.started, LOAD_SECONDS)
    invariants_check(faults, slug, load.ledger, name="worker killed -9")


def test_an_asgi_process_killed_mid_run_sends_clients_to_the_other_and_loses_nothing(faults):
    slug = "faults-asgi"
    with load_running(faults.urls, slug, faults.tokens) as load:
        _until(load.started, FAULT_AT)
        load.phase("one server down")
        # Requests in flight on it get no answer; their retries go to the other process with
        # the same key. It stays down to the end (the next scenario starts it again).
        faults.server_kill(1)
        _until(load.started, LOAD_SECONDS)
    invariants_check(faults, slug, load.ledger, name="ASGI process killed -9")
