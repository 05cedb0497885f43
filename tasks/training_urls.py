"""Addresses of the leads' Training pages, under /projects/<slug>/training/."""

from __future__ import annotations

from django.urls import path

from tasks.views import known_answers as known
from tasks.views import training

urlpatterns = [
    path("", training.training_tutorial, name="project-training"),
    path("steps/<int:step_id>/", training.training_step, name="project-training-step"),
    path(
        "steps/<int:step_id>/delete/",
        training.training_step_delete,
        name="project-training-step-delete",
    ),
    path(
        "steps/<int:step_id>/move/", training.training_step_move, name="project-training-step-move"
    ),
    path("guide/", training.training_guide, name="project-training-guide"),
    path("guide/<str:key>/", training.training_guide_field, name="project-training-guide-field"),
    path(
        "guide/<str:key>/examples/<int:example_id>/delete/",
        training.training_example_delete,
        name="project-training-example-delete",
    ),
    path("known-answers/", known.training_known_answers, name="project-training-known"),
    path(
        "known-answers/template.csv",
        known.training_known_answers_template,
        name="project-training-known-template",
    ),
    path(
        "known-answers/<int:known_id>/",
        known.training_known_answer,
        name="project-training-known-edit",
    ),
    path(
        "known-answers/<int:known_id>/set/",
        known.training_known_answer_set,
        name="project-training-known-set",
    ),
    path("promote/<int:task_id>/", known.training_promote, name="project-training-promote"),
    path("contributors/", training.training_contributors, name="project-training-contributors"),
    path("levels/", training.training_levels, name="project-training-levels"),
]
