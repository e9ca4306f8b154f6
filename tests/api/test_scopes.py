"""Table-driven: every admin API endpoint and method needs the scope of the Django permission it
exercises (the table below), refuses a request without a token (401) and a token without that
scope (403). A new endpoint without a scope, or missing from the table, fails here."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny

from core.api import SCOPES, required_scope

# Endpoints that are public on purpose: how a token is obtained and given up.
PUBLIC = {"/api/auth/token/", "/api/auth/token/refresh/", "/api/auth/token/blacklist/"}
# The API's own description: for any signed-in user (a bearer token or a staff session), no scope.
SIGNED_IN = {"/api/schema/", "/api/docs/"}
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SAMPLE_ID = str(uuid.uuid4())

# Each endpoint and method, and the one scope it needs ({id}: any id). A scope allows no more than
# the permission it comes from: a slot editor cannot create or delete slots, a job viewer cannot
# hand out public links to results.
ENDPOINT_SCOPES = {
    "GET /api/providers/": "slots:read",
    "GET /api/slots/": "slots:read",
    "POST /api/slots/": "slots:create",
    "GET /api/slots/{id}/": "slots:read",
    "PUT /api/slots/{id}/": "slots:write",
    "PATCH /api/slots/{id}/": "slots:write",
    "DELETE /api/slots/{id}/": "slots:delete",
    "POST /api/slots/{id}/rotate-secret": "slots:write",
    "GET /api/template-media/": "media:read",
    "GET /api/template-media": "media:read",
    "POST /api/template-media/register": "media:write",
    "POST /api/template-media/register/": "media:write",
    "GET /api/template-media/{id}": "media:read",
    "GET /api/template-media/{id}/": "media:read",
    "DELETE /api/template-media/{id}": "media:delete",
    "DELETE /api/template-media/{id}/": "media:delete",
    "POST /api/media/register": "media:register",
    "POST /api/media/register/": "media:register",
    "GET /api/jobs/": "jobs:read",
    "GET /api/jobs/{id}/": "jobs:read",
    "POST /api/jobs/{id}/cancel": "jobs:write",
    "GET /api/jobs/{id}/result": "jobs:read",
    "POST /api/jobs/{id}/share-link": "results:share",
    "DELETE /api/jobs/{id}/share-link": "results:share",
    "GET /api/stats/spend": "stats:read",
}


def _concrete(route: str) -> str:
    route = re.sub(r"<(?:\w+:)?\w+>", SAMPLE_ID, route)  # path() converters
    route = re.sub(r"\(\?P<\w+>[^)]*\)", SAMPLE_ID, route)  # re_path() groups
    return "/" + route.replace("^", "").replace("$", "").replace("/?", "/").replace("\\", "")


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and hasattr(pattern.callback, "cls"):
            yield prefix + str(pattern.pattern), pattern.callback


def _endpoints():
    found = []
    for route, callback in _walk(get_resolver().url_patterns):
        path = _concrete(route)
        if not path.startswith("/api/"):
            continue
        view_class = callback.cls
        for method in METHODS:
            if method.lower() in view_class.http_method_names and hasattr(view_class, method.lower()):
                found.append((path, method, view_class, getattr(callback, "initkwargs", {})))
    return found


ENDPOINTS = _endpoints()
PROTECTED = [e for e in ENDPOINTS if e[0] not in PUBLIC | SIGNED_IN]
IDS = [f"{method} {path}" for path, method, *_ in PROTECTED]


def _call(client, method, path):
    return getattr(client, method.lower())(path, {}, format="json")


def test_the_admin_api_is_all_covered():
    paths = {path for path, *_ in ENDPOINTS}
    assert PUBLIC | SIGNED_IN <= paths
    assert len(PROTECTED) >= 15, "the admin API's endpoints should all be listed here"


def test_only_the_known_public_endpoints_allow_anonymous_access():
    public = {path for path, _, cls, _ in ENDPOINTS if AllowAny in cls.permission_classes or not cls.permission_classes}
    assert public == PUBLIC


@pytest.mark.parametrize(("path", "method", "view_class", "initkwargs"), PROTECTED, ids=IDS)
def test_every_endpoint_names_a_known_scope(path, method, view_class, initkwargs):
    assert required_scope(view_class(**initkwargs), method) in SCOPES


def test_every_endpoint_needs_the_scope_of_the_permission_it_exercises():
    found = {
        f"{method} {path.replace(SAMPLE_ID, '{id}')}": required_scope(view_class(**initkwargs), method)
        for path, method, view_class, initkwargs in PROTECTED
    }
    assert found == ENDPOINT_SCOPES


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method", "view_class", "initkwargs"), PROTECTED, ids=IDS)
def test_every_endpoint_refuses_no_token_with_401(anon_client, path, method, view_class, initkwargs):
    response = _call(anon_client, method, path)
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "method", "view_class", "initkwargs"), PROTECTED, ids=IDS)
def test_every_endpoint_refuses_a_token_without_its_scope_with_403(api_client, path, method, view_class, initkwargs):
    needed = required_scope(view_class(**initkwargs), method)
    client = api_client(*(scope for scope in SCOPES if scope != needed))

    response = _call(client, method, path)

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "insufficient_scope"
