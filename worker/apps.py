from django.apps import AppConfig


class WorkerConfig(AppConfig):
    name = "worker"
    verbose_name = "Background jobs"

    def ready(self) -> None:
        # Register the jobs in every Django process: services send them by name (tasks.jobs),
        # and the embedded default runs them eagerly, which needs them known here. Jobs are
        # counted and timed for the metrics wherever they run (worker.job_metrics).
        import worker.job_metrics
        import worker.jobs  # noqa: F401
