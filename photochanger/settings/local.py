"""Development and single-laptop settings: ``manage.py`` and ``scripts/serve`` use these.

Everything from base (so the same secret checks: a placeholder or weak DJANGO_SECRET_KEY is
refused here too); plain HTTP, no HSTS. ``scripts/serve`` writes a generated key into ``.env.local``.
Deployments use ``photochanger.settings.production``.
"""

from __future__ import annotations

from photochanger.settings.base import *  # noqa: F403
