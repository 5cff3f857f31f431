"""Ends a browser session after `SESSION_IDLE_MINUTES` without a request.

The time of the last request is kept in the session (written at most once a
minute, so most requests don't write the session). After a timeout the user is
logged out and the login page says why; an htmx request is told to load the login
page as a whole page instead of swapping it into a fragment.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import resolve_url

LAST_SEEN_KEY = "clientela_last_seen"
IDLE_LOGOUT_KEY = "clientela_idle_logout"
# Granularity of the last-seen stamp: a session is written at most this often.
TOUCH_SECONDS = 60


def mark_seen(request: HttpRequest) -> None:
    """Called on login so a fresh session starts its idle clock now."""
    request.session[LAST_SEEN_KEY] = int(time.time())


def _last_seen(request: HttpRequest) -> int | None:
    raw = request.session.get(LAST_SEEN_KEY)
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


class IdleTimeoutMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last_seen = _last_seen(request)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                request.session[IDLE_LOGOUT_KEY] = True
                if request.headers.get("HX-Request") == "true":
                    return self._htmx_to_login(request)
            elif last_seen is None or now - last_seen >= TOUCH_SECONDS:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)

    @staticmethod
    def _htmx_to_login(request: HttpRequest) -> HttpResponse:
        # Come back to the page the user was on (its path only: never another site).
        parts = urlsplit(request.headers.get("HX-Current-URL", ""))
        back = parts.path + (f"?{parts.query}" if parts.query else "")
        login_url = resolve_url(settings.LOGIN_URL)
        target = (
            f"{login_url}?{urlencode({'next': back})}"
            if back.startswith("/") and not back.startswith("//")
            else login_url
        )
        response = HttpResponse(status=200)
        response["HX-Redirect"] = target
        return response
