"""Addresses of recognition: rankings, public profiles, the opt-ins."""

from __future__ import annotations

from django.urls import path

from tasks.views import recognition

urlpatterns = [
    path(
        "projects/<slug:slug>/ranking/",
        recognition.project_ranking_page,
        name="project-ranking",
    ),
    path("people/<slug:handle>/", recognition.public_profile_page, name="public-profile"),
    path(
        "accounts/profile/recognition/",
        recognition.recognition_choices,
        name="profile-recognition",
    ),
]
