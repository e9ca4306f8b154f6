"""The provider interface: request and result types, typed errors, the Provider protocol."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from providers.schema import Operation

if TYPE_CHECKING:
    from providers.breaker import CircuitBreaker


def gettext_noop(text: str) -> str:
    """Marks a text an operator reads (a setup problem) for the project's translation catalogue:
    Django's makemessages finds calls by this name, and ``core.provider_registry`` translates the
    text where it is shown. The package itself stays free of Django."""
    return text


@dataclass(frozen=True)
class ImageData:
    """An encoded image (JPEG/PNG/WebP bytes) and its MIME type."""

    data: bytes
    content_type: str


@dataclass(frozen=True)
class PhotoForm:
    """The form a provider sends the booth's photo in: upright, at most ``max_side`` pixels on
    the long side, a fresh JPEG at ``quality`` (no EXIF). The web decodes every photo anyway to
    check it, so it makes this form from that one decode; the worker sends it as it is."""

    max_side: int
    quality: int = 90


@dataclass(frozen=True)
class ProviderRequest:
    """Everything one provider call needs.

    ``deadline`` is a ``time.time()`` timestamp: the provider must give up by then, and every HTTP
    attempt it makes must fit in the time left.
    """

    operation: str
    image: ImageData
    params: Mapping[str, Any]
    deadline: float
    # Template images by parameter name, in the order the slot lists them.
    templates: Mapping[str, tuple[ImageData, ...]] = field(default_factory=dict)
    # The booth's multipart text fields (name, survey answers, ...); never the password.
    fields: Mapping[str, str] = field(default_factory=dict)
    # Set when ``image`` is already in the provider's ``photo_form``: the upright pixel size of
    # the photo the booth sent (the prepared image may be smaller).
    photo_size: tuple[int, int] | None = None
    # The fleet-wide circuit breaker (providers/breaker.py), injected by the worker; None: none.
    circuit: CircuitBreaker | None = None
    # How many paid calls the slot's budget has room for (reserved by the worker before the call,
    # stats/budget.py); None: no cap. A provider never starts more calls than this (no hedge).
    max_calls: int | None = None

    def remaining(self) -> float:
        return self.deadline - time.time()


@dataclass(frozen=True)
class PaidCalls:
    """What one job may spend at a provider, as a budget reserves it before the call: at most
    ``at_most`` calls (a hedged job starts two), each billed like the dearest of ``models`` (a call
    that moves on to a fallback model after failures is still one billed answer)."""

    models: tuple[str, ...]
    at_most: int = 1


@dataclass(frozen=True)
class CallReport:
    """A provider call made for a job besides the one whose answer the job got: a hedged call
    that lost the race (``outcome`` ``abandoned``, its connection closed) or failed."""

    model: str
    outcome: str
    attempts: int
    duration_s: float
    usage: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ProviderResult:
    image: ImageData
    model: str = ""
    attempts: int = 1
    usage: Mapping[str, Any] = field(default_factory=dict)
    # How the image was obtained when the first plan failed: "" (it did not), "refusal_prompt".
    recovery: str = ""
    # The job's other calls (hedging), each recorded as a provider call of its own.
    side_calls: tuple[CallReport, ...] = ()


class ProviderError(Exception):
    """Base of the typed provider errors. ``code`` is what the booth sees in the 502 body."""

    code: ClassVar[str] = "provider_error"

    def __init__(self, message: str, *, attempts: int = 1, model: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.attempts = attempts
        self.model = model
        # The job's other calls (hedging), each recorded as a provider call of its own.
        self.side_calls: tuple[CallReport, ...] = ()


class ProviderRefused(ProviderError):
    """The provider declined the request (safety or policy block). Never retried."""

    code = "provider_refused"


class ProviderUnavailable(ProviderError):
    """Every model the slot may use is switched off by the circuit breaker: answered at once."""

    code = "provider_unavailable"


class ProviderTransient(ProviderError):
    """Rate limits, 5xx, timeouts: worth retrying while the deadline allows."""

    code = "provider_error"

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ProviderQuota(ProviderTransient):
    """A transient error caused by quota or rate limiting (HTTP 429)."""

    code = "provider_quota"


class ProviderTimeout(ProviderTransient):
    """The provider did not answer within the time it was given (the job's deadline, at the end)."""

    code = "provider_timeout"


class ProviderPermanent(ProviderError):
    """Bad request, bad configuration, unusable answer: retrying cannot help."""

    code = "provider_error"


class Provider:
    """Base class for providers. Subclasses declare ``name``, ``label`` and ``operations``."""

    name: ClassVar[str]
    label: ClassVar[str]
    operations: ClassVar[Mapping[str, Operation]]

    def __init__(self, **options: Any) -> None:
        self.options = options

    def process(self, request: ProviderRequest) -> ProviderResult:
        raise NotImplementedError

    def paid_calls(self, operation: str, params: Mapping[str, Any]) -> PaidCalls | None:
        """The paid calls one job of these params may make; ``None``: the provider is free (never
        capped by a budget). By default one call to ``params["model"]`` (or a model named like
        the provider): a new paid provider is capped unless it says it is free."""
        return PaidCalls(models=(str(params.get("model") or self.name),))

    def photo_form(self, operation: str) -> PhotoForm | None:
        """The form this provider wants the photo in, if it re-encodes it before use; ``None``
        (the default) hands it the booth's bytes."""
        return None

    def setup_problem(self) -> str | None:
        """Why this provider cannot work as it is configured, with how to fix it, in an operator's
        words; ``None`` when nothing is missing. Checked without any network call."""
        return None

    def warm(self) -> None:
        """Do the lazy set-up of a first call now (SDK clients, validators), without network I/O.

        The worker calls it in its parent process before the pool forks, so each pool process
        starts warm instead of paying for it on its first job.
        """
