"""Every read of the channels app, scoped to what the reader may see (DESIGN.md rule 3)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from clientela.channels.models import Email, Mailbox, Sms
from clientela.core.errors import NotFound
from clientela.core.ids import is_uuid
from clientela.core.visibility import visible

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _get(queryset: QuerySet[Any], public_id: Any, message: str) -> Any:
    found = queryset.filter(public_id=public_id).first() if is_uuid(public_id) else None
    if found is None:
        raise NotFound(message)
    return found


def emails_visible(user: User) -> QuerySet[Email]:
    return visible(Email.objects.all(), user).select_related("owner", "team", "contact", "organization", "deal")


def email_get(user: User, public_id: Any) -> Email:
    return _get(emails_visible(user).prefetch_related("attachments"), public_id, _("no such e-mail"))


def mailboxes_visible(user: User) -> QuerySet[Mailbox]:
    return visible(Mailbox.objects.all(), user).select_related("owner", "team")


def mailbox_get(user: User, public_id: Any) -> Mailbox:
    return _get(mailboxes_visible(user), public_id, _("no such mailbox"))


def sms_visible(user: User) -> QuerySet[Sms]:
    return visible(Sms.objects.all(), user).select_related("owner", "team", "contact")


def sms_get(user: User, public_id: Any) -> Sms:
    return _get(sms_visible(user), public_id, _("no such SMS"))
