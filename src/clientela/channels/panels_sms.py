"""The SMS panel on a contact's page (registered in `apps.py` through `core.panels`): its latest
text messages and, for those who may write while a gateway is configured, a form that sends
one (`views_hooks.sms_send`, which re-renders the panel for htmx)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from clientela.channels import queries
from clientela.channels import sms as gateway
from clientela.channels.actions.sms import MAX_TEXT, phone_to_text
from clientela.core.panels import Panel

SMS_SHOWN = 5
TEMPLATE = "channels/_contact_sms.html"


def panel_context(
    reader: Any, contact: Any, *, values: dict[str, str] | None = None, errors: dict[str, list[str]] | None = None,
    queued: Any = None,
) -> dict[str, Any]:  # fmt: skip
    """What the panel shows: the messages, and the form with what was typed and what was wrong."""
    can_send = bool(reader.policy.can_write) and gateway.configured()
    return {
        "dom_id": f"sms-{contact.public_id}",
        "messages": queries.sms_of(reader, contact, limit=SMS_SHOWN),
        "send_url": reverse("channels:sms_send", args=[contact.public_id]) if can_send else "",
        "default_number": phone_to_text(contact) if can_send else "",
        "max_text": MAX_TEXT,
        "values": values or {},
        "errors": errors or {},
        "queued": queued,
    }


def contact_sms(reader: Any, contact: Any) -> Panel:
    return Panel(TEMPLATE, panel_context(reader, contact))
