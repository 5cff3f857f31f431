"""Records for tests, made through the actions (the one write path)."""

from __future__ import annotations

import itertools
from typing import Any

from clientela.accounts.models import User
from clientela.parties import actions
from clientela.parties.models import Contact, Organization

_counter = itertools.count(1)


def contact(actor: User, **values: Any) -> Contact:
    n = next(_counter)
    emails = values.pop("emails", [f"person{n}@example.test"])
    phones = values.pop("phones", [])
    addresses = values.pop("addresses", None)
    tags = values.pop("tags", None)
    custom = values.pop("custom", None)
    organizations = values.pop("organizations", None)
    values.setdefault("first_name", "Person")
    values.setdefault("last_name", f"Number{n}")
    return actions.contact_create(
        actor=actor,
        values=values,
        collections=actions.Collections(
            emails=[{"value": e} for e in emails],
            phones=[{"value": p} for p in phones],
            addresses=addresses,
            tags=tags,
            custom=custom,
            affiliations=organizations,
        ),
    )


def organization(actor: User, **values: Any) -> Organization:
    n = next(_counter)
    emails = values.pop("emails", [])
    tags = values.pop("tags", None)
    custom = values.pop("custom", None)
    addresses = values.pop("addresses", None)
    values.setdefault("name", f"Company {n}")
    return actions.organization_create(
        actor=actor,
        values=values,
        collections=actions.Collections(
            emails=[{"value": e} for e in emails], tags=tags, custom=custom, addresses=addresses
        ),
    )


def wipe_sales_documents() -> None:
    """Delete every payment, invoice, order, quote, price list and product, and every e-mail,
    SMS, activity, task and project (they protect the customers and deals they name), for tests
    that wipe the whole database."""
    from clientela.activities.models import Activity, Project, Task
    from clientela.channels.models import Email, Sms

    Email.all_objects.all().delete()
    Sms.all_objects.all().delete()
    Task.all_objects.all().delete()
    Project.all_objects.all().delete()
    Activity.all_objects.all().delete()
    from clientela.sales.models import DocumentMail, Invoice, Order, Payment, PriceList, Product, Quote

    DocumentMail.all_objects.all().delete()
    Payment.all_objects.all().delete()
    Invoice.all_objects.filter(credits__isnull=False).delete()
    Invoice.all_objects.all().delete()
    Order.all_objects.all().delete()
    while Quote.all_objects.exists():  # newest revisions first: a revision protects the one it replaced
        Quote.all_objects.filter(revised_by__isnull=True).delete()
    PriceList.all_objects.all().delete()
    Product.all_objects.all().delete()
