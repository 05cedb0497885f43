"""Stack tier: the metrics and the readiness check of a running platform. The web process's
`/metrics` adds up what every process of the stack counted (the worker's jobs included), and
the heartbeat beat sends to each queue reaches the readiness answer through the real worker."""

from __future__ import annotations

import httpx
import pytest

from tests.servers import METRICS_TOKEN
from tests.web import readiness_until

pytestmark = pytest.mark.stack

SEND_HEARTBEATS = (
    "from celery import current_app\n"
    "from crowd.queues import QUEUES\n"
    "for queue in QUEUES:\n"
    "    current_app.send_task('worker.jobs.heartbeat', args=(queue,), queue=queue)\n"
)


def _served(answer: httpx.Response) -> bool:
    """Ready, every part answered within the probe's budget, and every queue's worker seen."""
    body = answer.json()
    workers = [state["worker"] for state in body.get("queues", {}).values()]
    return (
        answer.status_code == 200
        and body["status"] == "ok"
        and workers != []
        and all(worker == "ok" for worker in workers)
    )


def test_every_queue_s_heartbeat_is_taken_by_the_worker_and_its_jobs_reach_the_web_metrics(stack):
    stack.manage("shell", "-c", SEND_HEARTBEATS)
    ready = readiness_until(stack.base_url, _served, seconds=60)
    answer = ready.json()
    assert ready.status_code == 200, answer
    assert answer["status"] == "ok", answer
    assert all(state["worker"] == "ok" for state in answer["queues"].values()), answer

    response = httpx.get(
        f"{stack.base_url}/metrics",
        headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        timeout=10,
    )
    assert response.status_code == 200
    counted = {
        line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1])
        for line in response.text.splitlines()
        if line.startswith("crowd_jobs_total{")
    }
    heartbeats = counted.get('crowd_jobs_total{job="worker.jobs.heartbeat",outcome="success"}', 0)
    # Run in the worker's process, counted in the web process's answer.
    assert heartbeats >= 5, counted
    assert 'view="health-ready"' in response.text
    assert "crowd_queue_depth{" in response.text
    assert "crowd_reconcile_lag_seconds" in response.text


def test_metrics_are_refused_without_the_token(stack):
    response = httpx.get(f"{stack.base_url}/metrics", timeout=10)
    assert response.status_code == 401
