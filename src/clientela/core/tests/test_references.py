"""The change log names other records by reference, rendered through each reader's visibility."""

from __future__ import annotations

import pytest

from clientela.core import references
from clientela.core.models import Event
from clientela.parties import actions
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db

HIDDEN = "a record you cannot see"


def test_a_reference_reads_as_the_current_name_of_a_record_the_reader_may_see(cast):
    mine = factories.organization(cast.sales_north, name="Old Name")
    actions.organization_update(actor=cast.sales_north, organization=mine, values={"name": "New Name"})
    names = references.names_of_refs(cast.sales_north, {"parties.organization": {str(mine.public_id)}})
    assert references.shown(references.ref_text(mine, ": Buyer"), names) == "New Name: Buyer"
    assert references.shown(references.ref(mine), names) == "New Name"


def test_a_text_naming_a_record_the_reader_may_not_see_reads_as_hidden_as_a_whole(cast):
    mine = factories.contact(cast.sales_north, first_name="Anna", last_name="Mine")
    theirs = factories.contact(cast.sales_south, first_name="Bob", last_name="Theirs")
    wanted = {"parties.contact": {str(mine.public_id), str(theirs.public_id)}}
    text = references.ref_text(mine, " —partner→ ", theirs)
    assert references.shown([text, None], references.names_of_refs(cast.sales_north, wanted)) == [HIDDEN, None]
    assert references.shown(text, references.names_of_refs(cast.admin, wanted)) == "Anna Mine —partner→ Bob Theirs"


def test_a_reference_of_the_wrong_type_or_to_no_record_reads_as_hidden(cast):
    contact = factories.contact(cast.sales_north)
    names = references.names_of_refs(cast.admin, {"parties.organization": {str(contact.public_id)}})
    assert references.shown({"ref": "parties.organization", "id": str(contact.public_id)}, names) == HIDDEN
    assert references.shown({"ref": "", "id": None}, names) == HIDDEN
    assert references.shown({"ref": "nowhere.nothing", "id": "not an id"}, names) == HIDDEN


def test_a_reference_field_is_an_id_for_machines_and_a_name_for_people_or_neither_when_hidden(cast):
    holding = factories.organization(cast.sales_south, name="Their Holding")
    child = factories.organization(cast.sales_north, name="Child")
    actions.organization_update(actor=cast.admin, organization=child, values={"parent": holding})
    event = Event.objects.filter(record_id=child.public_id).first()
    north = references.names_for(cast.sales_north, [event])
    admin = references.names_for(cast.admin, [event])
    assert references.shown_changes(event, admin, ids=True)["parent"] == [None, str(holding.public_id)]
    assert references.shown_changes(event, admin)["parent"] == [None, "Their Holding"]
    assert references.shown_changes(event, north, ids=True)["parent"] == [None, None]
    assert references.shown_changes(event, north)["parent"] == [None, HIDDEN]


def test_custom_field_values_are_never_read_as_references(cast):
    contact = factories.contact(cast.sales_north)
    lookalike = {"ref": "parties.contact", "id": str(contact.public_id)}
    event = Event(record_type="parties.contact", changes={"custom": [{}, lookalike]})
    names = references.names_for(cast.admin, [event])
    assert references.shown_changes(event, names)["custom"] == [{}, lookalike]


def test_the_event_list_names_linked_records_in_the_same_number_of_queries_for_5_or_50_links(
    cast, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    center = factories.contact(cast.sales_north, last_name="Center")

    def link(count: int) -> None:
        for _ in range(count):
            other = factories.contact(cast.sales_south)
            employer = factories.organization(cast.sales_south)
            actions.relationship_create(actor=cast.admin, from_party=center, to_party=other, kind="partner")
            actions.relationship_create(actor=cast.admin, from_party=employer, to_party=center, kind="supplier")

    link(5)
    api = ApiClient(cast.sales_north)
    params = {"record_type": "parties.contact", "record_id": str(center.public_id), "limit": 200}
    api.get("/events", params)  # the token's first use writes last_used_at once
    with CaptureQueriesContext(connection) as small:
        assert api.get("/events", params).status_code == 200
    link(45)
    with django_assert_max_num_queries(len(small)):
        body = api.get("/events", params).json()
    assert len(body["items"]) == 101
    assert {item["changes"]["relationships"][1] for item in body["items"][:-1]} == {HIDDEN}
