from tasks.models.batches import BatchFile, BatchFileState
from tasks.models.projects import AssignmentOrder, Project, ProjectStatus, Template, Visibility
from tasks.models.results import (
    FieldResult,
    FieldResultVersion,
    FieldStatus,
    Resolution,
    ResolutionDecision,
    ResolutionReason,
    TaskClaim,
)
from tasks.models.work import Batch, BatchState, Lease, LeaseState, Task, TaskState, Transcription

__all__ = [
    "AssignmentOrder",
    "Batch",
    "BatchFile",
    "BatchFileState",
    "BatchState",
    "FieldResult",
    "FieldResultVersion",
    "FieldStatus",
    "Lease",
    "LeaseState",
    "Project",
    "ProjectStatus",
    "Resolution",
    "ResolutionDecision",
    "ResolutionReason",
    "Task",
    "TaskClaim",
    "TaskState",
    "Template",
    "Transcription",
    "Visibility",
]
