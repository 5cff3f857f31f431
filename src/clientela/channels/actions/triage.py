"""The triage inbox: e-mails from senders no contact has, waiting for somebody to say who they
are. From there a person creates a contact (the e-mail, and the sender's other waiting e-mails,
are linked to it and appear on its timeline), creates a lead (the e-mail leaves the inbox; its
subject and text go into the lead's notes), or dismisses the e-mail (spam, a newsletter).

Each acts on an e-mail the actor may see and change, still waiting, under its row lock: two
people clicking at once do it once, and the second is told it is done.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.activities import actions as activity_actions
from clientela.activities.models import Channel, Direction
from clientela.channels.inbound import matching
from clientela.channels.models import Email
from clientela.core import records
from clientela.core.errors import ValidationFailed
from clientela.core.visibility import can_see, require_write
from clientela.parties import actions as parties_actions
from clientela.parties.normalize import email_key
from clientela.sales import actions as sales_actions
from clientela.sales.models import LeadSource

if TYPE_CHECKING:
    from clientela.accounts.models import User
    from clientela.parties.models import Contact
    from clientela.sales.models import Lead

ACTIVITY_TEXT = 20_000
MAX_LINKED = 200  # the sender's other waiting e-mails linked along with this one
LEAD_NOTES = 4000


def _waiting(actor: User, email: Email) -> Email:
    """The e-mail locked, if the actor may act on it and it still waits."""
    require_write(actor, email)
    current = Email.objects.select_for_update().filter(pk=email.pk).first()
    if current is None or not current.needs_triage:
        raise ValidationFailed.single("email", "invalid", _("this e-mail is no longer waiting in the inbox"))
    return current


def names_from(display_name: str, address: str) -> dict[str, str]:
    """A first and last name from "Anna Kovács", "Kovács, Anna" or, with no name, anna.kovacs@..."""
    name = display_name.strip().strip('"').strip()
    if "@" in name:
        name = ""
    if "," in name:
        last, _comma, first = name.partition(",")
        return {"first_name": first.strip()[:100], "last_name": last.strip()[:100]}
    words = name.split()
    if not words:
        words = [w.capitalize() for w in re.split(r"[._+\-]+", address.partition("@")[0]) if w] or [address]
    return {"first_name": " ".join(words[:-1])[:100], "last_name": words[-1][:100]}


def _link(actor: User, email: Email, contact: Contact) -> Email:
    """Put the e-mail on the contact's timeline and take it out of the inbox."""
    activity = activity_actions.activity_create(actor=actor, values={
        "channel": Channel.EMAIL, "direction": Direction.INBOUND, "subject": email.subject[:200],
        "body": email.body_text[:ACTIVITY_TEXT], "occurred_at": email.received_at or email.created_at,
        "contact": contact,
    })  # fmt: skip
    return records.update_record(
        email, actor=actor, values={"contact": contact, "activity": activity, "needs_triage": False},
        action="email.triage",
    )  # fmt: skip


def triage_create_contact(*, actor: User, email: Email, values: dict[str, Any] | None = None) -> Contact:
    """A contact for the e-mail's sender (or the one that has the address by now), linked to
    this e-mail and to the sender's other e-mails waiting that the actor may see."""
    with transaction.atomic():
        current = _waiting(actor, email)
        if not current.from_address:
            raise ValidationFailed.single("from_address", "required", _("this e-mail has no sender address"))
        existing = matching.contacts_by_address([current.from_address]).get(email_key(current.from_address))
        if existing is not None and can_see(actor, existing):
            contact = existing
        else:
            contact = parties_actions.contact_create(
                actor=actor, values={**names_from(current.from_name, current.from_address), **(values or {})},
                collections=parties_actions.Collections(emails=[{"value": current.from_address}]),
            )  # fmt: skip
        _link(actor, current, contact)
        others = (
            Email.objects.select_for_update()
            .filter(needs_triage=True, from_address__iexact=current.from_address)
            .exclude(pk=current.pk)
            .order_by("pk")[:MAX_LINKED]
        )
        for other in others:
            if can_see(actor, other):
                _link(actor, other, contact)
    return contact


def triage_create_lead(*, actor: User, email: Email, values: dict[str, Any] | None = None) -> Lead:
    """A lead from the e-mail's sender, with the e-mail's subject and text as its notes."""
    with transaction.atomic():
        current = _waiting(actor, email)
        notes = "\n\n".join(part for part in (current.subject, current.body_text) if part)[:LEAD_NOTES]
        lead = sales_actions.lead_create(actor=actor, values={
            **names_from(current.from_name, current.from_address), "email": current.from_address,
            "source": LeadSource.EMAIL, "qualification_notes": notes, **(values or {}),
        })  # fmt: skip
        records.update_record(current, actor=actor, values={"needs_triage": False}, action="email.triage")
    return lead


def triage_dismiss(*, actor: User, email: Email) -> Email:
    """Take the e-mail out of the inbox without linking it (it stays, for the record)."""
    with transaction.atomic():
        current = _waiting(actor, email)
        return records.update_record(current, actor=actor, values={"needs_triage": False}, action="email.dismiss")
