import pytest

from clientela.core import references
from clientela.core.errors import Conflict, PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.parties import actions, queries
from clientela.parties.models import Address, Affiliation, Contact, ContactPoint, Organization, Relationship
from clientela.testing import factories


@pytest.fixture
def fields(cast):
    for key, kind in (("shoe", "text"), ("points", "number"), ("vip_since", "date")):
        actions.custom_field_create(
            actor=cast.admin, values={"entity": "contact", "key": key, "label": key, "type": kind}
        )


def pair(cast, fields):
    """A survivor and a duplicate with overlapping and different related records."""
    org_a = factories.organization(cast.sales_north, name="Org A")
    org_b = factories.organization(cast.sales_north, name="Org B")
    survivor = actions.contact_create(
        actor=cast.sales_north,
        values={"first_name": "Anna", "last_name": "Kovács", "title": ""},
        collections=actions.Collections(
            emails=["anna@x.example"],
            phones=["+36 1 111 1111"],
            addresses=[{"street": "Fő utca 1", "city": "Budapest", "country": "hu"}],
            tags=["vip"],
            affiliations=[{"organization": org_a, "role": "CEO"}],
            custom={"shoe": "38", "points": 10},
        ),
    )
    duplicate = actions.contact_create(
        actor=cast.sales_north_2,
        values={"first_name": "Anna", "last_name": "Kovacs", "title": "Dr.", "occupation": "Engineer"},
        collections=actions.Collections(
            emails=["ANNA@x.example", "anna@home.example"],
            phones=["+36 30 222 2222"],
            addresses=[
                {"street": "Fő  utca 1", "city": "BUDAPEST", "country": "HU"},
                {"street": "Kossuth tér 2", "city": "Szeged", "country": "HU"},
            ],
            tags=["lead", "vip"],
            affiliations=[{"organization": org_b, "role": "Buyer"}],
            custom={"shoe": "39", "vip_since": "2020-01-02"},
        ),
    )
    friend = factories.contact(cast.sales_north, first_name="Béla", last_name="Barát")
    actions.relationship_create(actor=cast.sales_north, from_party=duplicate, to_party=friend, kind="family")
    return survivor, duplicate, friend, org_a, org_b


def test_merge_keeps_every_related_record_without_duplicating_identical_points(cast, fields):
    survivor, duplicate, friend, org_a, org_b = pair(cast, fields)
    points_before = ContactPoint.objects.count()
    addresses_before = Address.objects.count()
    merged = actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate])

    assert merged.pk == survivor.pk and merged.public_id == survivor.public_id
    assert sorted(merged.points.filter(kind="email").values_list("value", flat=True)) == [
        "anna@home.example",
        "anna@x.example",
    ]
    assert merged.points.filter(kind="email", is_primary=True).count() == 1
    assert sorted(merged.points.filter(kind="phone").values_list("value", flat=True)) == [
        "+36 1 111 1111",
        "+36 30 222 2222",
    ]
    assert sorted(a.city for a in merged.addresses.all()) == ["Budapest", "Szeged"]
    assert sorted(merged.tags.values_list("name", flat=True)) == ["lead", "vip"]
    assert sorted(Affiliation.objects.filter(contact=merged).values_list("organization__name", flat=True)) == [
        "Org A",
        "Org B",
    ]
    related = queries.relationships_of(cast.sales_north, merged)
    assert [(r.other, r.relationship.kind) for r in related] == [(friend, "family")]
    # nothing was deleted: identical rows stay with the (trashed) duplicate
    assert ContactPoint.objects.count() == points_before
    assert Address.objects.count() == addresses_before
    assert duplicate.points.get().normalized == "anna@x.example"
    assert merged.primary_email == "anna@x.example"
    assert "anna@home.example" in merged.search_text


def test_blank_fields_are_filled_from_the_duplicate_and_chosen_values_win(cast, fields):
    survivor, duplicate, *_ = pair(cast, fields)
    merged = actions.contact_merge(
        actor=cast.sales_north,
        survivor=survivor,
        duplicates=[duplicate],
        field_choices={"last_name": str(duplicate.public_id), "custom.shoe": str(duplicate.public_id)},
    )
    assert merged.last_name == "Kovacs"  # chosen
    assert merged.first_name == "Anna"
    assert merged.title == "Dr." and merged.occupation == "Engineer"  # blank on the survivor
    # custom values: union, the chosen one wins the clash
    assert merged.custom == {"shoe": "39", "points": 10, "vip_since": "2020-01-02"}
    assert merged.name_key == "anna kovacs"


def test_the_survivor_wins_a_custom_value_clash_unless_told_otherwise(cast, fields):
    survivor, duplicate, *_ = pair(cast, fields)
    merged = actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate])
    assert merged.custom["shoe"] == "38"


def test_duplicates_go_to_the_trash_marked_with_the_survivor_and_can_be_restored(cast, fields):
    survivor, duplicate, *_ = pair(cast, fields)
    actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate])
    trashed = queries.contact_get(cast.sales_north, duplicate.public_id, include_trash=True)
    assert trashed.in_trash
    assert not queries.contacts_visible(cast.sales_north).filter(pk=duplicate.pk).exists()
    event = Event.objects.filter(record_id=duplicate.public_id).first()
    assert (event.kind, event.action) == ("merged", "contact.merge")
    assert event.data["merged_into"] == str(survivor.public_id)
    restored = actions.contact_restore(actor=cast.sales_north, contact=trashed)
    assert not restored.in_trash


def test_one_merged_event_on_the_survivor_lists_merged_records_and_changes(cast, fields):
    survivor, duplicate, *_ = pair(cast, fields)
    merged = actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate])
    events = list(Event.objects.filter(record_id=survivor.public_id, kind="merged"))
    assert len(events) == 1
    event = events[0]
    assert event.data["merged"] == [str(duplicate.public_id)]
    assert event.changes["title"] == ["", "Dr."]
    assert event.changes["emails"] == [["anna@x.example"], ["anna@x.example", "anna@home.example"]]
    assert event.changes["tags"] == [["vip"], ["lead", "vip"]]
    assert event.version == merged.version == survivor.version + 1


def test_merged_history_shows_both_histories_newest_first(cast, fields):
    survivor, duplicate, *_ = pair(cast, fields)
    third = factories.contact(cast.sales_north, first_name="Anna", last_name="K")
    actions.contact_merge(actor=cast.sales_north, survivor=duplicate, duplicates=[third])
    merged = actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate])
    history = queries.merged_history(merged)
    records = {e.record_id for e in history}
    assert records == {survivor.public_id, duplicate.public_id, third.public_id}
    assert [e.id for e in history] == sorted((e.id for e in history), reverse=True)
    assert history[0].record_id == survivor.public_id and history[0].kind == "merged"
    assert {"contact.create", "contact.merge"} <= {e.action for e in history if e.record_id == third.public_id}
    # the duplicate's own history is still there too
    assert [e.kind for e in queries.merged_history(duplicate)][:1] == ["merged"]


def test_cannot_merge_a_record_you_cannot_change(cast, fields):
    mine = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    theirs = factories.contact(cast.sales_south, first_name="Anna", last_name="Kovács")
    with pytest.raises(PermissionDenied):
        actions.contact_merge(actor=cast.sales_north, survivor=mine, duplicates=[theirs])
    with pytest.raises(PermissionDenied):
        actions.contact_merge(actor=cast.sales_north, survivor=theirs, duplicates=[mine])
    other = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovacs")
    for user in (cast.readonly_north, cast.analyst, cast.service_north):  # service may not delete
        with pytest.raises(PermissionDenied):
            actions.contact_merge(actor=user, survivor=mine, duplicates=[other])
    assert Contact.objects.count() == 3
    assert not Event.objects.filter(kind="merged").exists()


def test_a_stale_version_is_a_conflict_and_nothing_changes(cast, fields):
    survivor, duplicate, *_ = pair(cast, fields)
    seen = {str(survivor.public_id): survivor.version, str(duplicate.public_id): duplicate.version}
    actions.contact_update(actor=cast.sales_north_2, contact=duplicate, values={"title": "Prof."})
    with pytest.raises(Conflict) as conflict:
        actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate], expected_versions=seen)
    assert conflict.value.detail.their_changes["title"] == ["Dr.", "Prof."]
    assert not Contact.all_objects.get(pk=duplicate.pk).in_trash
    assert survivor.points.count() == 2


def test_bad_choices_are_named_and_nothing_is_written(cast, fields):
    survivor, duplicate, *_ = pair(cast, fields)
    stranger = factories.contact(cast.sales_north)
    with pytest.raises(ValidationFailed) as failed:
        actions.contact_merge(
            actor=cast.sales_north,
            survivor=survivor,
            duplicates=[duplicate],
            field_choices={"shoe_size": str(duplicate.public_id), "title": str(stranger.public_id)},
        )
    assert {e.field for e in failed.value.errors} == {"field_choices.shoe_size", "field_choices.title"}
    with pytest.raises(ValidationFailed):
        actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[survivor])
    with pytest.raises(ValidationFailed):
        actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[])
    assert not Event.objects.filter(kind="merged").exists()


def test_a_relationship_between_the_merged_records_stays_with_the_duplicate(cast, fields):
    survivor, duplicate, *_ = pair(cast, fields)
    link = actions.relationship_create(actor=cast.sales_north, from_party=survivor, to_party=duplicate, kind="other")
    actions.contact_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate])
    link.refresh_from_db()
    assert (link.from_contact_id, link.to_contact_id) == (survivor.pk, duplicate.pk)
    assert not Relationship.objects.filter(from_contact=survivor, to_contact=survivor).exists()


def test_merging_organizations_moves_subsidiaries_affiliations_and_relationships(cast):
    holding = factories.organization(cast.sales_north, name="Holding")
    survivor = factories.organization(cast.sales_north, name="Acme Kft.", tax_id="")
    duplicate = factories.organization(cast.sales_north, name="ACME", tax_id="12345678-2-42", parent=holding)
    child = factories.organization(cast.sales_north, name="Acme Services", parent=duplicate)
    person = factories.contact(cast.sales_north, organizations=[{"organization": duplicate, "role": "CFO"}])
    partner = factories.organization(cast.sales_north, name="Partner")
    actions.relationship_create(actor=cast.sales_north, from_party=partner, to_party=duplicate, kind="supplier")
    child_version = Organization.objects.get(pk=child.pk).version

    merged = actions.organization_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate])

    assert merged.tax_id == "12345678-2-42" and merged.tax_id_normalized == "12345678242"
    assert merged.parent == holding
    child.refresh_from_db()
    assert child.parent == merged and child.version == child_version + 1
    assert Event.objects.filter(record_id=child.public_id).first().changes["parent"] == [
        str(duplicate.public_id),
        str(merged.public_id),
    ]
    assert list(Affiliation.objects.filter(contact=person).values_list("organization", "role")) == [(merged.pk, "CFO")]
    moved = Event.objects.filter(record_id=person.public_id).first()
    assert moved.changes["organizations"] == [references.ref_text(duplicate), references.ref_text(merged)]
    shown = references.shown_changes(moved, references.names_for(cast.sales_north, [moved]))
    assert shown["organizations"] == ["ACME", "Acme Kft."]
    related = queries.relationships_of(cast.sales_north, merged)
    assert [(r.other, r.outgoing, r.label) for r in related] == [(partner, False, "customer of")]
    assert Organization.all_objects.get(pk=duplicate.pk).in_trash


def test_a_survivor_whose_parent_is_the_duplicate_takes_the_duplicates_parent(cast):
    top = factories.organization(cast.sales_north, name="Top")
    duplicate = factories.organization(cast.sales_north, name="Acme", parent=top)
    survivor = factories.organization(cast.sales_north, name="Acme Kft.", parent=duplicate)
    merged = actions.organization_merge(actor=cast.sales_north, survivor=survivor, duplicates=[duplicate])
    assert merged.parent == top


def test_an_admin_merges_records_of_two_teams(cast):
    north = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["a@x.example"])
    south = factories.contact(cast.sales_south, first_name="Anna", last_name="Kovács", emails=["b@x.example"])
    merged = actions.contact_merge(
        actor=cast.admin,
        survivor=north,
        duplicates=[south],
        field_choices={"owner": str(south.public_id), "team": str(south.public_id)},
    )
    assert (merged.owner, merged.team) == (cast.sales_south, cast.south)
    assert sorted(merged.points.values_list("value", flat=True)) == ["a@x.example", "b@x.example"]
