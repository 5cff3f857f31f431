"""What the e-mail-in tests share: a mailbox on the test Dovecot, messages to put in it, and an
e-mail "we sent" to reply to."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from django.utils import timezone

from clientela.activities.actions.history import ActivityPlan
from clientela.activities.models import Channel
from clientela.channels import actions
from clientela.channels.actions.history import EmailPlan, emails_load_history
from clientela.channels.models import Email, Mailbox
from clientela.testing.dovecot import Dovecot

_numbers = itertools.count(1)


def mailbox_on(dovecot: Dovecot, actor: Any, *, address: str = "", shared: bool = False, team: Any = None,
               **values: Any) -> tuple[Mailbox, str]:  # fmt: skip
    """A new Dovecot user and a mailbox reading its INBOX; returns the mailbox and the user."""
    user = dovecot.add_user()
    mailbox = actions.mailbox_create(
        actor=actor, shared=shared, team=team,
        values={"name": f"Inbox {user}", "address": address or f"{user}@clientela.example", "host": dovecot.host,
                "port": dovecot.port, "security": "none", "username": user, "password": dovecot.users[user],
                **values},
    )  # fmt: skip
    return mailbox, user


def message(
    *, sender: str = "anna@kovacs.example", to: str = "sales@clientela.example", subject: str = "Hello",
    text: str = "Hello there.", message_id: str | None = None, in_reply_to: str = "", html: str = "",
    attachments: Sequence[tuple[str, str, bytes]] = (), date: dt.datetime | None = None, **headers: str,
) -> bytes:  # fmt: skip
    """A well-formed message as bytes."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(date or timezone.now())
    mail["Message-ID"] = message_id or make_msgid(domain="kovacs.example")
    if in_reply_to:
        mail["In-Reply-To"] = in_reply_to
        mail["References"] = in_reply_to
    for name, value in headers.items():
        mail[name.replace("_", "-")] = value
    mail.set_content(text)
    if html:
        mail.add_alternative(html, subtype="html")
    for filename, kind, data in attachments:
        main, sub = kind.split("/")
        mail.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return mail.as_bytes()


def sent_email(actor: Any, contact: Any, *, to: str, subject: str = "Our offer", deal: Any = None) -> Email:
    """An e-mail we sent to `contact` (written as history: the outbound row with its Message-ID)."""
    n = next(_numbers)
    plan = EmailPlan(
        activity=ActivityPlan(channel=Channel.EMAIL, occurred_at=timezone.now() - dt.timedelta(hours=1),
                              owner=actor, team=actor.team, subject=subject, body="Please find our offer.",
                              contact=contact, deal=deal),
        from_address=actor.email, to=[to], message_id=f"<sent-{n}-{timezone.now().timestamp()}@clientela.example>",
    )  # fmt: skip
    [email] = emails_load_history(actor=actor, plans=[plan])
    return email
