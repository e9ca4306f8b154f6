"""Template helpers of the admin site for the event: the ready board and the operator warnings."""

from __future__ import annotations

from typing import Any

from django import template

from core.provider_registry import provider_setup_problems
from ingest.selectors import booth_url_problem, slot_readiness_list

register = template.Library()


@register.inclusion_tag("admin/photochanger/ready_board.html", takes_context=True)
def ready_board(context: template.Context) -> dict[str, Any]:
    """Green/red per active slot from its last check, and what stops booths from working."""
    request = context.get("request")
    if request is None or not request.user.has_perm("slots.view_slot"):
        return {"readiness": None}
    return {
        "readiness": slot_readiness_list(),
        "setup_problems": provider_setup_problems(),
        "booth_url_problem": booth_url_problem(),
    }


@register.simple_tag
def booth_url_warning() -> str:
    return booth_url_problem() or ""
