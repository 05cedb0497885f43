"""Work waiting for the background jobs, as the database records it."""

from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone

from tasks.models import Task


def reconcile_backlog() -> tuple[int, float]:
    """Tasks waiting for their reconciliation, and how long the oldest has waited (seconds
    since its last transcription; 0 when none waits). Read through the partial index on
    pending tasks."""
    found = Task.objects.filter(reconcile_pending=True).aggregate(
        count=Count("pk"), oldest=Min("last_transcribed_at")
    )
    oldest = found["oldest"]
    age = max(0.0, (timezone.now() - oldest).total_seconds()) if oldest is not None else 0.0
    return int(found["count"]), age
