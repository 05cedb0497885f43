from django.urls import path

from tasks.api import (
    batches,
    contributors,
    exports,
    leases,
    map_area,
    moderation,
    places,
    project_review,
    projects,
    readings,
    results,
    review,
    tasks,
    templates,
    training,
    transcriptions,
)

urlpatterns = [
    path(
        "projects/<slug:slug>/review/",
        project_review.ProjectReviewView.as_view(),
        name="api-project-review",
    ),
    path(
        "projects/<slug:slug>/review/approve/",
        project_review.ProjectReviewApproveView.as_view(),
        name="api-project-review-approve",
    ),
    path(
        "projects/<slug:slug>/review/refuse/",
        project_review.ProjectReviewRefuseView.as_view(),
        name="api-project-review-refuse",
    ),
    path("reviews/", project_review.ReviewQueueView.as_view(), name="api-review-queue"),
    path("projects/", projects.ProjectListView.as_view(), name="api-project-list"),
    path("projects/<slug:slug>/", projects.ProjectDetailView.as_view(), name="api-project-detail"),
    path(
        "projects/<slug:slug>/template/",
        projects.TemplateView.as_view(),
        name="api-project-template",
    ),
    path(
        "projects/<slug:slug>/template/validate/",
        templates.ProjectTemplateValidateView.as_view(),
        name="api-project-template-validate",
    ),
    path(
        "templates/validate/",
        templates.TemplateValidateView.as_view(),
        name="api-template-validate",
    ),
    path(
        "projects/<slug:slug>/members/",
        projects.MemberListView.as_view(),
        name="api-project-members",
    ),
    path(
        "projects/<slug:slug>/members/<str:username>/",
        projects.MemberDetailView.as_view(),
        name="api-project-member",
    ),
    path("projects/<slug:slug>/next-task/", leases.NextTaskView.as_view(), name="api-next-task"),
    path("projects/<slug:slug>/map-area/", map_area.MapAreaView.as_view(), name="api-map-area"),
    path(
        "projects/<slug:slug>/my-counts/", contributors.MyCountsView.as_view(), name="api-my-counts"
    ),
    path("projects/<slug:slug>/disputes/", review.DisputeListView.as_view(), name="api-disputes"),
    path(
        "projects/<slug:slug>/disputes/bulk-accept/",
        review.BulkAcceptView.as_view(),
        name="api-bulk-accept",
    ),
    path(
        "projects/<slug:slug>/my-feedback/",
        contributors.FeedbackView.as_view(),
        name="api-my-feedback",
    ),
    path("tasks/<int:task_id>/claim/", review.ClaimView.as_view(), name="api-task-claim"),
    path("tasks/<int:task_id>/review/", review.ReviewView.as_view(), name="api-task-review"),
    path(
        "field-results/<int:field_result_id>/resolve/",
        review.ResolveView.as_view(),
        name="api-resolve",
    ),
    path(
        "field-results/<int:field_result_id>/reopen/",
        review.ReopenView.as_view(),
        name="api-reopen",
    ),
    path(
        "leases/<int:lease_id>/heartbeat/",
        leases.LeaseHeartbeatView.as_view(),
        name="api-lease-heartbeat",
    ),
    path(
        "leases/<int:lease_id>/release/",
        leases.LeaseReleaseView.as_view(),
        name="api-lease-release",
    ),
    path(
        "tasks/<int:task_id>/transcriptions/",
        transcriptions.TranscriptionCreateView.as_view(),
        name="api-transcriptions",
    ),
    # --- Data reads: tasks, field results, decisions, contributors' figures ---
    path(
        "projects/<slug:slug>/tasks/", tasks.ProjectTaskListView.as_view(), name="api-project-tasks"
    ),
    path("tasks/<int:task_id>/", tasks.TaskDetailView.as_view(), name="api-task"),
    path(
        "tasks/<int:task_id>/reading/", readings.TaskReadingView.as_view(), name="api-task-reading"
    ),
    path(
        "projects/<slug:slug>/field-results/",
        results.ProjectFieldResultListView.as_view(),
        name="api-project-field-results",
    ),
    path(
        "projects/<slug:slug>/resolutions/",
        results.ProjectResolutionListView.as_view(),
        name="api-project-resolutions",
    ),
    path(
        "field-results/<int:field_result_id>/resolutions/",
        results.FieldResultResolutionListView.as_view(),
        name="api-field-result-resolutions",
    ),
    path(
        "projects/<slug:slug>/contributors/",
        contributors.ContributorStatsListView.as_view(),
        name="api-project-contributors",
    ),
    path("projects/<slug:slug>/my-stats/", contributors.MyStatsView.as_view(), name="api-my-stats"),
    # --- Gazetteer (issue 22) ---
    path(
        "projects/<slug:slug>/places/", places.PlaceSearchView.as_view(), name="api-project-places"
    ),
    # --- Training ---
    path(
        "projects/<slug:slug>/practice/next/",
        training.PracticeNextView.as_view(),
        name="api-practice-next",
    ),
    path("projects/<slug:slug>/training/", training.TrainingView.as_view(), name="api-training"),
    path(
        "projects/<slug:slug>/known-answers/",
        training.KnownAnswersView.as_view(),
        name="api-known-answers",
    ),
    path(
        "tasks/<int:task_id>/known-answer/",
        training.KnownAnswerPromoteView.as_view(),
        name="api-known-answer-promote",
    ),
    path(
        "known-answers/<int:known_id>/",
        training.KnownAnswerDetailView.as_view(),
        name="api-known-answer",
    ),
    path(
        "projects/<slug:slug>/contributors/training/",
        training.ContributorsTrainingView.as_view(),
        name="api-contributors-training",
    ),
    # --- Moderation (leads) ---
    path(
        "projects/<slug:slug>/blocks/",
        moderation.BlockListView.as_view(),
        name="api-project-blocks",
    ),
    path(
        "projects/<slug:slug>/blocks/<str:username>/unblock/",
        moderation.UnblockView.as_view(),
        name="api-project-unblock",
    ),
    path(
        "projects/<slug:slug>/voids/", moderation.VoidListView.as_view(), name="api-project-voids"
    ),
    path(
        "projects/<slug:slug>/voids/<str:username>/unvoid/",
        moderation.UnvoidView.as_view(),
        name="api-project-unvoid",
    ),
    path(
        "projects/<slug:slug>/outliers/",
        moderation.OutliersView.as_view(),
        name="api-project-outliers",
    ),
    # --- Batches (issue 8) ---
    path(
        "projects/<slug:slug>/batches/",
        batches.ProjectBatchesView.as_view(),
        name="api-project-batches",
    ),
    path("batches/<int:batch_id>/", batches.BatchDetailView.as_view(), name="api-batch"),
    path("batches/<int:batch_id>/files/", batches.BatchFilesView.as_view(), name="api-batch-files"),
    path("batches/<int:batch_id>/start/", batches.BatchStartView.as_view(), name="api-batch-start"),
    path(
        "batches/<int:batch_id>/withdraw/",
        batches.BatchWithdrawView.as_view(),
        name="api-batch-withdraw",
    ),
    # --- Exports (issue 7) ---
    path(
        "projects/<slug:slug>/exports/",
        exports.ProjectExportsView.as_view(),
        name="api-project-exports",
    ),
    path("exports/<int:export_id>/", exports.ExportDetailView.as_view(), name="api-export"),
    path(
        "exports/<int:export_id>/download/",
        exports.ExportDownloadView.as_view(),
        name="api-export-download",
    ),
]
