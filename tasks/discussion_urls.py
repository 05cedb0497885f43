"""Addresses of the discussion, under /projects/<slug>/talk/."""

from __future__ import annotations

from django.urls import path

from tasks.views import discussion as talk

urlpatterns = [
    path("", talk.board, name="discussion-board"),
    path("topics/<int:thread_id>/", talk.topic, name="discussion-topic"),
    path("topics/<int:thread_id>/pin/", talk.topic_pin_form, name="discussion-topic-pin"),
    path("images/<int:task_id>/", talk.image, name="discussion-image"),
    path("images/<int:task_id>/panel/", talk.image_panel, name="discussion-image-panel"),
    path("images/<int:task_id>/flags/", talk.image_flag_form, name="discussion-image-flag"),
    path("comments/<int:comment_id>/", talk.comment, name="discussion-comment"),
    path("comments/<int:comment_id>/hide/", talk.comment_hide_form, name="discussion-hide"),
    path("comments/<int:comment_id>/unhide/", talk.comment_unhide_form, name="discussion-unhide"),
    path("comments/<int:comment_id>/pin/", talk.comment_pin_form, name="discussion-pin"),
    path("comments/<int:comment_id>/report/", talk.comment_report_form, name="discussion-report"),
    path(
        "comments/<int:comment_id>/dismiss/",
        talk.comment_dismiss_form,
        name="discussion-dismiss",
    ),
    path("tags/<str:tag>/", talk.tag, name="discussion-tag"),
    path("moderation/", talk.moderation, name="discussion-moderation"),
]
