"""An e-mail address that bounced: a delivery status notification (read by the channels app)
said mail to it failed for good. Every contact's and organization's point with that address
(by its normal form) is marked — when, and the server's reason — and each record logs one
event, so its history says why mail to it stopped."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from clientela.core import records
from clientela.parties.models import Contact, ContactPoint, Organization
from clientela.parties.normalize import email_key


def contact_point_bounced(*, address: str, reason: str, at: dt.datetime) -> int:
    """Mark `address` as bounced at `at` for `reason` wherever it is kept; returns how many
    addresses were marked (0 when nobody has it)."""
    key = email_key(address)
    reason = reason[:300]
    if not key:
        return 0
    with transaction.atomic():
        points = ContactPoint.objects.filter(kind=ContactPoint.Kind.EMAIL, normalized=key)
        owners = list(points.values_list("contact_id", "organization_id", "value"))
        if not owners:
            return 0
        points.update(bounced_at=at, bounce_reason=reason)
        kinds = ((Contact, 0, "contact.email_bounce"), (Organization, 1, "organization.email_bounce"))
        for model, index, action in kinds:
            values = {row[index]: row[2] for row in owners if row[index] is not None}
            for record in model.all_objects.filter(pk__in=values):
                records.bump_record(
                    record, actor=None, action=action,
                    changes={"email_bounced": [None, {"address": values[record.pk], "reason": reason}]},
                )  # fmt: skip
    return len(owners)
