from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from worker.template import use_translator


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Transcription")

    def ready(self) -> None:
        # Template errors are shown to leads in their language.
        use_translator(gettext)
        # Pillow refuses larger images (decompression bombs) everywhere in the platform.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
        # Deactivating an account (admin or elsewhere) ends the leases it holds.
        # The reconciliation lag is read at each scrape of the metrics.
        from crowd.metrics import scraped_add
        from tasks import receivers  # noqa: F401
        from tasks.metrics import reconcile_lag

        scraped_add(reconcile_lag)
