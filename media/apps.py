from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediaConfig(AppConfig):
    name = "media"
    verbose_name = _("Media")

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        # Every decode in this process (web checks, providers, thumbnails) opens its image through
        # providers.image_guard, which takes its pixel limit from here unless told otherwise.
        Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
