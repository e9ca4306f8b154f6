from __future__ import annotations

from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = "Provider spend and statistics"

    def ready(self) -> None:
        # A bad PROVIDER_PRICES value stops the process at start-up, like every other setting.
        from stats.prices import price_table

        price_table()
