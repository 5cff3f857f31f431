import pytest

from clientela.core.errors import Conflict, PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.parties import actions, queries
from clientela.testing import factories


def test_creating_a_contact_logs_one_event_with_its_fields(cast):
    contact = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@example.test"])
    events = Event.objects.filter(record_id=contact.public_id)
    assert [e.action for e in events] == ["contact.create"]
    assert events[0].changes["last_name"] == [None, "Kovács"]
    assert events[0].changes["emails"] == [[], ["anna@example.test"]]
    assert contact.owner == cast.sales_north and contact.team == cast.north


def test_bad_email_and_unknown_field_are_named_and_nothing_is_written(cast):
    with pytest.raises(ValidationFailed) as failed:
        actions.contact_create(
            actor=cast.sales_north,
            values={"last_name": "X", "shoe_size": 42, "birth_date": "not-a-date"},
            collections=actions.Collections(emails=[{"value": "nope"}]),
        )
    fields = {e.field for e in failed.value.errors}
    assert {"shoe_size", "birth_date"} <= fields
    assert queries.contacts_visible(cast.admin).count() == 0


def test_stale_write_without_merge_is_a_conflict(cast):
    contact = factories.contact(cast.sales_north)
    actions.contact_update(actor=cast.sales_north_2, contact=contact, values={"title": "CEO"}, expected_version=1)
    with pytest.raises(Conflict) as conflict:
        actions.contact_update(actor=cast.sales_north, contact=contact, values={"title": "CFO"}, expected_version=1)
    assert conflict.value.detail.their_changes["title"] == ["", "CEO"]


def test_stale_write_on_other_fields_is_merged(cast):
    contact = factories.contact(cast.sales_north, title="", occupation="")
    actions.contact_update(actor=cast.sales_north_2, contact=contact, values={"title": "CEO"}, expected_version=1)
    merged = actions.contact_update(
        actor=cast.sales_north,
        contact=contact,
        values={"title": "", "occupation": "Engineer"},
        expected_version=1,
        merge=True,
    )
    assert merged.title == "CEO" and merged.occupation == "Engineer" and merged.version == 3


def test_sales_user_cannot_see_or_change_another_teams_contact(cast):
    contact = factories.contact(cast.sales_south)
    assert not queries.contacts_visible(cast.sales_north).filter(pk=contact.pk).exists()
    with pytest.raises(PermissionDenied):
        actions.contact_update(actor=cast.sales_north, contact=contact, values={"title": "x"})


def test_trash_and_restore(cast):
    contact = factories.contact(cast.sales_north)
    actions.contact_trash(actor=cast.sales_north, contact=contact)
    assert not queries.contacts_visible(cast.sales_north).filter(pk=contact.pk).exists()
    assert queries.contacts_visible(cast.sales_north, trash=True).filter(pk=contact.pk).exists()
    actions.contact_restore(actor=cast.sales_north, contact=contact)
    assert queries.contacts_visible(cast.sales_north).filter(pk=contact.pk).exists()
    assert [e.kind for e in Event.objects.filter(record_id=contact.public_id).order_by("id")] == [
        "created",
        "trashed",
        "restored",
    ]


def test_every_bad_field_is_reported_in_one_round(cast):
    with pytest.raises(ValidationFailed) as failed:
        actions.contact_create(
            actor=cast.sales_north,
            values={"last_name": "", "birth_date": "31/02/2020"},
            collections=actions.Collections(
                emails=[{"value": "not-an-email"}], addresses=[{"city": "Pécs", "country": "Hungary"}]
            ),
        )
    fields = {e.field for e in failed.value.errors}
    assert fields == {"last_name", "birth_date", "emails[0].value", "addresses[0].country"}
    messages = {e.field: e.message for e in failed.value.errors}
    assert "two-letter" in messages["addresses[0].country"]


def test_an_organization_cannot_become_its_own_ancestor_even_by_public_id(cast):
    parent = factories.organization(cast.sales_north)
    child = factories.organization(cast.sales_north, parent=parent)
    with pytest.raises(ValidationFailed) as failed:
        actions.organization_update(
            actor=cast.sales_north, organization=parent, values={"parent": str(child.public_id)}
        )
    assert failed.value.errors[0].field == "parent"


def test_the_same_organization_and_role_twice_is_one_affiliation(cast):
    organization = factories.organization(cast.sales_north)
    contact = factories.contact(
        cast.sales_north,
        organizations=[{"organization": organization.public_id, "role": "CEO"}] * 2,
    )
    assert contact.affiliations.count() == 1
