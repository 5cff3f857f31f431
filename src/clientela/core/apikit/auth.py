"""Who is calling: a personal API token (`Authorization: Bearer clt_...`) or, for the
browser, the signed-in session with a CSRF token on unsafe methods."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError, HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from clientela.accounts.models import ApiToken
from clientela.accounts.queries import active_token

if TYPE_CHECKING:
    from clientela.accounts.models import User

# last_used_at is written at most this often per token, so reads stay reads.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """A personal API token; unknown, revoked or expired tokens get 401 at once."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get("Authorization")
        if header and not header.lower().startswith("bearer "):
            raise AuthenticationError(401, _("use Authorization: Bearer <token>"))
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> User:
        found = active_token(token.strip())
        if found is None:
            raise AuthenticationError(401, _("the API token is unknown, revoked or expired"))
        now = timezone.now()
        if found.last_used_at is None or now - found.last_used_at >= LAST_USED_RESOLUTION:
            # Bookkeeping on the token itself, not a domain record: no event.
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        return found.user


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


token_auth = TokenAuth()
session_auth = SessionAuth()
AUTH = [token_auth, session_auth]


def caller(request: HttpRequest) -> User:
    """The authenticated user of an API request."""
    return request.auth
