"""Dependency outages become a clear JSON 503, never an HTML 500 or a hang; an application error
no view rendered (e.g. busy image checks) is answered in the same JSON shape."""

from __future__ import annotations

import logging

import redis
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerOperationalError

from core.errors import ApplicationError, application_error_response, error_response

logger = logging.getLogger(__name__)

RETRY_AFTER = {"Retry-After": "5"}


class DependencyUnavailableMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        # An expected refusal no view rendered itself: busy image checks, storage unavailable
        # (StorageUnavailable, logged where media.storage raised it), ...
        if isinstance(exception, ApplicationError):
            return application_error_response(exception)
        if isinstance(exception, (DatabaseOperationalError, DatabaseInterfaceError)):
            logger.error("database unavailable: %s", exception)
            return error_response(
                503, "database_unavailable", _("The database is unavailable; try again shortly."), headers=RETRY_AFTER
            )
        if isinstance(exception, (redis.RedisError, BrokerOperationalError)):
            logger.error("task queue unavailable: %s", exception)
            return error_response(
                503,
                "queue_unavailable",
                _("The processing queue is unavailable; try again shortly."),
                headers=RETRY_AFTER,
            )
        return None
