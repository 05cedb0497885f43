"""Writes to the audit log: what a lead did that no other row keeps (tasks.models.audit)."""

from __future__ import annotations

from typing import Any

from crowd.models import User
from tasks.models import AuditEntry, Batch, Project


def audit_record(
    *,
    project: Project | int,
    kind: str,
    actor: User | None,
    subject: User | None = None,
    batch: Batch | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record one act, in the caller's transaction (a rollback takes the entry back with it)."""
    project_id = project if isinstance(project, int) else project.pk
    return AuditEntry.objects.create(
        project_id=project_id,
        kind=kind,
        actor=actor if actor is not None and actor.pk else None,
        subject=subject,
        batch=batch,
        details=details or {},
    )
