"""A meeting's invitation: an e-mail to its participants carrying the meeting as an iTIP
REQUEST that calendar programs accept, sent through a real SMTP server; a meeting changed and
sent again updates the same calendar entry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from clientela.activities import actions as activity_actions
from clientela.channels import tasks
from clientela.channels.tests.smtp_kit import smtp_server  # noqa: F401 - the `smtp` fixture
from clientela.core.errors import ValidationFailed
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db


def _meeting(cast, **values):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@kovacs.example"])
    bela = factories.contact(cast.sales_north, first_name="Béla", last_name="Nagy", emails=["bela@nagy.example"])
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=2)
    return activity_actions.activity_create(actor=cast.sales_north, values={
        "channel": "meeting", "contact": anna.public_id, "attendees": [str(bela.public_id)],
        "guests": [{"name": "Éva Tóth", "email": "eva@partner.example"}, {"name": "Zoltán (no address)"}],
        "subject": "Pilot kick-off", "place": "Budapest, Váci út 1.", "occurred_at": start,
        "ends_at": start + dt.timedelta(hours=1), **values})  # fmt: skip


def _calendar_part(received):
    [part] = [p for p in received.message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part, part.get_payload(decode=True).decode()


def test_an_invitation_goes_to_every_participant_with_the_meeting_as_a_calendar_request(cast, smtp):
    meeting = _meeting(cast)
    email = tasks.queue_invitation(actor=cast.sales_north, meeting=meeting)
    assert sorted(email.to) == ["anna@kovacs.example", "bela@nagy.example", "eva@partner.example"]
    assert tasks.send_email.call(str(email.public_id), 1) == "sent"
    [received] = smtp.messages
    part, text = _calendar_part(received)
    assert part.get_param("method") == "REQUEST"
    unfolded = text.replace("\r\n ", "")
    assert "METHOD:REQUEST" in unfolded and f"UID:{meeting.public_id}@" in unfolded
    assert "SUMMARY:Pilot kick-off" in unfolded and "LOCATION:Budapest\\, Váci út 1." in unfolded
    assert 'ORGANIZER;CN="Sales North":mailto:sales_north@example.test' in unfolded
    for address in ("anna@kovacs.example", "bela@nagy.example", "eva@partner.example"):
        assert "RSVP=TRUE;CN=" in unfolded and f":mailto:{address}" in unfolded
    start = meeting.occurred_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    assert f"DTSTART:{start}" in unfolded and "SEQUENCE:0" in unfolded
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))


def test_a_changed_meeting_sent_again_updates_the_same_calendar_entry(cast, smtp):
    meeting = _meeting(cast)
    first = tasks.queue_invitation(actor=cast.sales_north, meeting=meeting)
    tasks.send_email.call(str(first.public_id), 1)
    moved = activity_actions.activity_update(actor=cast.sales_north, activity=meeting, values={
        "occurred_at": meeting.occurred_at + dt.timedelta(hours=3), "ends_at": meeting.ends_at + dt.timedelta(hours=3)},
        expected_version=meeting.version)  # fmt: skip
    again = tasks.queue_invitation(actor=cast.sales_north, meeting=moved)
    tasks.send_email.call(str(again.public_id), 1)
    texts = [_calendar_part(message)[1].replace("\r\n ", "") for message in smtp.messages]
    uids = [line for text in texts for line in text.split("\r\n") if line.startswith("UID:")]
    assert uids[0] == uids[1]
    assert "SEQUENCE:0" in texts[0] and "SEQUENCE:1" in texts[1]


def test_only_a_meeting_with_someone_to_write_to_has_an_invitation(cast):
    anna = factories.contact(cast.sales_north, last_name="Kovács", emails=[])
    call = activity_actions.activity_create(
        actor=cast.sales_north, values={"channel": "call", "contact": anna.public_id}
    )
    with pytest.raises(ValidationFailed) as refused:
        tasks.queue_invitation(actor=cast.sales_north, meeting=call)
    assert refused.value.errors[0].field == "activity"
    silent = activity_actions.activity_create(actor=cast.sales_north, values={"channel": "meeting",
                                                                              "contact": anna.public_id})  # fmt: skip
    with pytest.raises(ValidationFailed) as refused:
        tasks.queue_invitation(actor=cast.sales_north, meeting=silent)
    assert refused.value.errors[0].field == "attendees"


def test_the_api_queues_an_invitation_and_hides_other_teams_meetings(cast):
    meeting = _meeting(cast)
    answer = ApiClient(cast.sales_north).post("/emails/invitations", {"activity": str(meeting.public_id)})
    assert answer.status_code == 202, answer.json()
    assert answer.json()["status"] == "queued"
    assert answer.json()["attachments"][0]["filename"] == "invitation.ics"
    refused = ApiClient(cast.sales_south).post("/emails/invitations", {"activity": str(meeting.public_id)})
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "activity"


def test_the_meeting_page_sends_the_invitation(cast, client):
    meeting = _meeting(cast)
    client.force_login(cast.sales_north)
    page = client.get(f"/activities/{meeting.public_id}/")
    assert b'data-testid="meeting-invite"' in page.content
    sent = client.post(f"/meetings/{meeting.public_id}/invite/")
    assert sent.status_code == 302 and "/emails/" in sent["Location"]
    client.force_login(cast.readonly_north)
    assert b'data-testid="meeting-invite"' not in client.get(f"/activities/{meeting.public_id}/").content
    assert client.post(f"/meetings/{meeting.public_id}/invite/").status_code == 403
