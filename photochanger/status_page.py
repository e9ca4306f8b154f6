"""``/``: a small status page for a person with a browser (the admin header's "View site" link).

It says what ``/readyz`` already says publicly, in words: the service is up, whether it is ready,
whether workers are alive, which providers are configured. Component names and ok/not ok only: no
error texts, settings or secrets (those are for operators, in the admin site and the logs).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.provider_registry import provider_registry, provider_setup_problems
from photochanger.health import readiness

# The readiness checks' names, in words (the page's language); an unknown one shows its own name.
COMPONENT_LABELS = {"database": _("Database"), "broker": _("Broker"), "storage": _("Storage")}


@require_safe
@never_cache
def status_page(request: HttpRequest) -> HttpResponse:
    ready, checks = readiness()
    problems = provider_setup_problems()
    context = {
        "ready": ready,
        "components": [
            (name, COMPONENT_LABELS.get(name, name.capitalize()), check.ok)
            for name, check in checks.items()
            if name not in ("workers", "providers")
        ],
        "workers_alive": checks["workers"].ok if "workers" in checks else False,
        "providers": [
            {"name": provider.name, "label": provider.label, "configured": provider.name not in problems}
            for provider in provider_registry()
        ],
    }
    # 200 even when not ready: the page itself works; /readyz is the probe that answers 503.
    return TemplateResponse(request, "photochanger/status.html", context)
