"""Migration parties.0015: events logged with other records' names are rewritten to references."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from clientela.core import references
from clientela.core.models import Event
from clientela.parties import actions
from clientela.testing import factories

pytestmark = pytest.mark.django_db

migration = importlib.import_module("clientela.parties.migrations.0015_event_references")
HIDDEN = "a record you cannot see"


def logged_as_before(event: Event, **changes) -> Event:
    """The event as the log kept it before references: with names."""
    Event.objects.filter(pk=event.pk).update(changes={**event.changes, **changes})
    return Event.objects.get(pk=event.pk)


def read_by(reader, event: Event) -> dict:
    event = Event.objects.get(pk=event.pk)
    return references.shown_changes(event, references.names_for(reader, [event]))


def test_a_logged_relationship_becomes_references_to_its_two_sides(cast):
    peter = factories.contact(cast.sales_north, first_name="Péter", last_name="Próba")
    secret = factories.contact(cast.sales_south, first_name="Zbigniew", last_name="Sekretny")
    actions.relationship_create(actor=cast.admin, from_party=peter, to_party=secret, kind="partner")
    event = Event.objects.get(record_id=peter.public_id, action="contact.relationship_add")
    logged_as_before(event, relationships=[None, "Péter Próba —partner→ Zbigniew Sekretny"])

    migration.forwards(apps, None)

    assert Event.objects.get(pk=event.pk).changes["relationships"][1] == references.ref_text(
        peter, " —partner→ ", secret
    )
    assert read_by(cast.sales_north, event)["relationships"] == [None, HIDDEN]
    assert read_by(cast.admin, event)["relationships"] == [None, "Péter Próba —partner→ Zbigniew Sekretny"]


def test_a_logged_organization_is_found_by_its_name_and_an_unknown_one_is_blanked(cast):
    employer = factories.organization(cast.sales_south, name="Tajna: Probe Polska")
    peter = factories.contact(cast.sales_north, organizations=[{"organization": employer, "role": "Advisor: senior"}])
    event = Event.objects.get(record_id=peter.public_id, action="contact.create")
    logged_as_before(event, organizations=[[], ["Tajna: Probe Polska: Advisor: senior", "Long Gone Ltd: CEO"]])

    migration.forwards(apps, None)

    assert Event.objects.get(pk=event.pk).changes["organizations"][1] == [
        references.ref_text(employer, ": Advisor: senior"),
        {"text": [migration.UNKNOWN]},
    ]
    assert read_by(cast.admin, event)["organizations"] == [[], ["Tajna: Probe Polska: Advisor: senior", HIDDEN]]
    assert read_by(cast.sales_north, event)["organizations"] == [[], [HIDDEN, HIDDEN]]


def test_a_merge_logged_on_the_other_side_of_a_moved_relationship_is_traced_to_the_merged_records(cast):
    partner = factories.organization(cast.sales_north, name="Partner")
    survivor = factories.organization(cast.sales_south, name="Acme Kft.")
    duplicate = factories.organization(cast.sales_south, name="ACME")
    actions.relationship_create(actor=cast.admin, from_party=partner, to_party=duplicate, kind="supplier")
    actions.organization_merge(actor=cast.admin, survivor=survivor, duplicates=[duplicate])
    event = Event.objects.filter(record_id=partner.public_id).first()
    logged_as_before(event, relationships=["Partner —supplier→ ACME", "Partner —supplier→ Acme Kft."])

    migration.forwards(apps, None)

    assert Event.objects.get(pk=event.pk).changes["relationships"] == [
        references.ref_text(partner, " —supplier→ ", duplicate),
        references.ref_text(partner, " —supplier→ ", survivor),
    ]
    assert read_by(cast.sales_north, event)["relationships"] == [HIDDEN, HIDDEN]


def test_going_back_writes_the_names_as_they_are_now(cast):
    employer = factories.organization(cast.sales_south, name="Tajna Probe Polska")
    peter = factories.contact(cast.sales_north, organizations=[{"organization": employer, "role": "Advisor"}])
    event = Event.objects.get(record_id=peter.public_id, action="contact.create")

    migration.backwards(apps, None)
    assert Event.objects.get(pk=event.pk).changes["organizations"] == [[], ["Tajna Probe Polska: Advisor"]]
    migration.forwards(apps, None)
    assert Event.objects.get(pk=event.pk).changes["organizations"] == [[], [references.ref_text(employer, ": Advisor")]]
