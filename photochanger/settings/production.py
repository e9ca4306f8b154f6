"""Production settings: everything from base, with the deployment checklist applied.

``DJANGO_SETTINGS_MODULE=photochanger.settings.production``; ``manage.py check --deploy`` is clean
(a test keeps it so). TLS is terminated by the reverse proxy in front of gunicorn.
"""

from __future__ import annotations

from photochanger.settings.base import *  # noqa: F403
from photochanger.settings.base import DEBUG, SECRET_KEY, env

if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")  # noqa: F405
if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be a long random value in production.")  # noqa: F405

# The proxy speaks TLS to the world and tells us so; cookies and HSTS follow.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# No redirect to HTTPS from here: a redirected POST loses the booth's photo (DSLR Remote Pro does
# not follow it). Redirect plain HTTP at the proxy for browsers; booths must be given https URLs.
SECURE_SSL_REDIRECT = False
SILENCED_SYSTEM_CHECKS = ["security.W008"]
