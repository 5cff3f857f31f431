"""The shared write mechanics: versions, merges, conflicts, trash and the log."""

import pytest

from clientela.core.errors import Conflict
from clientela.core.models import Event
from clientela.parties import actions
from clientela.testing import factories


def test_every_change_bumps_the_version_and_appends_one_event(cast):
    contact = factories.contact(cast.sales_north, title="")
    updated = actions.contact_update(actor=cast.sales_north, contact=contact, values={"title": "CEO"})
    assert updated.version == 2
    event = Event.objects.filter(record_id=contact.public_id).order_by("-id").first()
    assert event.changes == {"title": ["", "CEO"]}
    assert event.actor == cast.sales_north and event.version == 2


def test_a_write_that_changes_nothing_leaves_version_and_log_alone(cast):
    contact = factories.contact(cast.sales_north, title="CEO")
    same = actions.contact_update(actor=cast.sales_north, contact=contact, values={"title": "CEO"})
    assert same.version == 1
    assert Event.objects.filter(record_id=contact.public_id).count() == 1


def test_overlapping_stale_edits_are_refused_even_when_merging(cast):
    contact = factories.contact(cast.sales_north, title="")
    actions.contact_update(actor=cast.sales_north_2, contact=contact, values={"title": "CEO"}, expected_version=1)
    with pytest.raises(Conflict) as conflict:
        actions.contact_update(
            actor=cast.sales_north, contact=contact, values={"title": "CTO"}, expected_version=1, merge=True
        )
    detail = conflict.value.detail
    assert detail.overlapping == ["title"]
    assert detail.current_version == 2
    assert detail.their_actors == [cast.sales_north_2.display_name]
    contact.refresh_from_db()
    assert contact.title == "CEO"


def test_a_stale_writer_who_agrees_with_the_other_change_is_not_in_conflict(cast):
    contact = factories.contact(cast.sales_north, title="")
    actions.contact_update(actor=cast.sales_north_2, contact=contact, values={"title": "CEO"}, expected_version=1)
    result = actions.contact_update(
        actor=cast.sales_north,
        contact=contact,
        values={"title": "CEO", "occupation": "Pilot"},
        expected_version=1,
        merge=True,
    )
    assert (result.title, result.occupation) == ("CEO", "Pilot")


def test_collections_changes_are_logged_with_the_record(cast):
    contact = factories.contact(cast.sales_north, emails=["a@example.test"])
    actions.contact_update(
        actor=cast.sales_north,
        contact=contact,
        values={},
        collections=actions.Collections(emails=[{"value": "b@example.test"}], tags=["vip"]),
    )
    event = Event.objects.filter(record_id=contact.public_id).order_by("-id").first()
    assert event.changes["emails"] == [["a@example.test"], ["b@example.test"]]
    assert event.changes["tags"] == [[], ["vip"]]
    contact.refresh_from_db()
    assert contact.primary_email == "b@example.test" and contact.version == 2


def test_trash_with_a_stale_version_is_a_conflict(cast):
    contact = factories.contact(cast.sales_north)
    actions.contact_update(actor=cast.sales_north, contact=contact, values={"title": "x"})
    with pytest.raises(Conflict):
        actions.contact_trash(actor=cast.sales_north, contact=contact, expected_version=1)


def _custom_fields(cast) -> None:
    for key in ("budget", "segment"):
        actions.custom_field_create(
            actor=cast.admin, values={"entity": "contact", "key": key, "label": key, "type": "text"}
        )


def test_stale_writers_of_different_custom_fields_both_keep_their_value(cast):
    _custom_fields(cast)
    contact = factories.contact(cast.sales_north, custom={"budget": "10", "segment": "A"})
    actions.contact_update(
        actor=cast.sales_north_2, contact=contact, values={}, collections=actions.Collections(custom={"segment": "B"})
    )
    merged = actions.contact_update(
        actor=cast.sales_north,
        contact=contact,
        values={},
        collections=actions.Collections(custom={"budget": "20"}),
        expected_version=1,
        merge=True,
    )
    assert merged.custom == {"budget": "20", "segment": "B"}
    assert merged.version == 3


def test_stale_writers_of_the_same_custom_field_conflict_on_that_key(cast):
    _custom_fields(cast)
    contact = factories.contact(cast.sales_north, custom={"budget": "10"})
    actions.contact_update(
        actor=cast.sales_north_2, contact=contact, values={}, collections=actions.Collections(custom={"budget": "15"})
    )
    with pytest.raises(Conflict) as conflict:
        actions.contact_update(
            actor=cast.sales_north,
            contact=contact,
            values={},
            collections=actions.Collections(custom={"budget": "20"}),
            expected_version=1,
            merge=True,
        )
    assert conflict.value.detail.overlapping == ["custom.budget"]
    assert conflict.value.detail.their_actors_by_field["custom.budget"] == [cast.sales_north_2.display_name]


def test_a_stale_writer_who_replaces_emails_someone_else_changed_is_in_conflict(cast):
    contact = factories.contact(cast.sales_north, emails=["a@example.test"])
    actions.contact_update(
        actor=cast.sales_north_2,
        contact=contact,
        values={},
        collections=actions.Collections(emails=["b@example.test"]),
    )
    with pytest.raises(Conflict) as conflict:
        actions.contact_update(
            actor=cast.sales_north,
            contact=contact,
            values={"title": "CEO"},
            collections=actions.Collections(emails=["c@example.test"]),
            expected_version=1,
            merge=True,
        )
    assert conflict.value.detail.overlapping == ["emails"]
    contact.refresh_from_db()
    assert (contact.primary_email, contact.title) == ("b@example.test", "")


def test_a_change_made_around_records_bumps_each_once_and_logs_it_at_the_time_it_stamps(cast):
    from clientela.core import records
    from clientela.parties.models import Contact

    first = factories.contact(cast.sales_north, last_name="First")
    second = factories.contact(cast.sales_north, last_name="Second")
    stale = Contact.objects.get(pk=first.pk)
    records.bump_records(
        Contact, {first.pk: {"tags": [[], ["a"]]}, second.pk: {"tags": [[], ["b"]]}}, actor=cast.admin, action="x.y"
    )

    records.bump_record(stale, actor=cast.admin, action="x.z", changes={"notes": ["", "n"]}, data={"why": "test"})

    assert stale.version == 3  # read back, though it was loaded at version 1
    for contact, versions in ((first, [1, 2, 3]), (second, [1, 2])):
        contact.refresh_from_db()
        events = list(Event.objects.filter(record_id=contact.public_id).order_by("id"))
        assert [e.version for e in events] == versions
        assert contact.version == versions[-1] and contact.updated_by == cast.admin
        assert events[-1].occurred_at == contact.updated_at
    assert Event.objects.get(action="x.z").data == {"why": "test"}
