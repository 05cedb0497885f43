from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrowdConfig(AppConfig):
    name = "crowd"
    verbose_name = _("People")

    def ready(self) -> None:
        from crowd import auth, signals  # noqa: F401 (their receivers connect on import)
