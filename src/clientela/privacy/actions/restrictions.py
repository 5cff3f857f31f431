"""Objections and restrictions of processing: to profiling, to a channel, to a purpose, or to
named fields. In force from when they are recorded until lifted; every job that reaches a person
asks `queries.decisions` first, and pages hide restricted fields from roles without the privacy
permission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import ValidationFailed
from clientela.core.visibility import require_write
from clientela.parties.models import Contact
from clientela.privacy.models import Purpose, Restriction
from clientela.privacy.rules import clean_restriction

if TYPE_CHECKING:
    from clientela.accounts.models import User


def restriction_create(
    *, actor: User, contact: Contact, values: dict[str, Any], purpose: Purpose | None = None
) -> Restriction:
    require_write(actor, contact)
    cleaned = clean_restriction(values, purpose)
    live = Restriction.objects.filter(contact=contact, lifted_at__isnull=True, kind=cleaned["kind"])
    same = live.filter(channel=cleaned.get("channel", ""), purpose=purpose)
    if cleaned["kind"] != "fields" and same.exists():
        return same.get()  # the same objection twice is the one already in force
    return records.create_record(
        Restriction,
        actor=actor,
        values={
            **cleaned, "contact": contact, "purpose": purpose, "starts_at": timezone.now(),
            "owner": contact.owner, "team": contact.team,
        },
        action="restriction.create",
    )  # fmt: skip


def restriction_lift(*, actor: User, restriction: Restriction, expected_version: int | None = None) -> Restriction:
    require_write(actor, restriction.contact)
    if restriction.lifted_at is not None:
        raise ValidationFailed.single("lifted_at", "invalid", _("is already lifted"))
    return records.update_record(
        restriction,
        actor=actor,
        values={"lifted_at": timezone.now()},
        action="restriction.lift",
        expected_version=expected_version,
    )
