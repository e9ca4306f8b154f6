"""WSGI entry point for gunicorn."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photochanger.settings.production")

application = get_wsgi_application()


def _preload() -> None:
    """The ingest view asks the slot's provider how it wants the photo: build the registry (and
    import the SDKs) while the process boots, not inside the first booth requests, where seconds of
    import under the GIL stalled every thread of the process (pool waits ran out under load)."""
    from PIL import Image

    from core.provider_registry import provider_registry

    provider_registry()
    Image.init()


_preload()
