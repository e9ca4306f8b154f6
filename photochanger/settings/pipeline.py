"""The booth pipeline's clock and limits: deadlines, lifetimes, upload and image bounds, abuse guards."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from photochanger.proxies import proxy_networks
from photochanger.settings.environment import count_limit, env, positive

# --- Pipeline timing -------------------------------------------------------------------------
# The one clock: job.deadline = received + T_SYNC_RESPONSE; every other budget derives from it.
T_SYNC_RESPONSE = positive("T_SYNC_RESPONSE", env.float("T_SYNC_RESPONSE", default=50.0), maximum=600)
MEDIA_TTL_SECONDS = positive("MEDIA_TTL_SECONDS", env.float("MEDIA_TTL_SECONDS", default=60.0))
RESULT_TTL_HOURS = positive("RESULT_TTL_HOURS", env.float("RESULT_TTL_HOURS", default=72.0))
CLEANUP_PERIOD_SECONDS = positive("CLEANUP_PERIOD_SECONDS", env.float("CLEANUP_PERIOD_SECONDS", default=30.0))
# A pending/processing job this long past its deadline is presumed orphaned (dead web or worker).
STALE_JOB_GRACE_SECONDS = positive("STALE_JOB_GRACE_SECONDS", env.float("STALE_JOB_GRACE_SECONDS", default=10.0))
# A stored file without a row is deleted (by beat, this often) once this old. Files are written just
# before their row commits: the age must exceed any request's or task's life (T_SYNC_RESPONSE + 30 s
# at most), with minutes to spare for clock skew between the storage and the hosts.
STORAGE_ORPHAN_MIN_AGE_SECONDS = env.float("STORAGE_ORPHAN_MIN_AGE_SECONDS", default=3600.0)
if STORAGE_ORPHAN_MIN_AGE_SECONDS < T_SYNC_RESPONSE + 300:
    raise ImproperlyConfigured(
        f"STORAGE_ORPHAN_MIN_AGE_SECONDS must be at least T_SYNC_RESPONSE + 300 "
        f"({T_SYNC_RESPONSE + 300:g}); got {STORAGE_ORPHAN_MIN_AGE_SECONDS!r}."
    )

# --- Ingest limits ---------------------------------------------------------------------------
UPLOAD_MAX_BYTES = int(positive("UPLOAD_MAX_BYTES", env.int("UPLOAD_MAX_BYTES", default=25 * 1024 * 1024)))
# Larger images are refused (decompression bomb guard); it sets the memory budget (docs/operations.md). The
# default admits a 50.3 MP camera (8688 x 5792).
IMAGE_MAX_PIXELS = int(positive("IMAGE_MAX_PIXELS", env.int("IMAGE_MAX_PIXELS", default=52_000_000)))
# Image checks one process runs at once (each may hold 20 bytes per pixel of IMAGE_MAX_PIXELS), and
# how long a request waits for its turn before a 503.
IMAGE_CHECKS_PER_PROCESS = int(positive("IMAGE_CHECKS_PER_PROCESS", env.int("IMAGE_CHECKS_PER_PROCESS", default=2)))
IMAGE_CHECK_WAIT_SECONDS = positive("IMAGE_CHECK_WAIT_SECONDS", env.float("IMAGE_CHECK_WAIT_SECONDS", default=10.0))
# Failed slot passwords allowed per client address and slot in a window, then 429 (0 disables).
INGEST_AUTH_FAILURE_LIMIT = env.int("INGEST_AUTH_FAILURE_LIMIT", default=10)
INGEST_AUTH_FAILURE_WINDOW_SECONDS = positive(
    "INGEST_AUTH_FAILURE_WINDOW_SECONDS", env.float("INGEST_AUTH_FAILURE_WINDOW_SECONDS", default=300.0)
)
# Jobs one slot may have in flight before its booth gets 429 (0 disables).
SLOT_MAX_IN_FLIGHT = count_limit("SLOT_MAX_IN_FLIGHT", env.int("SLOT_MAX_IN_FLIGHT", default=50))
# Booth resends waiting on one job, and on all of one slot's jobs, before a further resend gets 429
# at once (0 disables): each waiting request holds a web thread until the job's deadline.
JOB_MAX_WAITING_RETRIES = count_limit("JOB_MAX_WAITING_RETRIES", env.int("JOB_MAX_WAITING_RETRIES", default=4))
SLOT_MAX_WAITING_RETRIES = count_limit("SLOT_MAX_WAITING_RETRIES", env.int("SLOT_MAX_WAITING_RETRIES", default=20))
# A booth resending the same photo (or Idempotency-Key) within this window gets the first job's answer.
IDEMPOTENCY_WINDOW_SECONDS = positive(
    "IDEMPOTENCY_WINDOW_SECONDS", env.float("IDEMPOTENCY_WINDOW_SECONDS", default=300.0)
)
# Addresses or networks of the reverse proxies in front of the web tier. Only a request whose peer
# is one of them may say, in X-Forwarded-For / X-Forwarded-Proto, who the client is and that it
# used HTTPS (photochanger/proxies.py); anyone else's forwarded headers are dropped.
TRUSTED_PROXY_CIDRS = proxy_networks(env.list("TRUSTED_PROXY_CIDRS", default=[]))
# Failed logins (API token endpoint and admin site) per username and per client address within the
# window, then 429 for that username or address until the window ends (0 disables a limit).
LOGIN_FAILURE_LIMIT_PER_USERNAME = env.int("LOGIN_FAILURE_LIMIT_PER_USERNAME", default=10)
LOGIN_FAILURE_LIMIT_PER_ADDRESS = env.int("LOGIN_FAILURE_LIMIT_PER_ADDRESS", default=30)
if min(LOGIN_FAILURE_LIMIT_PER_USERNAME, LOGIN_FAILURE_LIMIT_PER_ADDRESS) < 0:
    raise ImproperlyConfigured("LOGIN_FAILURE_LIMIT_PER_USERNAME and _PER_ADDRESS must be 0 (off) or a count.")
LOGIN_FAILURE_WINDOW_SECONDS = positive(
    "LOGIN_FAILURE_WINDOW_SECONDS", env.float("LOGIN_FAILURE_WINDOW_SECONDS", default=900.0)
)
# Password checks (~0.3-1 s of CPU each, holding a database connection) one web process runs at
# once, and seconds a login waits for its turn before a 503 login_busy.
LOGIN_CHECKS_PER_PROCESS = int(positive("LOGIN_CHECKS_PER_PROCESS", env.int("LOGIN_CHECKS_PER_PROCESS", default=2)))
LOGIN_CHECK_WAIT_SECONDS = positive("LOGIN_CHECK_WAIT_SECONDS", env.float("LOGIN_CHECK_WAIT_SECONDS", default=5.0))
# Multipart text fields (booth metadata) are small; the photo is handled by the upload handlers.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
# Of those fields, a job keeps at most this many bytes (UTF-8 names and values; 0: none are kept).
BOOTH_FIELDS_MAX_BYTES = env.int("BOOTH_FIELDS_MAX_BYTES", default=16384)
if BOOTH_FIELDS_MAX_BYTES < 0:
    raise ImproperlyConfigured(f"BOOTH_FIELDS_MAX_BYTES must be 0 or more; got {BOOTH_FIELDS_MAX_BYTES}.")
# Every request body is capped before it is read (photochanger/bodycap.py): this for every view
# that takes no file, UPLOAD_MAX_BYTES plus the multipart framing for the few that do.
_BODY_DEFAULT = DATA_UPLOAD_MAX_MEMORY_SIZE + 64 * 1024
REQUEST_BODY_MAX_BYTES = int(
    positive("REQUEST_BODY_MAX_BYTES", env.int("REQUEST_BODY_MAX_BYTES", default=_BODY_DEFAULT))
)
# Seconds a request without a file may take to send its body (uploads get T_SYNC_RESPONSE); a
# client that trickles it gets 408 instead of holding a web thread.
REQUEST_BODY_READ_SECONDS = positive(
    "REQUEST_BODY_READ_SECONDS", env.float("REQUEST_BODY_READ_SECONDS", default=10.0), maximum=600
)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024
