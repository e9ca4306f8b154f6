"""What the admin dashboard shows: booth activity and spend per slot, and the system's state
(workers, queue, each provider: configured, and its models' circuit breakers)."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import redis
from django.utils import timezone
from django.utils.translation import gettext as _

from core.provider_registry import provider_registry
from jobs.activity import STATS_WINDOW, slot_stats_list, stats_since
from jobs.breaker import breaker_states
from jobs.liveness import workers_alive
from jobs.queue_state import queue_depth
from stats.budget import budget_by_slot
from stats.spend_summary import spend_summary_by_slot

logger = logging.getLogger(__name__)


def dashboard_breakers() -> list[dict[str, Any]] | None:
    """The circuit breaker's state per provider model, or None when its Redis does not answer."""
    try:
        states = breaker_states()
    except redis.RedisError:
        logger.warning("dashboard: circuit breaker state unavailable", exc_info=True)
        return None
    return [
        {
            **asdict(state),
            "changed": datetime.fromtimestamp(state.changed_at, tz=UTC) if state.changed_at else None,
        }
        for state in states
    ]


@dataclass
class ProviderState:
    name: str
    label: str
    setup_problem: str
    breakers: list[dict[str, Any]] = field(default_factory=list)

    @property
    def worst_breaker(self) -> str:
        states = {breaker["state"] for breaker in self.breakers}
        return next((state for state in ("open", "half_open") if state in states), "closed")


@dataclass
class SystemStatus:
    workers_alive: bool | None  # None: the broker's Redis does not answer
    queue_depth: int | None
    providers: list[ProviderState]
    breakers_known: bool  # False: the breaker's Redis does not answer


def system_status() -> SystemStatus:
    """One Redis read each for workers and queue, one scan for the breakers; a Redis that does not
    answer is shown as unknown, never as an error page."""
    try:
        alive: bool | None = workers_alive()
    except redis.RedisError:
        alive = None
    try:
        depth: int | None = sum(queue_depth().values())
    except redis.RedisError:
        depth = None
    breakers = dashboard_breakers()
    providers = [
        ProviderState(
            name=provider.name,
            label=provider.label,
            setup_problem=provider.setup_problem() or "",
            breakers=[b for b in breakers or [] if b["provider"] == provider.name],
        )
        for provider in provider_registry()
    ]
    known = {provider.name for provider in providers}
    for name in sorted({b["provider"] for b in breakers or []} - known):  # a provider removed since
        providers.append(
            ProviderState(
                name=name,
                label=name,
                setup_problem=_("not in PROVIDERS any more"),
                breakers=[b for b in breakers or [] if b["provider"] == name],
            )
        )
    return SystemStatus(
        workers_alive=alive, queue_depth=depth, providers=providers, breakers_known=breakers is not None
    )


def dashboard_context(*, slot_id: Any = None) -> dict[str, Any]:
    """What the dashboard partial (``admin/photochanger/dashboard.html``) renders."""
    since = stats_since()
    stats = slot_stats_list(since=since, slot_id=slot_id)
    spend = spend_summary_by_slot(today=timezone.now().date(), slot_ids=[s.slot_id for s in stats])
    return {
        "dashboard_stats": [(entry, spend.get(entry.slot_id)) for entry in stats],
        # Only slots with a cap have an entry (console/templatetags: ``budget_cell``).
        "dashboard_budgets": budget_by_slot(slot_ids=[entry.slot_id for entry in stats]),
        "dashboard_system": system_status() if slot_id is None else None,
        "dashboard_since": since,
        "dashboard_window_hours": int(STATS_WINDOW.total_seconds() // 3600),
        "dashboard_single_slot": slot_id is not None,
    }
