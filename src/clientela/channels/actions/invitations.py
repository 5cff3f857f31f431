"""A meeting's invitation: an e-mail to its participants (the contact, the contacts taking part,
the guests by address) with the meeting as an iTIP REQUEST (`text/calendar; method=REQUEST`,
RFC 5546/6047), so that their calendar program offers to accept it. Queued like any e-mail
(`email_queue`: checked, logged, sent by the worker, on the timeline once sent); sending it
again after the meeting changed updates the accepted entry (its SEQUENCE follows the version)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.activities import calendar_ics
from clientela.activities.models import Activity, Channel
from clientela.activities.rules import user_zone
from clientela.channels.actions.emails import email_queue, sender
from clientela.channels.composing import Upload
from clientela.channels.models import Email
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.visibility import require_write

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _participants(meeting: Activity) -> list[calendar_ics.Person]:
    people: dict[str, calendar_ics.Person] = {}
    contacts = [meeting.contact] if meeting.contact is not None else []
    contacts += list(meeting.attendees.all())
    for contact in contacts:
        if contact.primary_email:
            people.setdefault(
                contact.primary_email.lower(), calendar_ics.Person(contact.full_name, contact.primary_email)
            )
    for guest in meeting.guests or []:
        email = (guest.get("email") or "").strip()
        if email:
            people.setdefault(email.lower(), calendar_ics.Person(guest.get("name") or "", email))
    return list(people.values())


def meeting_invite(*, actor: User, meeting: Activity) -> Email:
    """Queue the invitation to `meeting` for every participant with an e-mail address."""
    require_write(actor, meeting)
    if meeting.channel != Channel.MEETING:
        raise ValidationFailed([FieldError("activity", "invalid", _("only a meeting has an invitation"))])
    people = _participants(meeting)
    if not people:
        raise ValidationFailed([FieldError("attendees", "required", _("no participant has an e-mail address"))])
    address, name = sender(actor)
    link = settings.CLIENTELA_SITE_URL + reverse("activities:activity_detail", args=[meeting.public_id])
    text = calendar_ics.invitation_text(meeting=meeting, people=people,
                                        organizer=calendar_ics.Person(name, address), link=link)  # fmt: skip
    start = timezone.localtime(meeting.occurred_at, user_zone(actor))
    title = meeting.subject or meeting.purpose or _("Meeting")
    when = start.strftime("%Y-%m-%d %H:%M %Z")
    lines = [_("You are invited: %(title)s") % {"title": title}, _("When: %(when)s") % {"when": when}]
    if meeting.place:
        lines.append(_("Where: %(place)s") % {"place": meeting.place})
    if meeting.body:
        lines += ["", meeting.body]
    record = {"contact": meeting.contact} if meeting.contact is not None else {}
    if meeting.deal is not None:
        record["deal"] = meeting.deal
    if not record and meeting.organization is not None:
        record["organization"] = meeting.organization
    if not record:  # a meeting only with participants: the first of them
        first = meeting.attendees.first()
        if first is not None:
            record["contact"] = first
    return email_queue(actor=actor, values={
        **record, "to": [person.email for person in people],
        "subject": (_("Invitation: %(title)s, %(when)s") % {"title": title, "when": when})[:300],
        "body_text": "\n".join(lines),
        "attachments": [Upload("invitation.ics", text.encode(), "text/calendar")],
    })  # fmt: skip
