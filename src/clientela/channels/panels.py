"""The channels app's panel on other apps' record pages (registered in `apps.py` through
`core.panels`): a contact's, an organization's or a deal's latest e-mails, and the way to write
a new one."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from clientela.channels import queries
from clientela.core.panels import Panel

EMAILS_SHOWN = 5


def record_emails(reader: Any, record: Any) -> Panel:
    kind = record._meta.model_name
    compose = None
    if reader.policy.can_write:
        compose = f"{reverse('channels:email_new')}?{urlencode({kind: str(record.public_id)})}"
    return Panel("channels/_record_emails.html", {"emails": queries.emails_of(reader, record, limit=EMAILS_SHOWN),
                                                  "compose_url": compose})  # fmt: skip
