from tasks.models.audit import AuditEntry, AuditKind
from tasks.models.batches import Batch, BatchFile, BatchFileState, BatchPurpose, BatchState
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
from tasks.models.readings import ImageReading, MachineReliability, ReadingStatus
from tasks.models.results import (
    FieldResult,
    FieldResultVersion,
    FieldStatus,
    Resolution,
    ResolutionDecision,
    ResolutionReason,
    TaskClaim,
)
from tasks.models.search import SearchWord, TaskDocument
from tasks.models.training import (
    GuideEntry,
    GuideExample,
    KnownAnswer,
    KnownAnswerCheck,
    KnownAnswerSource,
    KnownAnswerUse,
    TutorialStep,
)
from tasks.models.work import Lease, LeaseKind, LeaseState, Task, TaskState, Transcription

__all__ = [
    "AssignmentOrder",
    "AuditEntry",
    "AuditKind",
    "Batch",
    "BatchFile",
    "BatchFileState",
    "BatchPurpose",
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
    "GuideEntry",
    "GuideExample",
    "ImageReading",
    "KnownAnswer",
    "KnownAnswerCheck",
    "KnownAnswerSource",
    "KnownAnswerUse",
    "Lease",
    "LeaseKind",
    "LeaseState",
    "MachineReliability",
    "Membership",
    "Project",
    "ProjectBlock",
    "ProjectReviewEntry",
    "ProjectStatus",
    "ReadingStatus",
    "Resolution",
    "ResolutionDecision",
    "ResolutionReason",
    "ReviewState",
    "Role",
    "SearchWord",
    "Task",
    "TaskClaim",
    "TaskDocument",
    "TaskState",
    "Template",
    "Transcription",
    "TutorialStep",
    "Visibility",
]
