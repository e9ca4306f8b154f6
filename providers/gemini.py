"""Google Gemini image editing through the official google-genai SDK.

The SDK does not retry unless asked to, and we never ask: the retry loop (``providers/gemini_legs.py``)
is ours so that it can obey the job's deadline (the one clock every budget derives from:
docs/spec.md, "Job"). Every HTTP attempt gets ``timeout = min(self.timeout, time left - margin)``
and no attempt starts without a minimum amount of time left, so a hung Gemini can never hold the
worker past the deadline. Calls run on the SDK's asynchronous client (``providers/asyncrun.py``):
an interrupt of the worker or a hedge that lost closes the connection of a call in flight.
"""

from __future__ import annotations

import asyncio
import importlib
import itertools
import logging
import threading
from collections.abc import Awaitable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import pydantic
from google import genai
from google.genai import types

from providers import asyncrun, imaging
from providers.base import (
    CallReport,
    ImageData,
    PaidCalls,
    PhotoForm,
    Provider,
    ProviderError,
    ProviderPermanent,
    ProviderRequest,
    ProviderResult,
    ProviderTimeout,
    ProviderTransient,
    gettext_noop,
)
from providers.gemini_errors import WARM_RESPONSE
from providers.gemini_legs import CallPlan, Leg, LegAnswer, hedge_models
from providers.gemini_operations import (
    DEFAULT_MODEL,
    OPERATIONS,
    TEMPLATE_PARAMS,
    nearest_aspect_ratio,
    split_models,
    takes_image_size,
)
from providers.hedging import race
from providers.prompting import PromptTemplateError, render

logger = logging.getLogger(__name__)

# The outcome recorded for a hedged call cancelled because the other one answered first.
ABANDONED = "abandoned"


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
        return gettext_noop(
            "Gemini has no API key, so every Gemini slot fails. Fix: put GEMINI_API_KEY=<your key> in .env.local "
            "(scripts/serve; .env for docker compose; several keys comma-separated) and restart PhotoChanger "
            "(web, worker and beat)."
        )

    def warm(self) -> None:
        """Measured (bench/README.md): a pool process's first Gemini call cost ~0.3 s of CPU more
        than the next ones: creating the SDK client (two SSL contexts) and building the response
        models' validators. 200 cold pool processes at once paid a minute of CPU for it. Then
        ~0.1 s more: the SDK's pydantic models build their validators on first use (the request's
        config, contents and parts, the answer's candidates) and httpx imports its asyncio backend
        on the first asynchronous request. Built and imported here, before the pool forks, every
        process shares them (~0.4 s and ~18 MB, once)."""
        for _ in self.api_keys:  # one full turn of the round-robin: the order is unchanged
            self._next_client()
        for model in vars(types).values():
            if isinstance(model, type) and issubclass(model, pydantic.BaseModel) and not model.__pydantic_complete__:
                model.model_rebuild()
        types.GenerateContentResponse.model_validate(WARM_RESPONSE)
        importlib.import_module("anyio._backends._asyncio")

    async def _call(
        self,
        client: genai.Client,
        model: str,
        contents: list[types.PartUnionDict],
        timeout: float,
        image_config: types.ImageConfig | None = None,
    ) -> types.GenerateContentResponse:
        """One HTTP attempt; ``timeout`` (seconds) is this attempt's whole budget."""
        config = types.GenerateContentConfig(
            response_modalities=["IMAGE", "TEXT"],
            image_config=image_config,
            automatic_continuation=False,  # a continuation would be a second request off our clock
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            http_options=types.HttpOptions(timeout=max(1, int(timeout * 1000))),
        )
        # httpx's timeout bounds each read, not the whole answer: this bounds the whole attempt.
        async with asyncio.timeout(timeout + self.ATTEMPT_MARGIN / 2):
            return await client.aio.models.generate_content(model=model, contents=contents, config=config)

    # -- request ---------------------------------------------------------------------------------

    def paid_calls(self, operation: str, params: Mapping[str, Any]) -> PaidCalls:
        models = dict.fromkeys([params.get("model") or DEFAULT_MODEL, *split_models(params.get("fallback_models"))])
        return PaidCalls(models=tuple(models), at_most=2 if params.get("hedge_after") else 1)

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

    def _prompt_part(self, template: Any, fields: Mapping[str, str], param: str) -> types.Part:
        if not isinstance(template, str) or not template.strip():
            raise ProviderPermanent(f"The slot's {param} is empty.")
        try:
            return types.Part.from_text(text=render(template, fields))
        except PromptTemplateError as exc:
            raise ProviderPermanent(f"The slot's {param} is invalid: {exc}") from None

    def _contents(self, request: ProviderRequest) -> tuple[list[types.PartUnionDict], tuple[int, int]]:
        prompt = self._prompt_part(request.params.get("prompt"), request.fields, "prompt")
        photo, size = self._photo(request)
        contents: list[types.PartUnionDict] = [prompt, photo]
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
            recovery = None
            if params.get("refusal_prompt"):
                refusal = self._prompt_part(params["refusal_prompt"], request.fields, "refusal prompt")
                recovery = [refusal, *contents[1:]]
        except ProviderError as exc:
            exc.attempts, exc.model = 0, models[0]
            raise
        aspect_ratio = nearest_aspect_ratio(*input_size)
        image_size = params.get("image_size") or "2K"

        def image_config(model: str) -> types.ImageConfig:
            return types.ImageConfig(
                aspect_ratio=aspect_ratio, image_size=image_size if takes_image_size(model) else None
            )

        plan = CallPlan(request, models, contents, recovery, image_config)
        hedge_after = params.get("hedge_after")
        if request.max_calls is not None and request.max_calls < 2:
            hedge_after = None  # the slot's budget has room for one call only: no second one beside it
        answer, side_calls = asyncrun.run(self._hedged(plan, float(hedge_after) if hedge_after else None))
        result = self._result(
            answer.answer, model=answer.model, attempts=answer.attempts, input_size=input_size, params=params
        )
        return replace(result, recovery=answer.recovery, side_calls=side_calls)

    async def _hedged(self, plan: CallPlan, hedge_after: float | None) -> tuple[LegAnswer, tuple[CallReport, ...]]:
        """The first leg over the slot's models, and after ``hedge_after`` seconds unanswered a
        second one beside it (``hedge_models``); returns the winner and the other leg's record."""
        legs = {"first": Leg(self, plan, plan.models)}

        def second() -> Awaitable[LegAnswer]:
            legs["second"] = Leg(self, plan, hedge_models(plan.models, legs["first"].index))
            return legs["second"].run()

        outcome = await race(legs["first"].run, second, hedge_after=hedge_after, deadline=plan.request.deadline)
        winner_usage = outcome.answer.answer.usage if outcome.answer is not None else {}
        side_calls = tuple(
            CallReport(
                model=legs[name].model if error is None else error.model,
                outcome=ABANDONED if error is None else error.code,
                attempts=legs[name].attempts,
                duration_s=elapsed,
                # An abandoned call is billed as if it had produced what the winner did: the
                # provider may well finish it after we hung up (see stats/prices.py).
                usage=winner_usage if error is None else {},
            )
            for name, elapsed, error in outcome.losers
            if legs[name].attempts
        )
        if outcome.answer is None:
            error = outcome.error or ProviderTimeout("Gemini gave no answer", attempts=0, model=plan.models[0])
            error.side_calls = side_calls
            raise error
        if outcome.hedged:
            logger.info("hedged Gemini call won by the %s leg (%s)", outcome.winner, outcome.answer.model)
        return outcome.answer, side_calls

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
