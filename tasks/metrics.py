"""The domain's metrics read at each scrape of `/metrics` (see `crowd.metrics`)."""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from tasks.selectors.backlog import reconcile_backlog


def reconcile_lag() -> Iterable[Metric]:
    """How many tasks wait for their reconciliation and how long the oldest has waited: the
    lag between an answer and the consensus it changes."""
    count, age = reconcile_backlog()
    yield GaugeMetricFamily(
        "crowd_reconcile_pending", "Tasks whose reconciliation has not run yet.", value=count
    )
    yield GaugeMetricFamily(
        "crowd_reconcile_lag_seconds",
        "Seconds since the last answer of the task waiting longest for its reconciliation.",
        value=age,
    )
