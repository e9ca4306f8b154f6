"""Google Gemini image editing through the official google-genai SDK.

The SDK does not retry unless asked to, and we never ask: the retry loop lives here so that it can
obey the job's deadline (the one clock every budget derives from: docs/spec.md, "Job"). Every HTTP
attempt gets ``timeout = min(self.timeout, time left - margin)`` and no attempt starts without a
minimum amount of time left, so a hung Gemini can never hold the worker past the deadline.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from google import genai
from google.genai import types

from providers import imaging
from providers.base import (
    ImageData,
    PhotoForm,
    Provider,
    ProviderError,
    ProviderPermanent,
    ProviderRequest,
    ProviderResult,
    ProviderTimeout,
    ProviderTransient,
)
from providers.gemini_errors import WARM_RESPONSE, map_exception, must_propagate, read_response
from providers.gemini_operations import DEFAULT_MODEL, OPERATIONS, TEMPLATE_PARAMS, split_models
from providers.prompting import PromptTemplateError, render

logger = logging.getLogger(__name__)


class GeminiProvider(Provider):
    name = "gemini"
    label = "Google Gemini"
    operations = OPERATIONS

    # Time kept back from each attempt's HTTP timeout for decoding/encoding the answer (seconds).
    ATTEMPT_MARGIN: ClassVar[float] = 0.2

    def __init__(
        self,
        *,
        api_keys: Sequence[str] | str = (),
        base_url: str | None = None,
        api_version: str = "v1beta",
        timeout: float = 30.0,
        max_input_side: int = 2048,
        backoff: float = 0.5,
        attempts_per_model: int = 3,
        min_attempt: float = 0.5,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        keys = api_keys.split(",") if isinstance(api_keys, str) else list(api_keys)
        self.api_keys = [key.strip() for key in keys if key and key.strip()]
        self.base_url = base_url or None
        self.api_version = api_version or "v1beta"
        self.timeout = float(timeout)
        self.max_input_side = int(max_input_side)
        self.backoff = float(backoff)
        # Transient failures tolerated on one model before moving on to a fallback (the last model
        # keeps retrying while the deadline allows).
        self.attempts_per_model = max(1, int(attempts_per_model))
        # An attempt is only started with at least this many seconds of HTTP timeout; a real image
        # generation takes several seconds, so production may want this higher.
        self.min_attempt = max(0.05, float(min_attempt))
        self._lock = threading.Lock()
        self._key_cycle: Iterator[str] = itertools.cycle(self.api_keys)
        self._clients: dict[str, genai.Client] = {}

    # -- clients ---------------------------------------------------------------------------------

    def _next_client(self) -> genai.Client:
        """Round-robin over the keys; one lazily built, cached client per key."""
        with self._lock:
            key = next(self._key_cycle)
            client = self._clients.get(key)
            if client is None:
                # api_version is explicit: the SDK's default changed between releases.
                options: dict[str, Any] = {
                    "api_version": self.api_version,
                    "timeout": max(1, int(self.timeout * 1000)),  # milliseconds
                }
                if self.base_url:
                    options["base_url"] = self.base_url
                client = genai.Client(vertexai=False, api_key=key, http_options=types.HttpOptions(**options))
                self._clients[key] = client
            return client

    def setup_problem(self) -> str | None:
        if self.api_keys:
            return None
        return (
            "Gemini has no API key, so every Gemini slot fails. Fix: put GEMINI_API_KEY=<your key> in .env "
            "(several keys comma-separated) and restart PhotoChanger (web, worker and beat)."
        )

    def warm(self) -> None:
        """Measured (bench/README.md): a pool process's first Gemini call cost ~0.3 s of CPU more
        than the next ones: creating the SDK client (two SSL contexts) and building the response
        models' validators. 200 cold pool processes at once paid a minute of CPU for it."""
        for _ in self.api_keys:  # one full turn of the round-robin: the order is unchanged
            self._next_client()
        types.GenerateContentResponse.model_validate(WARM_RESPONSE)

    def _call(
        self, client: genai.Client, model: str, contents: list[types.PartUnionDict], timeout: float
    ) -> types.GenerateContentResponse:
        """One HTTP attempt; ``timeout`` (seconds) is this attempt's whole budget."""
        config = types.GenerateContentConfig(
            response_modalities=["IMAGE", "TEXT"],
            automatic_continuation=False,  # a continuation would be a second request off our clock
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            http_options=types.HttpOptions(timeout=max(1, int(timeout * 1000))),
        )
        return client.models.generate_content(model=model, contents=contents, config=config)

    # -- request ---------------------------------------------------------------------------------

    def photo_form(self, operation: str) -> PhotoForm:
        return PhotoForm(max_side=self.max_input_side, quality=90)

    def _photo(self, request: ProviderRequest) -> tuple[types.Part, tuple[int, int]]:
        """The photo part, always a fresh JPEG (orientation applied, EXIF and GPS dropped), and
        the photo's upright size. The web usually made it already (``request.photo_size``)."""
        image, size = request.image, request.photo_size
        if size is None:
            form = self.photo_form(request.operation)
            img, size = imaging.decode_sized(image, max_side=form.max_side, written_here=True)
            image = imaging.to_photo_form(img, form)
        return types.Part.from_bytes(data=image.data, mime_type=image.content_type), size

    def _template(self, image: ImageData) -> types.Part:
        """A reference image: sent as stored (not even decoded) unless it is larger than the bound."""
        stored = image.content_type in imaging.CONTENT_TYPES and imaging.stored_size(image, written_here=True)
        if stored and max(stored) <= self.max_input_side:
            return types.Part.from_bytes(data=image.data, mime_type=image.content_type)
        img = imaging.decode(image, max_side=self.max_input_side, written_here=True)
        has_alpha = img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info
        encoded = imaging.encode(
            imaging.fit_within(img, self.max_input_side), output_format="png" if has_alpha else "jpeg", quality=90
        )
        return types.Part.from_bytes(data=encoded.data, mime_type=encoded.content_type)

    def _contents(self, request: ProviderRequest) -> tuple[list[types.PartUnionDict], tuple[int, int]]:
        template = request.params.get("prompt")
        if not isinstance(template, str) or not template.strip():
            raise ProviderPermanent("The slot's prompt is empty.")
        try:
            prompt = render(template, request.fields)
        except PromptTemplateError as exc:
            raise ProviderPermanent(f"The slot's prompt is invalid: {exc}") from None
        photo, size = self._photo(request)
        contents: list[types.PartUnionDict] = [types.Part.from_text(text=prompt), photo]
        for param in TEMPLATE_PARAMS.get(request.operation, ()):
            images = request.templates.get(param) or ()
            if not images:
                raise ProviderPermanent(f"The {param} template image is missing.")
            contents.extend(self._template(img) for img in images)
        return contents, size

    # -- the call --------------------------------------------------------------------------------

    def process(self, request: ProviderRequest) -> ProviderResult:
        params = request.params
        models = list(
            dict.fromkeys([params.get("model") or DEFAULT_MODEL, *split_models(params.get("fallback_models"))])
        )
        if request.operation not in OPERATIONS:
            raise ProviderPermanent(f"Unknown operation {request.operation!r}.", attempts=0, model=models[0])
        if not self.api_keys:
            raise ProviderPermanent("Gemini API key is not configured", attempts=0, model=models[0])
        try:
            contents, input_size = self._contents(request)
        except ProviderError as exc:
            exc.attempts, exc.model = 0, models[0]
            raise
        model, attempts, answer = self._call_with_retries(request, models, contents)
        return self._result(answer, model=model, attempts=attempts, input_size=input_size, params=params)

    def _call_with_retries(
        self, request: ProviderRequest, models: list[str], contents: list[types.PartUnionDict]
    ) -> tuple[str, int, Any]:
        attempts = 0
        last: ProviderError | None = None
        for index, model in enumerate(models):
            is_last_model = index == len(models) - 1
            delay = self.backoff
            tries = 0
            while True:
                timeout = min(self.timeout, request.remaining() - self.ATTEMPT_MARGIN)
                if timeout < self.min_attempt:
                    raise self._final(last, attempts, model, "no time left before the deadline")
                attempts += 1
                tries += 1
                try:
                    response = self._call(self._next_client(), model, contents, timeout)
                    return model, attempts, read_response(response, model=model, attempts=attempts)
                except ProviderError as exc:  # read_response: refusals are content decisions
                    exc.attempts, exc.model = attempts, model
                    raise
                except Exception as exc:  # noqa: BLE001 - every SDK/transport error is mapped here
                    if must_propagate(exc):
                        raise  # the worker's time limit or revocation: not ours to swallow
                    last = map_exception(exc, model=model, attempts=attempts, timeout=timeout)
                logger.warning("Gemini attempt %d (%s) failed: %s", attempts, model, last.message)
                if not isinstance(last, ProviderTransient):
                    break  # permanent for this model (e.g. 404 unknown model): try the next one
                if not is_last_model and tries >= self.attempts_per_model:
                    break
                spare = request.remaining() - self.ATTEMPT_MARGIN - self.min_attempt
                if last.retry_after is not None:
                    wait = last.retry_after  # the server's RetryInfo: retrying sooner is pointless
                else:
                    wait = min(delay, spare)  # our own backoff may shrink to leave room for one more try
                    delay *= 2
                if wait > spare or spare < 0:
                    break  # the retry could not finish in time; a fallback model may, at once
                time.sleep(max(0.0, wait))
        raise self._final(last, attempts, models[-1], "all models failed")

    @staticmethod
    def _final(last: ProviderError | None, attempts: int, model: str, why: str) -> ProviderError:
        if last is None:
            return ProviderTimeout(f"Gemini was not called: {why}", attempts=attempts, model=model)
        last.attempts = attempts
        return last

    def _result(
        self, answer: Any, *, model: str, attempts: int, input_size: tuple[int, int], params: Mapping[str, Any]
    ) -> ProviderResult:
        try:
            img = imaging.decode(ImageData(answer.data, answer.mime_type))
        except ProviderError:
            raise ProviderTransient("Gemini returned an undecodable image", attempts=attempts, model=model) from None
        if params.get("match_input_size", True) and img.size != input_size:
            img = imaging.cover(img, input_size)
        encoded = imaging.encode(
            img, output_format=params.get("output_format", "jpeg"), quality=params.get("quality", 90)
        )
        return ProviderResult(image=encoded, model=model, attempts=attempts, usage=answer.usage)
