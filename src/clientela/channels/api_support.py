"""What the channels' API routers share: the check of a webhook's shared secret (the SMS
gateway's delivery reports, the telephony system's call events), for callers that are systems,
not users."""

from __future__ import annotations

import hmac

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError

from clientela.core.errors import PermissionDenied

TOKEN_HEADER = "X-Clientela-Token"  # noqa: S105 - a header's name, not a secret


def shared_secret(request: HttpRequest, expected: str, setting: str) -> bool:
    """Whether the caller presented the shared secret `expected`: in the `X-Clientela-Token`
    header, as `Authorization: Bearer`, or as the `token` query parameter (for systems that can
    only be given a URL), compared in constant time. Refused with 401 when it did not, with 403
    when the webhook is turned off (`setting`, the secret's setting, is empty)."""
    if not expected:
        raise PermissionDenied(_("this webhook is turned off: set %(setting)s") % {"setting": setting})
    authorization = request.headers.get("Authorization", "")
    bearer = authorization[7:].strip() if authorization[:7].lower() == "bearer " else ""
    given = request.headers.get(TOKEN_HEADER) or bearer or request.GET.get("token", "")
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        message = _("send the shared secret in the %(header)s header") % {"header": TOKEN_HEADER}
        raise AuthenticationError(message=message)
    return True
