"""The Celery app. Workers start with `celery -A worker worker -Q <queues>` (crowd.queues names
the queues; `make stack` starts one worker per kind); beat with `celery -A worker beat`."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crowd.settings")

app = Celery("crowd")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["worker"], related_name="jobs")
