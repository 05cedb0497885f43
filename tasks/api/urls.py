from django.urls import path

from tasks.api import views

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
]
