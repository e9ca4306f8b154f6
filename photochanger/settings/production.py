"""Production settings: everything from base, with the deployment checklist applied.

The image and docker-compose.yml run these (``DJANGO_SETTINGS_MODULE=photochanger.settings.production``);
``manage.py check --deploy`` is clean (a test keeps it so). TLS is terminated by the reverse proxy in
front of gunicorn, which must be listed in TRUSTED_PROXY_CIDRS for its X-Forwarded-Proto to count.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured

from photochanger.settings.base import *  # noqa: F403
from photochanger.settings.base import DEBUG, JWT_SIGNING_KEY, SECRET_KEY, env

if DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")
# Base derives a JWT key from SECRET_KEY when none is set; a deployment keeps the two apart, so
# admin tokens can be rotated (and a leaked one revoked for all) without resetting every slot password.
if not JWT_SIGNING_KEY:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must be set in production (its own generated secret).")
if JWT_SIGNING_KEY == SECRET_KEY:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must differ from DJANGO_SECRET_KEY.")

# The proxy speaks TLS to the world and says so; photochanger/proxies.py drops the header unless the
# peer is a trusted proxy, so a client cannot claim HTTPS for itself. Cookies and HSTS follow.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# TLS_MODE is the proxy's (deploy/caddy/Caddyfile): "auto" (ACME) and "internal" (Caddy's own CA)
# serve HTTPS; "off" is plain HTTP on a venue LAN (docs/deploy.md), where a Secure cookie would never
# come back and the admin login could not work, and HSTS would be a promise nobody keeps.
TLS_MODES = ("auto", "internal", "off")
TLS_MODE = env.str("TLS_MODE", default="auto")
if TLS_MODE not in TLS_MODES:
    raise ImproperlyConfigured(f"TLS_MODE must be one of {', '.join(TLS_MODES)}; got {TLS_MODE!r}.")
SERVES_HTTPS = TLS_MODE != "off"
SESSION_COOKIE_SECURE = SERVES_HTTPS
CSRF_COOKIE_SECURE = SERVES_HTTPS
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000) if SERVES_HTTPS else 0
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
if not SERVES_HTTPS:
    # Plain HTTP chosen on purpose (TLS_MODE=off): no HSTS, cookies without Secure.
    SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W012", "security.W016"]
