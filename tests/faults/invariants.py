"""What must hold after every scenario, read from the stack's database with plain SQL (and the
engine's recomputation, run inside the stack's Django: see seed.py)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg

from tests.faults.load import Ledger

# How long the platform has, once the load stops, to reconcile every transcription, expire every
# dead lease and finish every batch: far more than the sweep needs (it runs every few seconds in
# this tier), so that only work the platform never repairs fails the bound, not a slow machine.
DRAIN_BOUND_SECONDS = 120


def _connect(database_url: str) -> psycopg.Connection[Any]:
    return psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True)


def _rows(database_url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with _connect(database_url) as connection:
        return list(connection.execute(sql, params).fetchall())


@dataclass
class Pending:
    reconcile: int
    dead_leases: int
    batches: int

    @property
    def nothing(self) -> bool:
        return not (self.reconcile or self.dead_leases or self.batches)


def pending(database_url: str, slug: str) -> Pending:
    """Work the platform still owes the project: reconciliations not run, leases active past
    their expiry, batches still ingesting."""
    ((reconcile, dead, batches),) = _rows(
        database_url,
        """
        SELECT
          (SELECT count(*) FROM tasks_task t
            WHERE t.project_id = p.id AND t.reconcile_pending),
          (SELECT count(*) FROM tasks_lease l JOIN tasks_task t ON t.id = l.task_id
            WHERE t.project_id = p.id AND l.state = 'active' AND l.expires_at <= now()),
          (SELECT count(*) FROM tasks_batch b WHERE b.project_id = p.id AND b.state = 'ingesting')
        FROM tasks_project p WHERE p.slug = %s
        """,
        slug,
    )
    return Pending(reconcile, dead, batches)


def wait_drained(database_url: str, slug: str) -> tuple[float | None, Pending]:
    """Poll until the project owes nothing; the seconds it took (None past the bound)."""
    started = time.monotonic()
    while True:
        left = pending(database_url, slug)
        elapsed = time.monotonic() - started
        if left.nothing:
            return elapsed, left
        if elapsed > DRAIN_BOUND_SECONDS:
            return None, left
        time.sleep(1)


def stored_transcriptions(database_url: str, slug: str) -> dict[int, tuple[str, int]]:
    """The project's transcriptions: id -> (idempotency key, task id)."""
    rows = _rows(
        database_url,
        """SELECT tr.id, tr.idempotency_key, tr.task_id FROM tasks_transcription tr
           JOIN tasks_project p ON p.id = tr.project_id WHERE p.slug = %s""",
        slug,
    )
    return {pk: (key, task) for pk, key, task in rows}


def acknowledged_missing(database_url: str, slug: str, ledger: Ledger) -> list[str]:
    """Acknowledged transcriptions not stored as acknowledged (id, key and image)."""
    stored = stored_transcriptions(database_url, slug)
    return [
        f"{ack.key} -> {ack.transcription}"
        for ack in ledger.acknowledged
        if ack.project == slug and stored.get(ack.transcription) != (ack.key, ack.task)
    ]


def duplicates(database_url: str, slug: str) -> list[tuple[Any, ...]]:
    """One key of one person stored twice, or one person twice on one image."""
    return _rows(
        database_url,
        """
        SELECT 'key', tr.user_id, tr.idempotency_key, count(*) FROM tasks_transcription tr
          JOIN tasks_project p ON p.id = tr.project_id WHERE p.slug = %s
          GROUP BY tr.user_id, tr.idempotency_key HAVING count(*) > 1
        UNION ALL
        SELECT 'image', tr.user_id, tr.task_id::text, count(*) FROM tasks_transcription tr
          JOIN tasks_project p ON p.id = tr.project_id WHERE p.slug = %s
          GROUP BY tr.user_id, tr.task_id HAVING count(*) > 1
        """,
        slug,
        slug,
    )


def over_target(database_url: str, slug: str, maximum: int) -> list[tuple[Any, ...]]:
    """Images whose count disagrees with their rows, or whose rows exceed their target or the
    project's maximum: (task, transcription_count, rows counted, target)."""
    return _rows(
        database_url,
        """
        SELECT t.id, t.transcription_count, counted.n, t.target FROM tasks_task t
          JOIN tasks_project p ON p.id = t.project_id
          CROSS JOIN LATERAL (
            SELECT count(*) AS n FROM tasks_transcription tr
             WHERE tr.task_id = t.id AND tr.void_id IS NULL) counted
         WHERE p.slug = %s
           AND (t.transcription_count <> counted.n OR counted.n > t.target OR t.target > %s)
        """,
        slug,
        maximum,
    )


def leases_on_transcribed_images(database_url: str, slug: str) -> list[tuple[Any, ...]]:
    """Live leases held by someone on an image they already transcribed: (lease, user, task)."""
    return _rows(
        database_url,
        """
        SELECT l.id, l.user_id, l.task_id FROM tasks_lease l
          JOIN tasks_task t ON t.id = l.task_id JOIN tasks_project p ON p.id = t.project_id
         WHERE p.slug = %s AND l.state = 'active' AND l.expires_at > now()
           AND EXISTS (SELECT 1 FROM tasks_transcription tr
                        WHERE tr.task_id = l.task_id AND tr.user_id = l.user_id)
        """,
        slug,
    )


def leases_run_out(database_url: str, lease_ids: list[int]) -> int:
    """Make live leases end now, as if their holders had gone for lunch past the lease time."""
    with _connect(database_url) as connection:
        cursor = connection.execute(
            "UPDATE tasks_lease SET expires_at = now() WHERE id = ANY(%s) AND state = 'active'",
            (lease_ids,),
        )
        return cursor.rowcount
