"""Who is calling, for the browser: the signed-in session with a CSRF token on unsafe
methods. Personal API tokens are the accounts app's (`accounts/api_auth.py`); the API
assembly (`clientela/api.py`) lists both."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie
from ninja.utils import check_csrf

if TYPE_CHECKING:
    from clientela.core.actors import Actor as User


class SessionAuth(APIKeyCookie):
    """The browser's session; unsafe methods must carry Django's CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        # CSRF is checked only for a signed-in session, so a request without any
        # credentials gets 401, not a CSRF 403.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = getattr(request, "user", None)
        if key is None or user is None or not user.is_authenticated or not user.is_active:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "CSRF check failed")
        return user


session_auth = SessionAuth()


def caller(request: HttpRequest) -> Any:
    """The authenticated user of an API request: the accounts app's `User` (typed `Any` here,
    since core does not import the app that defines users)."""
    return request.auth
