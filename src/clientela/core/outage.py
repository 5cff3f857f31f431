"""When the database goes away: retry a safe request once, else answer 503 with Retry-After.

A request that fails because the database connection was lost (PostgreSQL restarted, the
app's connections terminated, the pool exhausted) or the database refused the work for now
(SQLite locked) must not give a 500 page or a traceback. Django turns an uncaught exception
into a 500 inside every middleware layer, so the outermost layer cannot catch it; instead
`got_request_exception` (sent while the exception is being handled, in debug mode as well)
notes a database outage on the request, and `DatabaseOutageMiddleware` then

- closes the connections that are broken (a pooled one goes back to the pool, which
  discards it), and, for a safe method (GET, HEAD, OPTIONS) whose connection was lost,
  runs the request once more on a fresh connection;
- otherwise answers 503 with `Retry-After`: the API's JSON error shape under /api/, a
  plain page elsewhere. A write is never replayed here: whether it committed is unknown,
  and the client's retry is guarded by `If-Match` and `Idempotency-Key`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError, connections
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_OUTAGE = "_clientela_database_outage"


def is_database_outage(error: BaseException | None) -> bool:
    """The database could not be reached or refused the work for now (not a bad query)."""
    return isinstance(error, OperationalError | InterfaceError)


@receiver(got_request_exception)
def _note_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    error = sys.exc_info()[1]
    if request is not None and is_database_outage(error):
        setattr(request, _OUTAGE, error)


def _lost_connection() -> bool:
    """Close every broken connection; True when one was broken (a retry gets a fresh one)."""
    lost = False
    for connection in connections.all(initialized_only=True):
        if connection.connection is not None and not connection.is_usable():
            lost = True
        try:
            connection.close()
        except Exception:  # a broken connection may fail to close; it is dropped all the same
            logger.debug("closing a broken database connection failed", exc_info=True)
            connection.connection = None
    return lost


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: JSON under /api/, a page (that needs no database) elsewhere."""
    message = _("The database is not reachable at the moment; try again in a few seconds.")
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse({"errors": [{"field": "", "code": "unavailable", "message": message}]}, status=503)
    else:
        html = render_to_string("503.html", {"message": message}, request=None)
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """Retry a safe request once after a lost connection; answer 503 instead of a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        error = getattr(request, _OUTAGE, None)
        if error is None:
            return response
        lost = _lost_connection()
        if lost and request.method in SAFE_METHODS:
            logger.warning("database connection lost during %s %s; retrying once", request.method, request.path)
            delattr(request, _OUTAGE)
            response = self.get_response(request)
            error = getattr(request, _OUTAGE, None)
            if error is None:
                return response
            _lost_connection()
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, error)
        return unavailable(request)
