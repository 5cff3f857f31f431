"""Every read of the channels app, scoped to what the reader may see (DESIGN.md rule 3)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from clientela.channels.models import Email, EmailAttachment, EmailTemplate, Mailbox, MailboxMessage, Sms
from clientela.core.errors import NotFound
from clientela.core.ids import is_uuid
from clientela.core.validation import one_by_public_id
from clientela.core.visibility import visible
from clientela.parties.models import ContactPoint
from clientela.parties.normalize import email_key

if TYPE_CHECKING:
    from clientela.accounts.models import User


def emails_visible(user: User) -> QuerySet[Email]:
    return visible(Email.objects.all(), user).select_related("owner", "team", "contact", "organization", "deal")


def email_get(user: User, public_id: Any) -> Email:
    return one_by_public_id(emails_visible(user).prefetch_related("attachments"), public_id, _("no such e-mail"))


def mailboxes_visible(user: User) -> QuerySet[Mailbox]:
    return visible(Mailbox.objects.all(), user).select_related("owner", "team")


def mailbox_get(user: User, public_id: Any) -> Mailbox:
    return one_by_public_id(mailboxes_visible(user), public_id, _("no such mailbox"))


def sms_visible(user: User) -> QuerySet[Sms]:
    return visible(Sms.objects.all(), user).select_related("owner", "team", "contact")


def sms_get(user: User, public_id: Any) -> Sms:
    return one_by_public_id(sms_visible(user), public_id, _("no such SMS"))


# --- e-mail in: the triage inbox, mailboxes, the worker's reads ----------------------------------


def triage_emails(user: User) -> QuerySet[Email]:
    """E-mails from unknown senders waiting for `user` (those they may see), newest first."""
    return (
        emails_visible(user)
        .filter(needs_triage=True)
        .select_related("mailbox")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")
    )


def triage_count(user: User) -> int:
    return visible(Email.objects.filter(needs_triage=True), user).count()


def email_attachment_get(user: User, email_public_id: Any, attachment_id: Any) -> EmailAttachment:
    """A file of an e-mail `user` may see (refused files have no bytes: not found)."""
    email = email_get(user, email_public_id)
    found = None
    if str(attachment_id).isdigit():
        found = EmailAttachment.objects.filter(email=email, pk=int(attachment_id)).exclude(sha256="").first()
    if found is None:
        raise NotFound(_("no such file"))
    return found


def mailboxes_managed(user: User) -> list[Mailbox]:
    """The mailboxes `user` manages: their own, and the shared ones for an administrator."""
    mine = Q(owner=user)
    if user.policy.can_administer:
        mine |= Q(owner__isnull=True)
    return list(Mailbox.objects.filter(mine).select_related("owner", "team").order_by("owner_id", "name", "id"))


def mailbox_managed_get(user: User, public_id: Any) -> Mailbox:
    for mailbox in mailboxes_managed(user):
        if str(mailbox.public_id) == str(public_id):
            return mailbox
    raise NotFound(_("no such mailbox"))


def mailboxes_due(now: dt.datetime) -> list[int]:
    """Active mailboxes whose check interval has passed and that no worker holds (few rows:
    mailboxes, not messages)."""
    rows = Mailbox.objects.filter(is_active=True).filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
    due = []
    for pk, checked, every in rows.values_list("pk", "last_checked_at", "poll_seconds").order_by("last_checked_at"):
        if checked is None or checked + dt.timedelta(seconds=every) <= now:
            due.append(pk)
    return due


def mailbox_for_worker(pk: int) -> Mailbox | None:
    return Mailbox.objects.filter(pk=pk).select_related("owner", "team").first()


def seen_uids(mailbox_id: int, uid_validity: int, uids: list[int]) -> set[int]:
    """Of `uids`, those already read from the mailbox at this UIDVALIDITY."""
    if not uids:
        return set()
    rows = MailboxMessage.objects.filter(
        mailbox_id=mailbox_id, uid_validity=uid_validity, uid__gte=min(uids), uid__lte=max(uids)
    )
    return set(rows.values_list("uid", flat=True)) & set(uids)


# --- e-mail out: templates, a record's e-mails, what the compose page warns of, the worker's reads -


def email_templates(user: User, *, active_only: bool = False, include_trash: bool = False) -> QuerySet[EmailTemplate]:
    """The e-mail templates (everyone may use every template), with their texts, by name."""
    templates = (EmailTemplate.all_objects if include_trash else EmailTemplate.objects).all()
    templates = templates.prefetch_related("texts").order_by("name", "id")
    return templates.filter(is_active=True) if active_only else templates


def email_template_get(
    user: User, public_id: Any, *, active_only: bool = False, include_trash: bool = False
) -> EmailTemplate:
    templates = email_templates(user, active_only=active_only, include_trash=include_trash)
    return one_by_public_id(templates, public_id, _("no such template"))


def emails_of(user: User, record: Any, *, limit: int = 10) -> list[Email]:
    """The newest e-mails of a contact, an organization or a deal that `user` may see."""
    kind = record._meta.model_name
    if kind not in ("contact", "organization", "deal"):
        raise ValueError(f"e-mails are not linked to a {kind}")
    return list(emails_visible(user).filter(**{kind: record}).order_by("-created_at", "-id")[:limit])


def bounced_addresses(addresses: list[str]) -> dict[str, ContactPoint]:
    """Of `addresses`, those that bounced (a delivery report said so), by lower-cased address,
    with when and why: the compose and e-mail pages warn of them."""
    keys = {email_key(address) for address in addresses if address}
    if not keys:
        return {}
    points = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, normalized__in=keys, bounced_at__isnull=False)
    found: dict[str, ContactPoint] = {}
    for point in points.order_by("-bounced_at"):
        found.setdefault(point.normalized, point)
    return found


def email_for_worker(public_id: Any) -> Email | None:
    """An e-mail the worker sends, with what the message is made of (trash included: a queued
    e-mail goes out even if its record was trashed meanwhile)."""
    if not is_uuid(public_id):
        return None
    return (
        Email.all_objects.filter(public_id=public_id)
        .select_related("owner", "team", "contact", "organization", "deal")
        .prefetch_related("attachments")
        .first()
    )


def email_thread(user: User, email: Email, *, limit: int = 50) -> list[Email]:
    """The conversation `email` belongs to (its first e-mail and the replies threaded onto it),
    those `user` may see, oldest first."""
    root = email.thread_id or email.pk
    thread = emails_visible(user).filter(Q(pk=root) | Q(thread_id=root)).order_by("created_at", "id")
    return list(thread[:limit])


def sms_of(user: User, contact: Any, *, limit: int = 5) -> list[Sms]:
    """The newest text messages of `contact` that `user` may see (its page's SMS panel)."""
    return list(sms_visible(user).filter(contact=contact).order_by("-created_at", "-id")[:limit])
