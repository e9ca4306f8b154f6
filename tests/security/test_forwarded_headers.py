"""X-Forwarded-For / X-Forwarded-Proto count only when a configured proxy sends them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from photochanger.proxies import TrustedProxyMiddleware, forwarded_client, proxy_networks

PROXIES = proxy_networks(["10.0.0.0/8", "fd00::/8"])


def _through_middleware(settings, **meta) -> HttpRequest:
    settings.TRUSTED_PROXY_CIDRS = PROXIES
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    seen: list[HttpRequest] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(request)
        return HttpResponse()

    TrustedProxyMiddleware(view)(RequestFactory().get("/", **meta))
    return seen[0]


def test_a_client_that_is_not_a_proxy_cannot_claim_another_address_or_https(settings):
    request = _through_middleware(
        settings, REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="10.0.0.5", HTTP_X_FORWARDED_PROTO="https"
    )
    assert request.META["REMOTE_ADDR"] == "198.51.100.7"
    assert "HTTP_X_FORWARDED_FOR" not in request.META
    assert request.is_secure() is False


def test_behind_a_trusted_proxy_the_client_is_the_address_the_proxy_saw(settings):
    request = _through_middleware(
        settings, REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https"
    )
    assert request.META["REMOTE_ADDR"] == "203.0.113.9"
    assert request.is_secure() is True


def test_addresses_a_client_prepends_to_the_chain_are_ignored():
    # The client sent "X-Forwarded-For: 192.0.2.1"; the proxy appended what it saw.
    assert forwarded_client("10.0.0.2", "192.0.2.1, 203.0.113.9", PROXIES) == "203.0.113.9"
    # Two proxies of ours in a row.
    assert forwarded_client("10.0.0.2", "192.0.2.1, 203.0.113.9, 10.1.1.1", PROXIES) == "203.0.113.9"
    assert forwarded_client("fd00::1", "2001:db8::5", PROXIES) == "2001:db8::5"


def test_a_malformed_hop_ends_the_chain_at_the_last_good_address():
    assert forwarded_client("10.0.0.2", "203.0.113.9, not-an-ip", PROXIES) == "10.0.0.2"
    assert forwarded_client("10.0.0.2", "", PROXIES) == "10.0.0.2"


def test_a_mistyped_proxy_network_stops_the_start_up():
    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXY_CIDRS"):
        proxy_networks(["10.0.0.0/33"])
