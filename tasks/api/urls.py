from django.urls import path

from tasks.api import views, work

urlpatterns = [
    path("projects/", views.ProjectListView.as_view(), name="api-project-list"),
    path("projects/<slug:slug>/", views.ProjectDetailView.as_view(), name="api-project-detail"),
    path(
        "projects/<slug:slug>/template/", views.TemplateView.as_view(), name="api-project-template"
    ),
    path(
        "projects/<slug:slug>/members/", views.MemberListView.as_view(), name="api-project-members"
    ),
    path(
        "projects/<slug:slug>/members/<str:username>/",
        views.MemberDetailView.as_view(),
        name="api-project-member",
    ),
    path("projects/<slug:slug>/next-task/", work.NextTaskView.as_view(), name="api-next-task"),
    path("projects/<slug:slug>/my-counts/", work.MyCountsView.as_view(), name="api-my-counts"),
    path(
        "leases/<int:lease_id>/heartbeat/",
        work.LeaseHeartbeatView.as_view(),
        name="api-lease-heartbeat",
    ),
    path(
        "leases/<int:lease_id>/release/", work.LeaseReleaseView.as_view(), name="api-lease-release"
    ),
    path(
        "tasks/<int:task_id>/transcriptions/",
        work.TranscriptionCreateView.as_view(),
        name="api-transcriptions",
    ),
]
