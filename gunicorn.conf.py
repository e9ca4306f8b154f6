"""gunicorn settings. Booth requests block up to T_SYNC_RESPONSE waiting for their job, so the web
tier uses threads (gthread): a waiting request costs one idle thread, not one process.
Capacity: WEB_CONCURRENCY processes x GUNICORN_THREADS threads booth requests in flight."""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
# Longer than any booth request may take (T_SYNC_RESPONSE + 1 s), so gunicorn never kills one.
timeout = int(float(os.environ.get("T_SYNC_RESPONSE", "50"))) + 30
graceful_timeout = timeout
keepalive = 5
accesslog = "-"
