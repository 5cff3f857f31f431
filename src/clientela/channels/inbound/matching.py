"""Whom a received message concerns, and which conversation it continues.

People are matched by e-mail address in its normal form (`parties.normalize.email_key`, the
`ContactPoint.normalized` the parties app keeps): the sender first, then the recipients, leaving
out our own addresses (the mailbox's and the users'). A reply is threaded by In-Reply-To, then
by References from the newest back, onto the first e-mail of its conversation that we hold.

These are the worker's reads: it sees every record (it files mail for everybody); what a person
then sees of the result is scoped by the queries as usual.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from clientela.accounts.models import User
from clientela.channels.models import Email
from clientela.parties.models import Contact, ContactPoint
from clientela.parties.normalize import email_key


@dataclass(frozen=True)
class Match:
    contact: Contact | None
    address: str  # the address that matched ("" when none did)


def our_addresses(mailbox_address: str, addresses: Iterable[str]) -> set[str]:
    """Of `addresses` (in normal form), those that are ours: the mailbox's own and the active
    users' (stored as typed, so compared without case)."""
    ours = {email_key(mailbox_address)} if mailbox_address else set()
    others = sorted({email_key(a) for a in addresses if a} - ours)[:200]
    if others:
        condition = Q()
        for key in others:
            condition |= Q(email__iexact=key)
        users = User.objects.filter(condition, is_active=True).values_list("email", flat=True)
        ours |= {email_key(address) for address in users}
    return ours


def contacts_by_address(addresses: Iterable[str]) -> dict[str, Contact]:
    """Live contacts by the normal form of their e-mail addresses (a shared address goes to
    the contact that has it as primary, else to the oldest)."""
    keys = sorted({email_key(a) for a in addresses if a})
    if not keys:
        return {}
    points = (
        ContactPoint.objects.filter(
            kind=ContactPoint.Kind.EMAIL, normalized__in=keys, contact__isnull=False, contact__deleted_at__isnull=True
        )
        .select_related("contact")
        .order_by("-is_primary", "contact_id")
    )
    found: dict[str, Contact] = {}
    for point in points:
        found.setdefault(point.normalized, point.contact)
    return found


def match_contact(sender: str, recipients: list[str], *, mailbox_address: str) -> Match:
    """The contact a message is about: its sender's, else the first recipient's that is not ours."""
    candidates = [a for a in [sender, *recipients] if a]
    if not candidates:
        return Match(None, "")
    ours = our_addresses(mailbox_address, candidates)
    wanted = [a for a in candidates if email_key(a) not in ours]
    contacts = contacts_by_address(wanted)
    for address in wanted:
        contact = contacts.get(email_key(address))
        if contact is not None:
            return Match(contact, address)
    return Match(None, "")


def thread_parent(in_reply_to: str, references: list[str]) -> Email | None:
    """The stored e-mail this message answers: the one named by In-Reply-To, else the newest
    of its References that we hold."""
    wanted = [i for i in [in_reply_to, *reversed(references)] if i]
    if not wanted:
        return None
    found = {e.message_id: e for e in Email.all_objects.filter(message_id__in=wanted[:60]).order_by()}
    for message_id in wanted:
        if message_id in found:
            return found[message_id]
    return None


def thread_root_id(parent: Email | None) -> Any:
    """The id of the first e-mail of `parent`'s conversation (its own when it starts one)."""
    if parent is None:
        return None
    return parent.thread_id or parent.pk


def stored_email(message_id: str) -> Email | None:
    """The e-mail already imported (or sent) with this Message-ID, trash included."""
    if not message_id:
        return None
    return next(iter(Email.all_objects.filter(message_id=message_id).order_by()[:1]), None)
