"""Whether an e-mail or an SMS may go to the people it reaches (the privacy app decides: a
purpose that rests on consent needs it on that channel; an objection to the channel, to the
purpose or to profiling stops what rests on consent or legitimate interests). Checked when a
message is queued and again by the worker right before it is sent: a consent withdrawn, or an
objection recorded, in between stops it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from clientela.parties.models import ContactPoint
from clientela.privacy import queries as privacy_queries
from clientela.privacy.models import Purpose


def purpose_named(value: Any) -> Purpose | None:
    return privacy_queries.purpose_named(value)


def contacts_reached(contact_id: int | None, addresses: Iterable[str]) -> list[int]:
    """The linked contact and every contact one of the addresses belongs to."""
    ids = [contact_id] if contact_id else []
    wanted = {a.strip().lower() for a in addresses if a}
    if wanted:
        ids += list(
            ContactPoint.objects.filter(
                kind=ContactPoint.Kind.EMAIL, normalized__in=wanted, contact__isnull=False
            ).values_list("contact_id", flat=True)
        )
    return list(dict.fromkeys(ids))


def refusal(contact_ids: Iterable[int], *, purpose: Purpose | None, channel: str) -> str:
    """Why the message may not go ("" when it may)."""
    decisions = privacy_queries.decisions(contact_ids, purpose=purpose, channel=channel)
    refused = [d.reason for d in decisions.values() if not d.allowed]
    if not refused:
        return ""
    return _("A recipient %(reason)s.") % {"reason": refused[0]}


def email_refusal(email: Any) -> str:
    addresses = [*(email.to or []), *(email.cc or [])]
    texts = [a if isinstance(a, str) else str(a.get("address", "")) for a in addresses]
    return refusal(contacts_reached(email.contact_id, texts), purpose=email.purpose, channel="email")
