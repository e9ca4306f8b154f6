"""Development and single-laptop settings: ``manage.py`` and ``scripts/serve`` use these.

Everything from base (so the same secret checks: a placeholder or weak DJANGO_SECRET_KEY is
refused here too); plain HTTP, no HSTS. ``scripts/serve`` writes a generated key into ``.env.local``.
Deployments use ``photochanger.settings.production``.

Debug mode is for this machine only: Django's debug pages show tracebacks with the request's
data (a booth's password field among them) and every URL, so debug is refused while gunicorn
binds an address other machines reach (``scripts/serve --lan`` binds all interfaces).
"""

from __future__ import annotations

import ipaddress

from django.core.exceptions import ImproperlyConfigured

from photochanger.settings.base import *  # noqa: F403
from photochanger.settings.base import DEBUG, env


def _reachable_from_the_network(bind: str) -> bool:
    if bind.startswith("unix:"):
        return False
    host = bind.rsplit(":", 1)[0].strip("[]") if ":" in bind else bind
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:
        return True  # a host name: whatever it resolves to, assume others reach it


_bind = env.str("GUNICORN_BIND", default="127.0.0.1:8000")
if DEBUG and any(_reachable_from_the_network(bind.strip()) for bind in _bind.split(",") if bind.strip()):
    raise ImproperlyConfigured(
        f"DJANGO_DEBUG is on while gunicorn binds {_bind}: debug pages (tracebacks with request data, "
        "every URL) would be served to the network. Turn DJANGO_DEBUG off, or bind 127.0.0.1."
    )
