"""Container health checks that need no curl in the image and no Django start-up.

    python -m photochanger.probe http http://127.0.0.1:8000/healthz   # 2xx within 5 s
    python -m photochanger.probe file-age '/data/beat/celerybeat-schedule*' [MAX_SECONDS]
    python -m photochanger.probe consuming [WORKER_NAME]                # a worker takes jobs

``consuming`` checks a Celery worker (default name ``worker@<this host>``, as docker-compose.yml
names them): it must answer a broadcast over the broker and list the job queue (``CELERY_QUEUE``)
among the queues it consumes. A worker that lost its broker connection, or runs with other queues,
is unhealthy. This one loads the Django settings (the queue name and the broker live there).

``file-age`` checks Celery beat: beat rewrites its schedule file after every task it sends
(``CELERY_BEAT_SYNC_EVERY = 1``), so a file older than a few cleanup periods means beat is stuck.
The default limit is ``max(120, 4 x CLEANUP_PERIOD_SECONDS)``. Exit status 0 = healthy.
"""

from __future__ import annotations

import glob
import os
import sys
import time
import urllib.error
import urllib.request


def probe_http(url: str, timeout: float = 5.0) -> tuple[bool, str]:
    if not url.startswith(("http://", "https://")):
        return False, f"not an http(s) URL: {url}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - scheme checked above
            return 200 <= response.status < 300, f"HTTP {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"HTTP {exc.code}"
    except OSError as exc:
        return False, f"{type(exc).__name__}: {exc}"


def default_max_age() -> float:
    return max(120.0, 4 * float(os.environ.get("CLEANUP_PERIOD_SECONDS", "30")))


def probe_file_age(pattern: str, max_age: float | None = None) -> tuple[bool, str]:
    limit = default_max_age() if max_age is None else max_age
    mtimes = []
    for path in glob.glob(pattern):
        try:
            mtimes.append(os.path.getmtime(path))
        except OSError:  # replaced between the listing and the look (dbm rewrites by renaming)
            continue
    if not mtimes:
        return False, f"no file matches {pattern}"
    age = time.time() - max(mtimes)
    return age <= limit, f"newest file is {age:.0f} s old (limit {limit:.0f} s)"


def probe_consuming(worker: str | None = None, timeout: float = 5.0) -> tuple[bool, str]:
    import socket

    from django.conf import settings

    from photochanger.celery import app

    name = worker or f"worker@{socket.gethostname()}"
    want = settings.CELERY_TASK_DEFAULT_QUEUE
    try:
        replies = app.control.inspect(destination=[name], timeout=timeout).active_queues() or {}
    except Exception as exc:  # the broker is unreachable: not healthy, say why
        return False, f"{type(exc).__name__}: {exc}"
    if name not in replies:
        return False, f"{name} did not answer within {timeout:.0f} s"
    queues = sorted(queue["name"] for queue in replies[name])
    return want in queues, f"{name} consumes {queues} (the job queue is {want!r})"


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "http":
        ok, why = probe_http(argv[1], float(argv[2]) if len(argv) > 2 else 5.0)
    elif len(argv) >= 2 and argv[0] == "file-age":
        ok, why = probe_file_age(argv[1], float(argv[2]) if len(argv) > 2 else None)
    elif argv and argv[0] == "consuming":
        ok, why = probe_consuming(argv[1] if len(argv) > 1 else None)
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(("ok: " if ok else "fail: ") + why)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
