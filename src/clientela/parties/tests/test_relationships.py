import pytest

from clientela.core import references
from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.parties import actions, queries
from clientela.parties.models import Relationship
from clientela.testing import factories


def logged(reader, event):
    """The event's changes as `reader` reads them (other records named through their visibility)."""
    return references.shown_changes(event, references.names_for(reader, [event]))


def test_a_relationship_links_two_parties_and_logs_an_event_on_both(cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    boss = factories.contact(cast.sales_north, first_name="Béla", last_name="Nagy")
    link = actions.relationship_create(
        actor=cast.sales_north, from_party=anna, to_party=boss, kind="reports_to", note="since 2020"
    )
    assert (link.from_contact, link.to_contact, link.note) == (anna, boss, "since 2020")
    for party in (anna, boss):
        event = Event.objects.filter(record_id=party.public_id).first()
        assert event.action == "contact.relationship_add"
        assert event.changes["relationships"] == [None, references.ref_text(anna, " —reports_to→ ", boss)]
        assert logged(cast.sales_north, event)["relationships"] == [None, "Anna Kovács —reports_to→ Béla Nagy"]
        assert event.data["relationship"]["id"] == str(link.public_id)
    anna.refresh_from_db()
    assert anna.version == 2


def test_each_side_reads_the_relationship_its_own_way(cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    acme = factories.organization(cast.sales_north, name="Acme")
    actions.relationship_create(actor=cast.sales_north, from_party=anna, to_party=acme, kind="referred_by")
    [from_anna] = queries.relationships_of(cast.sales_north, anna)
    [from_acme] = queries.relationships_of(cast.sales_north, acme)
    assert (from_anna.other, from_anna.outgoing, from_anna.label, from_anna.entity) == (
        acme,
        True,
        "referred by",
        "organization",
    )
    assert (from_acme.other, from_acme.outgoing, from_acme.label, from_acme.entity) == (
        anna,
        False,
        "referred",
        "contact",
    )


def test_a_record_cannot_be_related_to_itself(cast):
    anna = factories.contact(cast.sales_north)
    with pytest.raises(ValidationFailed) as failed:
        actions.relationship_create(actor=cast.sales_north, from_party=anna, to_party=anna, kind="other")
    assert failed.value.errors[0].field == "to"
    assert not Relationship.objects.exists()


def test_bad_kind_long_note_and_repeats_are_named(cast):
    anna = factories.contact(cast.sales_north)
    bob = factories.contact(cast.sales_north)
    with pytest.raises(ValidationFailed) as failed:
        actions.relationship_create(actor=cast.sales_north, from_party=anna, to_party=bob, kind="enemy", note="x" * 201)
    assert {e.field for e in failed.value.errors} == {"kind", "note"}
    actions.relationship_create(actor=cast.sales_north, from_party=anna, to_party=bob, kind="family")
    with pytest.raises(ValidationFailed) as failed:
        actions.relationship_create(actor=cast.sales_north, from_party=anna, to_party=bob, kind="family")
    assert failed.value.errors[0].code == "duplicate"
    assert Relationship.objects.count() == 1


def test_both_parties_must_be_changeable(cast):
    mine = factories.contact(cast.sales_north)
    theirs = factories.contact(cast.sales_south)
    with pytest.raises(PermissionDenied):
        actions.relationship_create(actor=cast.sales_north, from_party=mine, to_party=theirs, kind="other")
    with pytest.raises(PermissionDenied):
        actions.relationship_create(
            actor=cast.readonly_north, from_party=mine, to_party=factories.contact(cast.sales_north), kind="other"
        )
    assert not Relationship.objects.exists()


def test_another_teams_side_is_not_listed(cast):
    mine = factories.contact(cast.sales_north)
    theirs = factories.contact(cast.sales_south)
    actions.relationship_create(actor=cast.admin, from_party=mine, to_party=theirs, kind="partner")
    assert queries.relationships_of(cast.sales_north, mine) == []
    assert [r.other for r in queries.relationships_of(cast.admin, mine)] == [theirs]
    link = Relationship.objects.get()
    with pytest.raises(PermissionDenied):
        actions.relationship_delete(actor=cast.sales_north, relationship=link)
    assert Relationship.objects.count() == 1


def test_a_side_in_the_trash_is_not_listed(cast):
    anna = factories.contact(cast.sales_north)
    bob = factories.contact(cast.sales_north)
    actions.relationship_create(actor=cast.sales_north, from_party=anna, to_party=bob, kind="spouse")
    actions.contact_trash(actor=cast.sales_north, contact=bob)
    assert queries.relationships_of(cast.sales_north, anna) == []


def test_deleting_a_relationship_logs_it_on_both_sides(cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    acme = factories.organization(cast.sales_north, name="Acme")
    link = actions.relationship_create(actor=cast.sales_north, from_party=acme, to_party=anna, kind="supplier")
    actions.relationship_delete(actor=cast.sales_north, relationship=link)
    assert not Relationship.objects.exists()
    for party in (anna, acme):
        event = Event.objects.filter(record_id=party.public_id).first()
        assert logged(cast.sales_north, event)["relationships"] == ["Acme —supplier→ Anna Kovács", None]
        assert event.data["relationship"]["kind"] == "supplier"


def test_listing_relationships_takes_one_query(cast, django_assert_num_queries):
    anna = factories.contact(cast.sales_north)
    for n in range(5):
        other = factories.contact(cast.sales_north) if n % 2 else factories.organization(cast.sales_north)
        actions.relationship_create(actor=cast.sales_north, from_party=anna, to_party=other, kind="other")
    with django_assert_num_queries(1):
        assert len(queries.relationships_of(cast.sales_north, anna)) == 5
