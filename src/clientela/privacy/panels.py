"""What the privacy app adds to a contact's page (through `core.panels`) and to every read of a
contact's fields (through `core.personal_data`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils import timezone

from clientela.core.panels import Panel
from clientela.core.personal_data import SENSITIVE, classified
from clientela.parties.entities import CONTACT
from clientela.privacy import actions, links, queries
from clientela.privacy.models import ContactChannel, RequestType, RestrictionKind
from clientela.privacy.rules import RESTRICTABLE_FIELDS

SENSITIVE_FIELDS = tuple(classified(CONTACT, SENSITIVE))


def contact_privacy(reader: Any, contact: Any) -> Panel | None:
    if contact.in_trash:
        return None
    consents = list(queries.consents_of(reader, contact))
    restrictions = list(queries.restrictions_of(reader, contact))
    requests = list(queries.requests_visible(reader).filter(contact=contact)[:10])
    return Panel(
        template="privacy/_contact_panel.html",
        context={
            "privacy_contact": contact,
            "consents": consents,
            "restrictions": restrictions,
            "privacy_requests": requests,
            "purposes": list(queries.purposes(active_only=True)),
            "channels": ContactChannel.choices,
            "restriction_kinds": RestrictionKind.choices,
            "request_types": RequestType.choices,
            "restrictable_fields": RESTRICTABLE_FIELDS,
            "can_manage_privacy": queries.has_privacy_permission(reader),
            "can_write": reader.policy.can_write,
            "today": timezone.localdate(),
            "preferences_url": links.preferences_url(contact) if reader.policy.can_write else "",
        },
    )


def guard_contact_fields(reader: Any, contacts: Sequence[Any], via: str) -> dict[Any, set[str]]:
    """Fields each contact restricted are hidden unless the reader has the privacy permission;
    the sensitive fields the reader is shown (with a value) are audited."""
    hidden = queries.restricted_fields(c.pk for c in contacts)
    if queries.has_privacy_permission(reader):
        hidden = {}
    if not via:  # a change log read for its changes: hidden fields only, no audit
        return {pk: names for pk, names in hidden.items() if names}
    shown: set[str] = set()
    read_ids = []
    for contact in contacts:
        fields = {
            name for name in SENSITIVE_FIELDS
            if name not in hidden.get(contact.pk, ()) and getattr(contact, name, None) not in (None, "")
        }  # fmt: skip
        if fields:
            shown |= fields
            read_ids.append(contact.public_id)
    actions.sensitive_read_log(reader=reader, record_type="parties.contact", public_ids=read_ids, fields=shown, via=via)
    return {pk: names for pk, names in hidden.items() if names}
