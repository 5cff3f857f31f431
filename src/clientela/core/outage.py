"""When the database goes away: retry a safe request once, else answer 503 with Retry-After.

A request that fails because the database connection was lost (PostgreSQL restarted, the
app's connections terminated, the pool exhausted) or the database refused the work for now
(SQLite locked) must not give a 500 page or a traceback. Django turns an uncaught exception
into a 500 inside every middleware layer, so the outermost layer cannot catch it; instead
`got_request_exception` (sent while the exception is being handled, in debug mode as well)
notes a database outage on the request, and `DatabaseOutageMiddleware` then

- closes the request's connections (a pooled one goes back to the pool, which discards it
  if broken), and, for a safe method (GET, HEAD, OPTIONS), runs the request once more on a
  fresh connection;
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


# PostgreSQL's SQLSTATEs of a lost or refused connection: class 08 (connection exception),
# admin/crash/cannot-connect-now shutdowns, too many connections.
_OUTAGE_STATES = ("08", "57P01", "57P02", "57P03", "53300")
_SQLITE_BUSY = ("database is locked", "database table is locked", "database is busy")


def is_database_outage(error: BaseException | None) -> bool:
    """The database could not be reached or refused the work for now: a lost or refused
    connection, the pool out of connections, SQLite locked. Not a bad query, a missing table or
    a statement timeout: those stay errors (500), not "try again in a few seconds"."""
    if isinstance(error, InterfaceError):  # Django's wrapper: the connection is already closed
        return True
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__
    state = getattr(cause, "sqlstate", None)
    if state is not None:
        return state.startswith(_OUTAGE_STATES)
    if type(cause).__module__.startswith(("psycopg", "psycopg_pool")):
        return True  # no SQLSTATE: the server went away mid-statement, or the pool timed out
    return any(text in str(error) for text in _SQLITE_BUSY)


@receiver(got_request_exception)
def _note_outage(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    error = sys.exc_info()[1]
    if request is not None and is_database_outage(error):
        setattr(request, _OUTAGE, error)


def _close_connections() -> None:
    """Close the request's connections (a pooled one goes back to the pool, which drops it if
    broken), so that a retry gets a fresh one."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:  # a broken connection may fail to close; it is dropped all the same
            logger.debug("closing a broken database connection failed", exc_info=True)
            connection.connection = None


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
        _close_connections()
        if request.method in SAFE_METHODS:  # a read: once more, on a fresh connection
            logger.warning("database connection lost during %s %s; retrying once", request.method, request.path)
            delattr(request, _OUTAGE)
            response = self.get_response(request)
            error = getattr(request, _OUTAGE, None)
            if error is None:
                return response
            _close_connections()
        logger.warning("database unavailable for %s %s: %s", request.method, request.path, error)
        return unavailable(request)
