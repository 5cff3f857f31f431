"""Personal API tokens (`Authorization: Bearer clt_...`) as a django-ninja authenticator."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

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


token_auth = TokenAuth()
