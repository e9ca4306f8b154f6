"""Forwarded headers are believed only from the reverse proxies we run.

``X-Forwarded-For`` names the client and ``X-Forwarded-Proto`` says it used HTTPS; any client can
send both. Trusted blindly, the first lets a guesser pose as a booth's address (or rotate addresses
past a rate limit) and the second makes Django treat plain HTTP as secure. So a request whose peer
is not in ``TRUSTED_PROXY_CIDRS`` loses every ``X-Forwarded-*`` header before anything reads them,
and a request from a trusted proxy gets ``REMOTE_ADDR`` set to the nearest address in the chain
that is not itself a trusted proxy. Everything downstream (the booth's failed-password limit, login
throttles, logs, ``SECURE_PROXY_SSL_HEADER``) then reads ``REMOTE_ADDR`` and ``request.is_secure()``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED_PREFIX = "HTTP_X_FORWARDED_"


def proxy_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Parse ``TRUSTED_PROXY_CIDRS`` (addresses or networks); a typo stops the start-up."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"TRUSTED_PROXY_CIDRS: {value!r} is not an address or network.") from exc
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str, networks: tuple[Network, ...]) -> bool:
    parsed = _address(address)
    return parsed is not None and any(parsed in network for network in networks)


def forwarded_client(peer: str, forwarded_for: str, networks: tuple[Network, ...]) -> str:
    """The client address a chain of trusted proxies reports, read from the right (the nearest
    hop): the first hop that is not a trusted proxy. A malformed hop ends the walk there, since
    nothing to its left can be believed either."""
    client = peer
    for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
        if _address(hop) is None:
            break
        client = hop
        if not is_trusted_proxy(hop, networks):
            break
    return client


class TrustedProxyMiddleware:
    """First in the middleware list: settles who the client is before anything reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        networks = settings.TRUSTED_PROXY_CIDRS
        peer = request.META.get("REMOTE_ADDR", "")
        if is_trusted_proxy(peer, networks):
            forwarded_for = request.META.get("HTTP_X_FORWARDED_FOR", "")
            request.META["REMOTE_ADDR"] = forwarded_client(peer, forwarded_for, networks)
        else:
            for name in [name for name in request.META if name.startswith(FORWARDED_PREFIX)]:
                del request.META[name]
        return self.get_response(request)
