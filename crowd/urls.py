from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from crowd import api as people_api
from crowd import health
from crowd import profile_views as profile_pages
from crowd import views as people
from crowd.api_errors import api_not_found
from crowd.metrics import metrics
from tasks.views import batches as views_batches
from tasks.views import exports as views_exports
from tasks.views import iiif as views_iiif
from tasks.views import moderation as views_moderation
from tasks.views import people as views_people
from tasks.views import personal_data as views_personal_data
from tasks.views import projects as pages
from tasks.views import results as views_results
from tasks.views.media import media_serve

handler400 = "crowd.api_errors.bad_request"
handler404 = "crowd.api_errors.not_found"
handler500 = "crowd.api_errors.server_error"

urlpatterns = [
    path("", pages.home, name="home"),
    path("projects/new/", pages.project_new, name="project-new"),
    path("projects/<slug:slug>/", pages.project_detail, name="project-detail"),
    path("projects/<slug:slug>/transcribe/", pages.project_transcribe, name="project-transcribe"),
    path("projects/<slug:slug>/practice/", pages.project_practice, name="project-practice"),
    path("projects/<slug:slug>/review/", pages.project_review_queue, name="project-review"),
    path("projects/<slug:slug>/review/<int:task_id>/", pages.task_review_page, name="task-review"),
    path("projects/<slug:slug>/my-feedback/", pages.my_feedback, name="my-feedback"),
    path("projects/<slug:slug>/results/", views_results.project_results, name="project-results"),
    path(
        "projects/<slug:slug>/results/<int:task_id>/",
        views_results.task_results,
        name="task-results",
    ),
    path("projects/<slug:slug>/settings/", pages.project_settings, name="project-settings"),
    path("projects/<slug:slug>/exports/", views_exports.project_exports, name="project-exports"),
    path("projects/<slug:slug>/training/", include("tasks.training_urls")),
    path("", include("tasks.notification_urls")),
    path("", include("tasks.recognition_urls")),
    path("projects/<slug:slug>/talk/", include("tasks.discussion_urls")),
    path("iiif/<slug:slug>/collection.json", views_iiif.iiif_collection, name="iiif-collection"),
    path(
        "iiif/<slug:slug>/batch-<int:batch_id>/manifest.json",
        views_iiif.iiif_manifest,
        name="iiif-manifest",
    ),
    # --- Batches ---
    path("projects/<slug:slug>/batches/", views_batches.batch_upload, name="project-batches"),
    path(
        "projects/<slug:slug>/batches/<int:batch_id>/priority/",
        views_batches.batch_priority_form,
        name="project-batch-priority",
    ),
    # --- People (leads; the audit log also to curators) ---
    path(
        "projects/<slug:slug>/contributors/",
        views_people.project_contributors,
        name="project-contributors",
    ),
    path("projects/<slug:slug>/audit/", views_people.project_audit, name="project-audit"),
    path(
        "projects/<slug:slug>/members/<str:username>/remove/",
        pages.project_member_remove,
        name="project-member-remove",
    ),
    # --- Moderation (leads) ---
    path(
        "projects/<slug:slug>/moderation/block/",
        views_moderation.project_block_form,
        name="project-block",
    ),
    path(
        "projects/<slug:slug>/moderation/unblock/<str:username>/",
        views_moderation.project_unblock_form,
        name="project-unblock",
    ),
    path(
        "projects/<slug:slug>/moderation/void/",
        views_moderation.project_void_form,
        name="project-void",
    ),
    path(
        "projects/<slug:slug>/moderation/unvoid/<str:username>/",
        views_moderation.project_unvoid_form,
        name="project-unvoid",
    ),
    path(
        "projects/<slug:slug>/archive/",
        views_moderation.project_archive_form,
        name="project-archive",
    ),
    path("accounts/signup/", people.signup, name="signup"),
    path("accounts/profile/", profile_pages.profile, name="profile"),
    path("accounts/profile/email/", profile_pages.profile_email, name="profile-email"),
    path("accounts/close/", profile_pages.account_close, name="account-close"),
    path("accounts/my-data.json", views_personal_data.my_data_json, name="my-data-json"),
    path("accounts/my-data-csv.zip", views_personal_data.my_data_zip, name="my-data-zip"),
    path("accounts/verify/", people.email_verification_request, name="email-verification"),
    path("accounts/verify/<str:token>/", people.email_verify_page, name="email-verify"),
    path("accounts/login/", people.SignInView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password_reset/",
        people.RateLimitedPasswordResetView.as_view(),
        name="password_reset",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    # Browsers ask for /favicon.ico whatever the page links; answer rather than log a 404.
    path("favicon.ico", people.favicon, name="favicon"),
    path("health/", include("crowd.health")),
    # The names orchestrators (Kubernetes and others) probe by default.
    path("healthz", health.live, name="healthz"),
    path("readyz", health.ready, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/auth/token/", people_api.TokenView.as_view(), name="api-token"),
    path("api/me/", people_api.MeView.as_view(), name="api-me"),
    path("api/", include("tasks.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Split: its start-up script is a file of its own, as the Content-Security-Policy requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    # Last of the API: an address no route takes answers the error body. Only addresses ending
    # in a slash, so that Django still redirects /api/projects to /api/projects/.
    re_path(r"^api/(?:[\s\S]*/)?$", api_not_found, name="api-not-found"),
]

if settings.SERVE_MEDIA:
    # With each project's access rules; behind nginx (SENDFILE_HEADER), nginx sends the bytes.
    urlpatterns += [
        re_path(r"^media/(?P<path>.*)$", media_serve, name="media"),
    ]
