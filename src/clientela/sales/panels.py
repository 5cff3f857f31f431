"""The sales app's panels on other apps' pages: an organization's and a contact's deals on
their 360° page (registered in `apps.py` through `core.panels`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from clientela.core.panels import Panel
from clientela.sales import queries
from clientela.sales.models import Outcome


def party_deals(reader: Any, record: Any) -> Panel:
    deals = queries.deals_of(reader, record)
    won: dict[str, Decimal] = {}
    for deal in deals:
        if deal.stage.outcome == Outcome.WON:
            won[deal.currency] = won.get(deal.currency, Decimal(0)) + deal.amount
    context = {
        "deals": deals,
        "won_total": sorted(won.items()),
        "can_create": reader.policy.can_write,
        "organization": record.public_id if record._meta.model_name == "organization" else None,
    }
    return Panel("sales/_party_deals.html", context, replaces="deals")


DOCUMENTS_SHOWN = 10


def party_documents(reader: Any, record: Any) -> Panel:
    """A customer's quotes, orders and invoices (the newest of each), with what is still owed on
    all of its invoices, and a way to a new quote."""
    from django.urls import reverse

    documents = queries.documents_of(reader, record, limit=DOCUMENTS_SHOWN)
    is_organization = record._meta.model_name == "organization"
    new_quote = None
    if reader.policy.can_write and is_organization:
        new_quote = f"{reverse('sales:quote_new')}?organization={record.public_id}"
    name = record.name if is_organization else ""
    return Panel(
        "sales/_party_documents.html",
        {**documents, "owed": queries.owed_by(reader, record), "new_quote_url": new_quote, "name": name},
        replaces="documents",
    )
