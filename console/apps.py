from __future__ import annotations

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    """The admin site as operators see it: model pages, dashboard, thumbnails, test runs."""

    name = "console"
