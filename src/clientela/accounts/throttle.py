"""Login throttling: failed attempts per account and per client address.

Failures are counted by the username as typed (folded to lower case), whether or
not such an account exists, so the refusal says nothing about which accounts exist.
A refused attempt is not counted again, so waiting the stated time always works.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import math

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from clientela.accounts.models import LoginFailure


def client_address(request: HttpRequest | None) -> str | None:
    """The peer address as the server saw it (a proxy in front must set REMOTE_ADDR)."""
    if request is None:
        return None
    raw = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


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
