"""A stand-in for the Gemini API's ``generateContent`` endpoint, for tests (127.0.0.1 only).

The real google-genai SDK is pointed at it with ``base_url``. It answers in the API's camelCase
shape; its image answer is the request's first image (the photo) colour-inverted, so tests can
check pixels. Behaviour is scripted per test:

    with GeminiStub(api_keys=["k1"]) as stub:
        stub.script(error(429, retry_delay=1), ok())   # FIFO, one per request, then stub.default
        stub.script_model("model-a", error(404))       # consumed first by requests for model-a
        stub.set_model_default("model-b", hang(5))     # every request for model-b once its queue is empty
        stub.set_model_default("model-c", mix((0.85, ok(latency=8)), (0.15, hang(600))))  # a distribution
        stub.set_model_default("model-d", storm(error(503), seconds=180))                # a 503 storm

It checks ``generationConfig.imageConfig`` as Gemini does (a supported ``aspectRatio``; an
``imageSize`` only on the models that take it) and answers in that aspect ratio; without one, in
the shape of the last reference image, as the real model does. A request whose client hangs up
while the stand-in is still "thinking" is recorded with ``disconnected_at`` and never answered.
"""

from __future__ import annotations

import base64
import io
import json
import random
import select
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from PIL import Image, ImageOps

# The behaviours are importable from here too: tests script the stub with them.
from tests.support.gemini_behaviours import (  # noqa: F401
    Behaviour,
    blocked,
    error,
    finish,
    hang,
    malformed,
    mix,
    ok,
    resolve,
    storm,
    text_only,
)
from tests.support.gemini_wire import drawn_size, error_body, image_config_error, parse_parts


@dataclass
class StubRequest:
    """What one request carried. ``images`` are ``(mime_type, width, height, bytes)`` in part order."""

    model: str
    api_version: str
    api_key: str | None
    prompts: list[str]
    images: list[tuple[str, int, int, bytes]]
    at: float
    headers: dict[str, str]
    body: Any = field(repr=False, default=None)
    aspect_ratio: str | None = None
    image_size: str | None = None
    # When the client closed the connection before the answer (a cancelled call), else None.
    disconnected_at: float | None = None
    answered_at: float | None = None


class GeminiStub:
    def __init__(
        self, api_keys: list[str] | tuple[str, ...] | None = ("test-key",), default: Behaviour | None = None
    ) -> None:
        # None accepts any key (but still requires one).
        self.api_keys = None if api_keys is None else set(api_keys)
        self.default = default or ok()
        self.requests: list[StubRequest] = []
        # Requests per model since start, and those whose client hung up first: never reset (the
        # benchmark forgets ``requests`` every second but counts calls over a whole run).
        self.totals: dict[str, int] = {}
        self.disconnects: dict[str, int] = {}
        self.failures: dict[str, int] = {}  # requests answered with an error
        self.failure_times: dict[str, list[float]] = {}  # when each of those arrived
        self._queue: deque[Behaviour] = deque()
        self._model_queues: dict[str, deque[Behaviour]] = {}
        self._model_defaults: dict[str, Behaviour] = {}
        self._lock = threading.Lock()
        self._random = random.Random(14)  # a mix() draws the same sequence in every run
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> GeminiStub:
        stub = self

        class Handler(_Handler):
            owner = stub

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True  # hung handlers must not keep the process or stop() waiting
        server.block_on_close = False
        self._server = server
        self._stopping.clear()
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="gemini-stub", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a latency/hang
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GeminiStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the stub first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- scripting -------------------------------------------------------------------------------

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._queue.extend(behaviours)

    def script_model(self, model: str, *behaviours: Behaviour) -> None:
        with self._lock:
            self._model_queues.setdefault(model, deque()).extend(behaviours)

    def set_model_default(self, model: str, behaviour: Behaviour) -> None:
        with self._lock:
            self._model_defaults[model] = behaviour

    def reset(self) -> None:
        with self._lock:
            self._queue.clear()
            self._model_queues.clear()
            self._model_defaults.clear()
            self.requests.clear()

    def _next(self, model: str) -> Behaviour:
        with self._lock:
            queue = self._model_queues.get(model)
            if queue:
                chosen = queue.popleft()
            elif model in self._model_defaults:
                chosen = self._model_defaults[model]
            else:
                chosen = self._queue.popleft() if self._queue else self.default
            chosen = resolve(chosen, now=time.time(), draw=self._random.random())
            if chosen.kind == "error":
                self.failures[model] = self.failures.get(model, 0) + 1
                self.failure_times.setdefault(model, []).append(time.time())
            return chosen

    def calls(self, model: str) -> list[StubRequest]:
        with self._lock:
            return [r for r in self.requests if r.model == model]

    def _record(self, record: StubRequest) -> None:
        with self._lock:
            self.requests.append(record)
            self.totals[record.model] = self.totals.get(record.model, 0) + 1

    def _record_disconnect(self, record: StubRequest) -> None:
        record.disconnected_at = time.time()
        with self._lock:
            self.disconnects[record.model] = self.disconnects.get(record.model, 0) + 1

    def sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    owner: GeminiStub
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
        pass

    def _send(self, status: int, payload: bytes, content_type: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=UTF-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True  # the client gave up (timeout): nothing to do

    def _json(self, status: int, body: Any) -> None:
        self._send(status, json.dumps(body).encode())

    def do_GET(self) -> None:  # noqa: N802
        self._json(404, error_body(404, "Not found (the stub serves generateContent only)."))

    def do_POST(self) -> None:  # noqa: N802
        arrived = time.time()
        url = urlsplit(self.path)
        body_bytes = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        parts = url.path.strip("/").split("/")
        if len(parts) != 3 or parts[1] != "models" or not parts[2].endswith(":generateContent"):
            return self._json(404, error_body(404, f"Unknown path {url.path}"))
        version, model = parts[0], parts[2].removesuffix(":generateContent")
        key = self.headers.get("x-goog-api-key") or (parse_qs(url.query).get("key") or [None])[0]
        try:
            body = json.loads(body_bytes or b"{}")
            prompts, images = parse_parts(body)
        except (ValueError, KeyError, TypeError, OSError) as exc:
            return self._json(400, error_body(400, f"Invalid JSON payload received. {exc}"))
        stub = self.owner
        record = StubRequest(
            model, version, key, prompts, images, arrived, {k.lower(): v for k, v in self.headers.items()}, body
        )
        stub._record(record)
        if not key:
            return self._json(
                403, error_body(403, "Method doesn't allow unregistered callers. Please use API Key or other auth.")
            )
        if stub.api_keys is not None and key not in stub.api_keys:
            return self._json(
                400,
                error_body(
                    400,
                    "API key not valid. Please pass a valid API key.",
                    extra=[
                        {
                            "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "API_KEY_INVALID",
                            "domain": "googleapis.com",
                        }
                    ],
                ),
            )
        image_config = (body.get("generationConfig") or {}).get("imageConfig") or {}
        record.aspect_ratio, record.image_size = image_config.get("aspectRatio"), image_config.get("imageSize")
        refused = image_config_error(model, record.aspect_ratio, record.image_size)
        if refused:
            return self._json(400, error_body(400, refused))
        behaviour = stub._next(model)
        if behaviour.latency and self._client_left_within(behaviour.latency):
            stub._record_disconnect(record)
            self.close_connection = True
            return None
        record.answered_at = time.time()
        self._answer(behaviour, model, prompts, images, record.aspect_ratio)

    def _client_left_within(self, seconds: float) -> bool:
        """Wait ``seconds`` (less if the stub stops), watching whether the client hangs up."""
        until = time.monotonic() + seconds
        while (left := until - time.monotonic()) > 0 and not self.owner._stopping.is_set():
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.05))
            if readable:
                try:
                    if self.connection.recv(1, socket.MSG_PEEK) == b"":
                        return True
                except OSError:
                    return True
                self.owner.sleep(min(left, 0.05))  # bytes of a pipelined request: not our business
        return False

    def _answer(
        self,
        behaviour: Behaviour,
        model: str,
        prompts: list[str],
        images: list[tuple[str, int, int, bytes]],
        aspect_ratio: str | None = None,
    ) -> None:
        kind = behaviour.kind
        if kind == "error":
            return self._json(behaviour.status, error_body(behaviour.status, behaviour.message, behaviour.retry_delay))
        if kind == "malformed":
            return self._send(200, b'{"candidates": [{"content": {"parts": [')
        usage = {"promptTokenCount": 10 + 258 * len(images), "candidatesTokenCount": 1290}
        usage.update(behaviour.usage or {})
        usage.setdefault("totalTokenCount", usage["promptTokenCount"] + usage["candidatesTokenCount"])
        answer: dict[str, Any] = {"usageMetadata": usage, "modelVersion": model, "responseId": "stub"}
        if kind == "blocked":
            answer["promptFeedback"] = {"blockReason": behaviour.reason}
            return self._json(200, answer)
        out_parts: list[dict[str, Any]] = [{"text": behaviour.text}] if behaviour.text else []
        reason = behaviour.reason or "STOP"
        if kind == "ok":
            if not images:
                return self._json(400, error_body(400, "The request has no image to edit."))
            with Image.open(io.BytesIO(images[0][3])) as photo:
                result = ImageOps.invert(photo.convert("RGB"))
            size = behaviour.output_size or drawn_size(result.size, aspect_ratio, images)
            if size != result.size:
                result = result.resize(size)
            buffer = io.BytesIO()
            result.save(buffer, "PNG")
            out_parts.append(
                {"inlineData": {"mimeType": "image/png", "data": base64.b64encode(buffer.getvalue()).decode()}}
            )
        candidate: dict[str, Any] = {"finishReason": reason, "index": 0}
        if out_parts:
            candidate["content"] = {"role": "model", "parts": out_parts}
        answer["candidates"] = [candidate]
        self._json(200, answer)
