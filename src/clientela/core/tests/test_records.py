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
