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
