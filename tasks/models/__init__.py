from tasks.models.batches import Batch, BatchFile, BatchFileState, BatchState
from tasks.models.exports import Export, ExportFormatChoice, ExportState
from tasks.models.members import ContributorReliability, ContributorTrust, Membership, Role
from tasks.models.moderation import ContributorVoid, ProjectBlock
from tasks.models.projects import (
    AssignmentOrder,
    Project,
    ProjectReviewEntry,
    ProjectStatus,
    ReviewState,
    Template,
    Visibility,
)
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
    "ContributorVoid",
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
    "ProjectBlock",
    "ProjectReviewEntry",
    "ProjectStatus",
    "Resolution",
    "ResolutionDecision",
    "ResolutionReason",
    "ReviewState",
    "Role",
    "Task",
    "TaskClaim",
    "TaskState",
    "Template",
    "Transcription",
    "Visibility",
]
