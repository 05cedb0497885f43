# The Celery app is loaded with Django so that jobs bind to it in web processes too.
from worker.celery import app as celery_app

__all__ = ["celery_app"]
