"""The consensus engine: reconcile several volunteers' transcriptions of one image.

Pure Python, no Django: the platform's reconcile job and the command-line reconciler
(`python -m worker.consensus reconcile ...`) both call `reconcile_task`.
"""

from worker.consensus.engine import canonical_order, reconcile_field, reconcile_task
from worker.consensus.model import (
    AGREED,
    BLANK,
    COMPLETE,
    DISPUTED,
    NEEDS_MORE,
    Alternative,
    FieldOutcome,
    Policy,
    Submission,
    TaskOutcome,
)

__all__ = [
    "AGREED",
    "BLANK",
    "COMPLETE",
    "DISPUTED",
    "NEEDS_MORE",
    "Alternative",
    "FieldOutcome",
    "Policy",
    "Submission",
    "TaskOutcome",
    "canonical_order",
    "reconcile_field",
    "reconcile_task",
]
