"""Fault tier: the private Redis (broker, cache, channel layer) is stopped for OUTAGE_SECONDS
in the middle of the load and started again, empty, on the same port (scenario b).

Redis is not needed to accept work: next-task and submit answer while it is away (each at least
once with a 2xx during the outage, no 5xx, and no request left without an answer: a Redis that
is away must not stall a request past the client's timeout), what it lost (queued jobs) the
sweep repairs from the database, and the invariants hold. This module
runs after the others (alphabetical order) so that whatever the outage leaves behind in the
servers is this scenario's finding alone."""

from __future__ import annotations

import time

import pytest

from tests.faults.checks import invariants_check
from tests.faults.load import load_running

pytestmark = pytest.mark.faults

LOAD_SECONDS = 30
OUTAGE_AT = 8
OUTAGE_SECONDS = 10


def test_a_redis_outage_keeps_serving_next_task_and_submit_and_loses_nothing_acknowledged(
    faults,
):
    slug = "faults-redis"
    with load_running(faults.urls, slug, faults.tokens) as load:
        time.sleep(max(0.0, load.started + OUTAGE_AT - time.monotonic()))
        load.phase("during the outage")
        faults.redis_stop()
        time.sleep(OUTAGE_SECONDS)
        faults.redis_start()
        load.phase("after")
        time.sleep(max(0.0, load.started + LOAD_SECONDS - time.monotonic()))
    invariants_check(
        faults,
        slug,
        load.ledger,
        name="Redis stopped 10 s",
        served_during="during the outage",
        every_request_answered=True,
    )
