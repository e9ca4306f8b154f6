"""The direct baseline: what one would build instead of PhotoChanger. A single-process WSGI app
(gunicorn gthread, one process) that reads the booth's multipart upload, calls the same Gemini
provider inline (``GeminiProvider.process``: the same decode, downscale, re-encode and SDK call
the worker makes) and answers with the image. No queue, no worker, no storage, no database.

The slot's params and password come from the environment (``BENCH_DIRECT_PARAMS`` as JSON,
``BENCH_DIRECT_PASSWORD``), so both sides run the exact same operation.
"""

from __future__ import annotations

import hmac
import json
import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "photochanger.settings.local")
django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIRequest  # noqa: E402

from core.provider_registry import provider_registry  # noqa: E402
from providers.base import ImageData, ProviderError, ProviderRequest  # noqa: E402

PARAMS = json.loads(os.environ.get("BENCH_DIRECT_PARAMS", "{}"))
PASSWORD = os.environ.get("BENCH_DIRECT_PASSWORD", "")
PROVIDER = provider_registry().provider("gemini")


def _answer(start_response, status: str, body: bytes, content_type: str = "application/json"):
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def application(environ, start_response):
    request = WSGIRequest(environ)
    upload = request.FILES.get("fileToUpload")
    if upload is None:
        return _answer(start_response, "400 Bad Request", b'{"error": "no file"}')
    if not hmac.compare_digest(request.POST.get("password", ""), PASSWORD):
        return _answer(start_response, "401 Unauthorized", b'{"error": "password"}')
    fields = {name: value for name, value in request.POST.items() if name != "password"}
    provider_request = ProviderRequest(
        operation="edit",
        image=ImageData(upload.read(), upload.content_type or "image/jpeg"),
        params=PARAMS,
        deadline=time.time() + settings.T_SYNC_RESPONSE,
        fields=fields,
    )
    try:
        result = PROVIDER.process(provider_request)
    except ProviderError as exc:
        return _answer(start_response, "502 Bad Gateway", json.dumps({"error": exc.code}).encode())
    return _answer(start_response, "200 OK", result.image.data, result.image.content_type)
