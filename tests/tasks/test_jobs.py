"""Jobs are sent by name (tasks.jobs): every name must be a job the worker runs."""

from celery import current_app
from django.conf import settings

from tasks import jobs


def test_every_job_the_domain_names_is_registered_and_every_registered_job_is_named():
    registered = {name for name in current_app.tasks if name.startswith("worker.")}

    assert registered == set(jobs.JOB_NAMES)


def test_every_periodic_job_is_a_named_job():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled
    assert scheduled <= jobs.JOB_NAMES
