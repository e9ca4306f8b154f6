"""The Celery app. Configuration lives in Django settings under the ``CELERY_`` prefix."""

from __future__ import annotations

import os

from celery import Celery

from core.db import worker_db_signals_connect
from core.log_context import celery_signals_connect

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photochanger.settings.production")

app = Celery("photochanger")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# Worker and beat log through Django's LOGGING (JSON), and tag each job's lines with its ids.
celery_signals_connect()
worker_db_signals_connect()
