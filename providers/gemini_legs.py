"""One leg of a Gemini job: the retry loop over the slot's models, within the job's deadline.

A job runs one leg, or two when it hedges (``providers/hedging.py``). A leg tries its models in
order; a transient failure is retried with backoff (``attempts_per_model`` times, the last model
while time is left), a permanent one moves on at once. Before each attempt it asks the circuit
breaker (``providers/breaker.py``) whether the model may be called, and tells it how the call
went. A refusal is final unless the slot has a ``refusal_prompt``: then the same model is asked
once more with it, and after a second refusal the next models are (with the refusal prompt).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from google.genai import types

from providers.base import (
    ProviderError,
    ProviderRefused,
    ProviderRequest,
    ProviderTimeout,
    ProviderTransient,
    ProviderUnavailable,
)
from providers.gemini_errors import Answer, map_exception, read_response
from providers.interrupts import is_task_interrupt

if TYPE_CHECKING:
    from providers.gemini import GeminiProvider

logger = logging.getLogger("providers.gemini")

REFUSAL_PROMPT = "refusal_prompt"


@dataclass(frozen=True)
class CallPlan:
    """What every leg of one job shares."""

    request: ProviderRequest
    models: Sequence[str]
    contents: list[types.PartUnionDict]
    # The same contents with the slot's refusal prompt instead of its prompt (None: no recovery).
    recovery_contents: list[types.PartUnionDict] | None
    image_config: Callable[[str], types.ImageConfig]


@dataclass
class LegAnswer:
    answer: Answer
    model: str
    attempts: int
    recovery: str


class Leg:
    def __init__(self, provider: GeminiProvider, plan: CallPlan, models: Sequence[str]) -> None:
        self.provider = provider
        self.plan = plan
        self.models = list(models)
        self.index = 0  # of the model being tried, in ``models``
        self.attempts = 0
        self.recovering = False

    @property
    def model(self) -> str:
        return self.models[min(self.index, len(self.models) - 1)]

    def _allowed(self, model: str, lease: float) -> bool:
        circuit = self.plan.request.circuit
        return circuit is None or circuit.allow(self.provider.name, model, lease=lease)

    def _report(self, model: str, error: ProviderError | None) -> None:
        circuit = self.plan.request.circuit
        if circuit is None:
            return
        if error is None or isinstance(error, ProviderRefused):  # the model works; it said no
            circuit.success(self.provider.name, model)
        elif isinstance(error, ProviderTransient):
            circuit.failure(self.provider.name, model)

    async def run(self) -> LegAnswer:
        provider, request = self.provider, self.plan.request
        last: ProviderError | None = None
        called_any = False
        while self.index < len(self.models):
            model = self.models[self.index]
            is_last_model = self.index == len(self.models) - 1
            delay, tries = provider.backoff, 0
            while True:
                timeout = min(provider.timeout, request.remaining() - provider.ATTEMPT_MARGIN)
                if timeout < provider.min_attempt:
                    raise _final(last, self.attempts, model, "no time left before the deadline")
                if not self._allowed(model, timeout + provider.ATTEMPT_MARGIN):
                    logger.info("Gemini %s skipped: its circuit breaker is open", model)
                    break
                called_any = True
                self.attempts += 1
                tries += 1
                contents = self.plan.recovery_contents if self.recovering else self.plan.contents
                error = await self._attempt(model, contents, timeout)
                if isinstance(error, LegAnswer):
                    return error
                last = error
                if isinstance(error, ProviderRefused):
                    if self.plan.recovery_contents is None:
                        raise error
                    if not self.recovering:
                        self.recovering = True
                        logger.info("Gemini %s refused; asking again with the refusal prompt", model)
                        continue
                    break  # refused with the refusal prompt too: the next model, if any
                logger.warning("Gemini attempt %d (%s) failed: %s", self.attempts, model, error.message)
                if not isinstance(error, ProviderTransient):
                    break  # permanent for this model (e.g. 404 unknown model): try the next one
                if not is_last_model and tries >= provider.attempts_per_model:
                    break
                spare = request.remaining() - provider.ATTEMPT_MARGIN - provider.min_attempt
                if error.retry_after is not None:
                    wait = error.retry_after  # the server's RetryInfo: retrying sooner is pointless
                else:
                    wait = min(delay, spare)  # our own backoff may shrink to leave room for one more try
                    delay *= 2
                if wait > spare or spare < 0:
                    break  # the retry could not finish in time; a fallback model may, at once
                await asyncio.sleep(max(0.0, wait))
            self.index += 1
        if not called_any:
            raise ProviderUnavailable(
                f"Every model is switched off by the circuit breaker: {', '.join(self.models)}",
                attempts=0,
                model=self.models[0],
            )
        raise _final(last, self.attempts, self.models[-1], "all models failed")

    async def _attempt(
        self, model: str, contents: list[types.PartUnionDict] | None, timeout: float
    ) -> LegAnswer | ProviderError:
        """One HTTP attempt: the answer, or the typed error it ended with."""
        try:
            response = await self.provider._call(
                self.provider._next_client(), model, contents or [], timeout, self.plan.image_config(model)
            )
            answer = read_response(response, model=model, attempts=self.attempts)
        except ProviderError as exc:  # read_response: refusals are content decisions
            exc.attempts, exc.model = self.attempts, model
            self._report(model, exc)
            return exc
        except Exception as exc:  # noqa: BLE001 - every SDK/transport error is mapped here
            if is_task_interrupt(exc):
                raise  # the worker's time limit or revocation: not ours to swallow
            error = map_exception(exc, model=model, attempts=self.attempts, timeout=timeout)
            self._report(model, error)
            return error
        self._report(model, None)
        return LegAnswer(answer, model, self.attempts, REFUSAL_PROMPT if self.recovering else "")


def _final(last: ProviderError | None, attempts: int, model: str, why: str) -> ProviderError:
    if last is None:
        return ProviderTimeout(f"Gemini was not called: {why}", attempts=attempts, model=model)
    last.attempts = attempts
    return last


def hedge_models(models: Sequence[str], position: int) -> list[str]:
    """The second leg's models: those after the one the first leg is on; with none left, that
    same model again (on the next API key, by the round-robin)."""
    return list(models[position + 1 :]) or [models[min(position, len(models) - 1)]]
