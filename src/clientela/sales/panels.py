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
    """A customer's quotes, orders and invoices (the newest of each), with what is still owed."""
    documents = queries.documents_of(reader, record, limit=DOCUMENTS_SHOWN)
    owed: dict[str, Decimal] = {}
    for invoice in documents["invoices"]:
        if invoice.status in ("issued", "partially_paid"):
            owed[invoice.currency] = owed.get(invoice.currency, Decimal(0)) + invoice.gross_total - invoice.paid_total
    return Panel("sales/_party_documents.html", {**documents, "owed": sorted(owed.items())})
