"""gunicorn settings (``gunicorn photochanger.wsgi:application -c gunicorn.conf.py``).

Worker class: booth requests block up to T_SYNC_RESPONSE (50 s) waiting for their job, so the web
tier uses threads (gthread): a waiting request costs one idle thread (and no database connection:
the view gives it back before it waits), not one process. Sync workers would hold one booth per
process; gevent/eventlet would need the Redis result wait and psycopg to be green.

Capacity: one web process holds GUNICORN_THREADS booth requests at once (64 by default); a web
instance holds WEB_CONCURRENCY x GUNICORN_THREADS. Measured here (docs/operations.md, "Processes, capacity and
time limits"): 2 processes x 128 threads answered 200 simultaneous 5 s jobs with p99 5.5 s.
Requests past that capacity wait in the listen backlog (``backlog``), then are refused: add
processes or instances, not threads beyond a few hundred (each thread's photo upload is buffered
up to FILE_UPLOAD_MAX_MEMORY_SIZE in memory).

Timeouts: ``timeout`` (the worker heartbeat) and ``graceful_timeout`` exceed T_SYNC_RESPONSE + 1 s,
so gunicorn never kills a process whose threads are waiting on booth jobs, and a restart lets the
requests in flight finish. ``Expect: 100-continue`` (sent by DSLR Remote Pro) is answered by
gunicorn itself with ``100 Continue`` as soon as the headers are parsed, before the body is read.

Metrics: prometheus_client's multiprocess mode, so /metrics sums the counters of every gunicorn
worker; PROMETHEUS_MULTIPROC_DIR is emptied at start and dead workers are marked on exit.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import environ

# The same .env.local the app reads on the host (the environment wins; photochanger/settings/
# environment.py), so GUNICORN_BIND, T_SYNC_RESPONSE, the trusted proxies and the process counts set
# there apply to gunicorn too. In a container the environment comes from compose's env file.
environ.Env.read_env(Path(__file__).resolve().with_name(".env.local"))

T_SYNC_RESPONSE = float(os.environ.get("T_SYNC_RESPONSE", "50"))
# Threads of a web process share one bounded database pool (see DATABASE_POOL in settings). Set
# for gunicorn's processes only (raw_env), never in the environment of whoever reads this file.
raw_env = [f"DATABASE_POOL={os.environ.get('DATABASE_POOL', 'true')}"]

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "64"))
# Longer than any booth request may take (T_SYNC_RESPONSE + 1 s), so gunicorn never kills one.
timeout = int(T_SYNC_RESPONSE) + 30
graceful_timeout = timeout
# Booths open a connection per photo; a short keep-alive frees threads for the next booth.
keepalive = 5
backlog = int(os.environ.get("GUNICORN_BACKLOG", "2048"))
# Recycle processes now and then (jittered, so they do not restart together) to bound leaks.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = max_requests // 10
# gunicorn believes X-Forwarded-Proto only from the same proxies the app trusts (one setting,
# TRUSTED_PROXY_CIDRS; photochanger/proxies.py); none when it is empty.
forwarded_allow_ips = os.environ.get("TRUSTED_PROXY_CIDRS", "")
# No control socket: its default path is one per user, shared by every instance on the machine.
control_socket_disable = True
# Header limits well above what a booth sends, below what could be abused.
limit_request_line = 8190
limit_request_fields = 100

# --- logs: JSON lines like the app's (photochanger/logging.py), secrets scrubbed ------------------
os.environ.setdefault("PHOTOCHANGER_SERVICE", "web")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(a)s"'
_fmt = os.environ.get("LOG_FORMAT", "json")
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logging.ContextFilter"}},
    "formatters": {
        "json": {"()": "core.logging.JsonFormatter"},
        "plain": {"()": "core.logging.PlainFormatter", "fmt": "%(asctime)s %(levelname)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": _fmt if _fmt in ("json", "plain") else "json",
            "filters": ["context"],
            "stream": "ext://sys.stdout",
        }
    },
    "loggers": {
        "gunicorn.error": {"handlers": ["console"], "level": loglevel.upper(), "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# --- metrics: prometheus_client multiprocess mode -------------------------------------------------
# Must be in the environment before any worker imports prometheus_client.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="photochanger-prometheus-")


def on_starting(server) -> None:
    """Counters from a previous run of this instance must not be summed into this one."""
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
