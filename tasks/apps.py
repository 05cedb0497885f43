from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Transcription")

    def ready(self) -> None:
        from django.utils.translation import gettext

        from tasks.template_spec import use_translator

        # Template errors are shown to leads in their language.
        use_translator(gettext)

        from django.conf import settings
        from PIL import Image

        # Pillow refuses larger images (decompression bombs) everywhere in the platform.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
