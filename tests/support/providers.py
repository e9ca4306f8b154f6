"""Test-only providers, enabled by the test settings (never in production)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from providers.base import (
    Provider,
    ProviderPermanent,
    ProviderRefused,
    ProviderRequest,
    ProviderResult,
    ProviderTransient,
)
from providers.gemini import GeminiProvider
from providers.schema import Operation, Param

FAILURES = {
    "refused": ProviderRefused("Blocked for safety reasons."),
    "transient": ProviderTransient("Upstream unavailable.", attempts=3),
    "permanent": ProviderPermanent("Bad request."),
}


def _mark(request: ProviderRequest, text: str) -> None:
    """Tests pass a ``probe`` booth field naming a file; this tells them what the task did."""
    probe = request.fields.get("probe")
    if probe:
        with Path(probe).open("a") as handle:
            handle.write(text + "\n")


class TestingProvider(Provider):
    name = "testing"
    label = "Testing"
    operations = {
        "echo": Operation("echo", "Echo the photo back"),
        "sleep": Operation(
            "sleep", "Sleep, then echo", (Param("seconds", "number", default=10.0, minimum=0, maximum=600),)
        ),
        "fail": Operation(
            "fail", "Fail", (Param("failure", "enum", choices=(*FAILURES, "crash"), default="transient"),)
        ),
    }

    def process(self, request: ProviderRequest) -> ProviderResult:
        _mark(request, f"started pid={os.getpid()}")
        if request.operation == "sleep":
            try:
                time.sleep(request.params["seconds"])
            except BaseException as exc:  # SoftTimeLimitExceeded from a revoke lands here
                _mark(request, f"interrupted:{type(exc).__name__}")
                raise
        elif request.operation == "fail":
            failure = request.params["failure"]
            if failure == "crash":
                raise RuntimeError("provider crashed")
            raise FAILURES[failure]
        _mark(request, "finished")
        return ProviderResult(image=request.image, model="testing")


class UnconfiguredGeminiProvider(GeminiProvider):
    """Gemini as a deployment without ``GEMINI_API_KEY`` has it (the suite's own Gemini has a key)."""

    name = "gemini_nokey"
    label = "Gemini without a key (tests)"
