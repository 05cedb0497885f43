from tasks.models.batches import Batch, BatchFile, BatchFileState, BatchState
from tasks.models.exports import Export, ExportFormatChoice, ExportState
from tasks.models.members import ContributorReliability, ContributorTrust, Membership, Role
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
from tasks.models.work import Lease, LeaseState, Task, TaskState, Transcription

__all__ = [
    "AssignmentOrder",
    "Batch",
    "BatchFile",
    "BatchFileState",
    "BatchState",
    "ContributorReliability",
    "ContributorTrust",
    "Export",
    "ExportFormatChoice",
    "ExportState",
    "FieldResult",
    "FieldResultVersion",
    "FieldStatus",
    "Lease",
    "LeaseState",
    "Membership",
    "Project",
    "ProjectStatus",
    "Resolution",
    "ResolutionDecision",
    "ResolutionReason",
    "Role",
    "Task",
    "TaskClaim",
    "TaskState",
    "Template",
    "Transcription",
    "Visibility",
]
