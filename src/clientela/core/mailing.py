"""Handing one e-mail to the configured mail server (Django's `EMAIL_BACKEND`, SMTP in
production), the same way for every app that sends mail: with a Message-ID the caller chose
and kept — so a retry sends the same message again, and the receiving side can tell it is the
same — and with its failure sorted into one worth trying again (the server could not be reached,
dropped the connection, answered 4xx) and one that is not (a 5xx answer: this message to these
addresses will not be taken however often it is offered).

Apps decide what a failure means for their records and when to try again; this module neither
retries nor writes anything.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage

MAX_ERROR = 500  # characters of the server's answer kept with a failure


@dataclass(frozen=True)
class Delivery:
    """What became of one hand-over: `sent`, or not with the server's answer in `error` and
    whether trying again is pointless (`permanent`)."""

    sent: bool
    permanent: bool = False
    error: str = ""


def sender_domain() -> str:
    """The domain of the installation's sender address (DEFAULT_FROM_EMAIL), "localhost" without one."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    domain = address.rpartition("@")[2].strip().strip(">")
    return domain or "localhost"


def new_message_id() -> str:
    """A Message-ID of ours (`<...@domain of DEFAULT_FROM_EMAIL>`), made once per e-mail and kept
    with it: the threads of replies point at it."""
    return make_msgid(domain=sender_domain())


def _answer(code: int, message: bytes | str) -> str:
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
    return f"{code} {' '.join(text.split())}".strip()


def classify(failure: BaseException) -> Delivery:
    """A failed hand-over as a `Delivery`: a 5xx answer (to the sender, the data, or every
    recipient) is permanent; anything else — refused or dropped connections, time-outs, 4xx
    answers, a recipient refused only for now — is worth another try."""
    if isinstance(failure, smtplib.SMTPRecipientsRefused):
        answers = list(failure.recipients.values())
        text = "; ".join(
            f"{address}: {_answer(code, message)}" for address, (code, message) in failure.recipients.items()
        )
        permanent = bool(answers) and all(code >= 500 for code, _message in answers)
        return Delivery(sent=False, permanent=permanent, error=text[:MAX_ERROR] or "recipients refused")
    if isinstance(failure, smtplib.SMTPResponseException):
        text = _answer(failure.smtp_code, failure.smtp_error)
        return Delivery(sent=False, permanent=failure.smtp_code >= 500, error=text[:MAX_ERROR])
    text = str(failure) or failure.__class__.__name__
    if isinstance(failure, OSError):  # smtplib's errors are OSErrors too
        return Delivery(sent=False, permanent=False, error=f"{failure.__class__.__name__}: {text}"[:MAX_ERROR])
    # A message that cannot be written at all (a header Django refuses): the same every time.
    return Delivery(sent=False, permanent=True, error=f"{failure.__class__.__name__}: {text}"[:MAX_ERROR])


def deliver(message: EmailMessage, *, message_id: str) -> Delivery:
    """Send `message` through the configured backend with `message_id` as its Message-ID."""
    message.extra_headers = {**message.extra_headers, "Message-ID": message_id}
    try:
        message.send(fail_silently=False)
    except (OSError, ValueError) as failure:
        return classify(failure)
    return Delivery(sent=True)
