"""Throttling of the sign-in pages: failed logins, and password reset e-mails.

Failures are counted by the username as typed (folded to lower case), whether or
not such an account exists, so the refusal says nothing about which accounts exist.
A refused attempt is not counted again, so waiting the stated time always works.

Password reset requests are counted the same way, per e-mail address as typed and
per client address, so the reset form can neither flood a mailbox nor be used to
probe accounts: past the limit no e-mail is sent, but the page says the same.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import math

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clientela.accounts.models import LoginFailure, PasswordResetRequest

logger = logging.getLogger(__name__)


def client_address(request: HttpRequest | None) -> str | None:
    """The client's address: the peer's, or, when the peer is one of the trusted proxies
    (`CLIENTELA_TRUSTED_PROXIES`), the nearest address in its `X-Forwarded-For` that is not a
    trusted proxy. A header from anyone else is ignored (a client could write anything there)."""
    if request is None:
        return None
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None or not _trusted(peer):
        return str(peer) if peer is not None else None
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for part in reversed(forwarded):  # the proxy appends: the right end is the nearest hop
        hop = _address(part)
        if hop is None:
            break  # a malformed entry: nothing left of it can be trusted
        if not _trusted(hop):
            return str(hop)
        peer = hop
    return str(peer)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(address in network for network in settings.TRUSTED_PROXIES)


def _account_key(username: str) -> str:
    return username.strip().casefold()[:150]


def _window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def _blocked_until(times: list[dt.datetime], limit: int) -> dt.datetime | None:
    """`times` are the newest failures, newest first, at most `limit` of them."""
    if len(times) < limit:
        return None
    # The attempt is allowed again once the oldest of the last `limit` failures leaves the window.
    return times[limit - 1] + _window()


def wait_minutes(username: str, address: str | None, *, now: dt.datetime | None = None) -> int:
    """Minutes until a login for this account from this address is allowed again (0 = now)."""
    now = now or timezone.now()
    since = now - _window()
    recent = LoginFailure.objects.filter(occurred_at__gt=since).order_by("-occurred_at")
    limits: list[dt.datetime] = []
    account_limit = settings.LOGIN_MAX_FAILURES_PER_ACCOUNT
    by_account = list(
        recent.filter(username=_account_key(username)).values_list("occurred_at", flat=True)[:account_limit]
    )
    until = _blocked_until(by_account, account_limit)
    if until is not None:
        limits.append(until)
    if address:
        address_limit = settings.LOGIN_MAX_FAILURES_PER_ADDRESS
        by_address = list(recent.filter(address=address).values_list("occurred_at", flat=True)[:address_limit])
        until = _blocked_until(by_address, address_limit)
        if until is not None:
            limits.append(until)
    if not limits:
        return 0
    seconds = (max(limits) - now).total_seconds()
    return max(1, math.ceil(seconds / 60))


def record_failure(username: str, address: str | None) -> None:
    now = timezone.now()
    # Keep the table small: nothing older than the window is ever read.
    LoginFailure.objects.filter(occurred_at__lt=now - _window()).delete()
    LoginFailure.objects.create(username=_account_key(username), address=address, occurred_at=now)


def clear_failures(username: str) -> None:
    """A successful login forgets the account's failures (the address's stay)."""
    LoginFailure.objects.filter(username=_account_key(username)).delete()


# --- password reset requests -------------------------------------------------------------------


def _reset_window() -> dt.timedelta:
    return dt.timedelta(minutes=settings.PASSWORD_RESET_WINDOW_MINUTES)


def _email_digest(email: str) -> str:
    """A keyed digest of the address as typed (folded like the form's case-insensitive lookup)."""
    return salted_hmac("clientela.accounts.password_reset", email.strip().casefold(), algorithm="sha256").hexdigest()


def password_reset_allowed(email: str, address: str | None) -> bool:
    """Counts a reset request for `email` from `address`; False if it is over a limit and must send nothing.

    The request is written first and the limits checked after, counting every request
    in the window: two processes asking at once may both be refused, but never both
    let through past a limit. A refused request is removed again, so it is not
    counted and e-mails flow again once the window has passed.
    """
    now = timezone.now()
    since = now - _reset_window()
    digest = _email_digest(email)
    # Keep the table small: nothing older than the window is ever read.
    PasswordResetRequest.objects.filter(requested_at__lt=since).delete()
    request = PasswordResetRequest.objects.create(email_digest=digest, address=address, requested_at=now)
    recent = PasswordResetRequest.objects.filter(requested_at__gt=since)
    over = None
    if recent.filter(email_digest=digest).count() > settings.PASSWORD_RESET_MAX_PER_EMAIL:
        over = "e-mail address"
    elif address and recent.filter(address=address).count() > settings.PASSWORD_RESET_MAX_PER_ADDRESS:
        over = "client address"
    if over is None:
        return True
    request.delete()
    # The address itself stays out of the log; the digest prefix lets repeated attempts be told apart.
    logger.warning(
        "Password reset throttled (limit per %s reached): e-mail digest %s, client %s; no e-mail sent.",
        over,
        digest[:12],
        address or "unknown",
    )
    return False
