"""Sending a text message: the provider interface, and its one implementation, an HTTP gateway.

A provider's `send(number, text)` hands one message to the operator and answers the
operator's id for it (what its delivery reports name), or raises an `SmsError` that says
whether trying again may help: `SmsTemporaryError` (the gateway is down, overloaded or
did not answer in time: the worker tries again later) or `SmsRejected` (the gateway
refused this message — a bad number, no credit, wrong credentials: trying again would
only be refused again).

`HttpGatewayProvider` posts the message as JSON (or as a form) to a configured URL with
Basic or Bearer credentials — the shape most SMS gateways accept (and, with a small
adapter in front, any other). It needs nothing but the standard library (`urllib`); the
project does not depend on an HTTP client package. It imports nothing of the project
and of Django only gettext (its errors are read by people) and, in `provider_from_settings`,
the settings.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.utils.translation import gettext as _

MAX_ID_LENGTH = 200  # Sms.provider_id
MAX_ERROR_LENGTH = 300  # kept of a gateway's answer in an error message
# An answer's property naming the operator's id for the message, in the order looked for.
ID_KEYS = ("id", "message_id", "messageId", "sid", "reference")
# Statuses after which the same request may well succeed: the gateway timed out, was
# overloaded or asked us to slow down.
RETRYABLE_STATUSES = frozenset({408, 425, 429})


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A gateway's redirect is an answer, not a new address to post the message to (urllib would
    follow a 302 with a GET and lose the message): it raises as the 3xx it is."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


class SmsError(Exception):
    """A message could not be handed to the operator; `str()` says why, for the sender to read."""

    retryable = False


class SmsTemporaryError(SmsError):
    """Trying again later may succeed (a 5xx answer, a 429, a refused or timed-out connection)."""

    retryable = True


class SmsRejected(SmsError):
    """The gateway refused this message (a 4xx answer, an answer that is no answer): not tried again."""


class SmsNotConfigured(SmsRejected):
    """No SMS gateway is configured (CLIENTELA_SMS_GATEWAY_URL is empty)."""


class SmsProvider(Protocol):
    """What sends text messages: one method, so a new operator is one small class."""

    def send(self, number: str, text: str, *, reference: str = "") -> str:
        """Hand `text` for `number` (E.164) to the operator; return its id for the message.
        `reference` is ours (the Sms's public id), passed along so a gateway that deduplicates
        by it never sends a retried message twice. Raises `SmsError`."""
        ...


@dataclass(frozen=True)
class HttpGatewayProvider:
    """An SMS gateway reached by one HTTP POST per message.

    The request carries `{"to": "+36201234567", "text": "...", "from": sender, "reference":
    "<our id>"}` (JSON, or the same names as a form with `form=True`), with HTTP Basic
    credentials (`user`, `password`) or a Bearer `token`. A 2xx answer is success; the
    operator's id is read from the answer's `id` (or `message_id`, `messageId`, `sid`,
    `reference`) when it is JSON, else our reference stands for it (and delivery reports
    name it). 5xx, 408, 425, 429 and network failures are temporary; any other answer is a
    refusal."""

    url: str
    user: str = ""
    password: str = field(default="", repr=False)
    token: str = field(default="", repr=False)
    sender: str = ""
    form: bool = False
    timeout: float = 10.0

    def send(self, number: str, text: str, *, reference: str = "") -> str:
        if not self.url:
            raise SmsNotConfigured(_("no SMS gateway is configured (CLIENTELA_SMS_GATEWAY_URL)"))
        fields = {"to": number, "text": text}
        if self.sender:
            fields["from"] = self.sender
        if reference:
            fields["reference"] = reference
        if urllib.parse.urlsplit(self.url).scheme not in ("http", "https"):
            raise SmsNotConfigured(_("the SMS gateway URL must start with http:// or https://"))
        request = urllib.request.Request(  # noqa: S310 - the operator's own URL, http(s) only (checked above)
            self.url, data=self._encode(fields), headers=self._headers(), method="POST"
        )
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                status = response.status
                body = response.read(64 * 1024)
        except urllib.error.HTTPError as refused:
            raise _classified(refused.code, _read_quietly(refused)) from None
        except TimeoutError as slow:
            seconds = {"seconds": f"{self.timeout:g}"}
            raise SmsTemporaryError(_("the SMS gateway did not answer within %(seconds)s s") % seconds) from slow
        except (urllib.error.URLError, ConnectionError, OSError) as unreachable:
            reason = getattr(unreachable, "reason", unreachable)
            reached = _("the SMS gateway could not be reached: %(reason)s") % {"reason": reason}
            raise SmsTemporaryError(reached) from unreachable
        if not 200 <= status < 300:  # a 1xx or 3xx that urllib did not follow
            raise _classified(status, body)
        return provider_id(body) or reference

    def _encode(self, fields: Mapping[str, str]) -> bytes:
        if self.form:
            return urllib.parse.urlencode(fields).encode()
        return json.dumps(fields, ensure_ascii=False).encode()

    def _headers(self) -> dict[str, str]:
        headers = {
            "Content-Type": "application/x-www-form-urlencoded" if self.form else "application/json",
            "Accept": "application/json, text/plain;q=0.5",
            "User-Agent": "Clientela SMS",
        }
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.user or self.password:
            pair = f"{self.user}:{self.password}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        return headers


def _read_quietly(failure: urllib.error.HTTPError) -> bytes:
    try:
        return failure.read(4096)
    except OSError:
        return b""


def _classified(status: int, body: bytes) -> SmsError:
    said = body.decode("utf-8", "replace").strip().replace("\r", " ").replace("\n", " ")[:MAX_ERROR_LENGTH]
    if said:
        message = _("the SMS gateway answered %(status)d: %(answer)s") % {"status": status, "answer": said}
    else:
        message = _("the SMS gateway answered %(status)d") % {"status": status}
    if status >= 500 or status in RETRYABLE_STATUSES:
        return SmsTemporaryError(message)
    return SmsRejected(message)


def provider_id(body: bytes) -> str:
    """The operator's id for a message, read from the gateway's answer: a JSON object's `id`
    (or another of ID_KEYS, also inside a `data` or `message` object); "" when there is none.
    A plain-text answer ("OK") is not taken for an id: two messages would share it."""
    try:
        found: Any = json.loads(body.decode("utf-8", "replace"))
    except ValueError:
        return ""
    if not isinstance(found, dict):
        return ""
    for holder in (found, found.get("data"), found.get("message")):
        if isinstance(holder, dict):
            for key in ID_KEYS:
                value = holder.get(key)
                if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
                    return str(value).strip()[:MAX_ID_LENGTH]
    return ""


def provider_from_settings() -> SmsProvider:
    """The provider the installation configured (CLIENTELA_SMS_GATEWAY_*)."""
    from django.conf import settings

    return HttpGatewayProvider(
        url=settings.CLIENTELA_SMS_GATEWAY_URL,
        user=settings.CLIENTELA_SMS_GATEWAY_USER,
        password=settings.CLIENTELA_SMS_GATEWAY_PASSWORD,
        token=settings.CLIENTELA_SMS_GATEWAY_TOKEN,
        sender=settings.CLIENTELA_SMS_SENDER,
        form=settings.CLIENTELA_SMS_GATEWAY_FORMAT == "form",
        timeout=float(settings.CLIENTELA_SMS_GATEWAY_TIMEOUT),
    )


def configured() -> bool:
    """Whether messages can be sent at all (a gateway URL is set)."""
    from django.conf import settings

    return bool(settings.CLIENTELA_SMS_GATEWAY_URL)
