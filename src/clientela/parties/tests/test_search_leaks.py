"""Searching never finds a contact by the name of an organization the reader may not see."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from clientela.parties import actions
from clientela.parties.models import Contact
from clientela.testing.api import ApiClient
from clientela.testing.factories import contact, organization

pytestmark = pytest.mark.django_db
migration = importlib.import_module("clientela.parties.migrations.0016_contact_search_without_organizations")


def _linked_across_teams(cast) -> Contact:
    """North's contact, linked by an administrator to an organization of South's."""
    hidden = organization(cast.sales_south, name="Tajna Probe Polska")
    person = contact(cast.sales_north, first_name="Péter", last_name="Próba")
    return actions.contact_update(
        actor=cast.admin,
        contact=person,
        values={},
        collections=actions.Collections(affiliations=[{"organization": hidden, "role": "Advisor"}]),
    )


def test_a_contact_is_not_found_by_the_name_of_an_organization_its_reader_cannot_see(cast):
    _linked_across_teams(cast)
    api = ApiClient(cast.sales_north)
    assert api.get("/contacts", {"q": "Tajna"}).json()["items"] == []
    assert [c["last_name"] for c in api.get("/contacts", {"q": "Próba"}).json()["items"]] == ["Próba"]


def test_the_migration_takes_organization_names_out_of_stored_search_texts(cast):
    person = _linked_across_teams(cast)
    Contact.all_objects.filter(pk=person.pk).update(search_text=f"{person.search_text} tajna probe polska")
    migration.forwards(apps, None)  # the current models stand in for the historical ones
    person.refresh_from_db()
    assert "tajna" not in person.search_text
    assert "peter proba" in person.search_text
