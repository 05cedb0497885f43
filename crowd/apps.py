from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrowdConfig(AppConfig):
    name = "crowd"
    verbose_name = _("People")

    def ready(self) -> None:
        from django.core import checks

        from crowd import auth, signals  # noqa: F401 (their receivers connect on import)
        from crowd.reporting import errors_reported_check

        checks.register(errors_reported_check, checks.Tags.security, deploy=True)
