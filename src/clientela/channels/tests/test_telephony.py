"""The telephony webhook: call events logged as one call activity per call on the contact the
number belongs to (compared in E.164, however either side wrote it), with its talk time and
outcome; a missed inbound call gets one call-back task, however often or in whatever order the
events come; a caller without the shared secret is refused."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.test import Client

from clientela.accounts.models import Team
from clientela.activities import actions as activity_actions
from clientela.activities.models import Activity, Task
from clientela.channels.telephony import callback_due
from clientela.parties import actions as parties_actions
from clientela.testing import factories

EVENTS = "/api/v1/telephony/events"
SECRET = "pbx-shared-secret"
BUDAPEST = zoneinfo.ZoneInfo("Europe/Budapest")


@pytest.fixture
def pbx(settings, cast) -> None:
    settings.CLIENTELA_TELEPHONY_TOKEN = SECRET
    settings.CLIENTELA_TELEPHONY_EXTENSIONS = {"101": "sales_north_2"}
    Team.objects.filter(pk=cast.north.pk).update(country="HU")
    cast.sales_north.team.refresh_from_db()


def _post(body: dict, *, token: str | None = SECRET):
    headers = {"X-Clientela-Token": token} if token is not None else {}
    return Client().post(EVENTS, body, content_type="application/json", headers=headers)


def _event(kind: str, at: str, *, call_id: str = "call-1", direction: str = "inbound", number: str = "+36209607198",
           **extra) -> dict:  # fmt: skip
    ours = "+3612345678"
    ends = {"from": number, "to": ours} if direction == "inbound" else {"from": ours, "to": number}
    return {"call_id": call_id, "event": kind, "direction": direction, **ends, "at": at, **extra}


def _calls(call_id: str = "call-1") -> list[Activity]:
    return list(Activity.all_objects.filter(source="telephony", external_id=call_id))


def _anna(cast):
    return factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", phones=["06 20 960 7198"])


def test_a_call_rung_answered_and_hung_up_is_one_call_with_its_talk_time_on_the_contact_with_that_number(cast, pbx):
    anna = _anna(cast)  # kept as typed, "06 20 960 7198", read as a Hungarian number
    for body in (
        _event("ringing", "2026-12-07T10:00:00+01:00"),
        _event("answered", "2026-12-07T10:00:12+01:00", agent="101"),
        _event("hangup", "2026-12-07T10:03:47+01:00"),
    ):
        answered = _post(body)
        assert answered.status_code == 200, answered.content
    [call] = _calls()
    assert (call.channel, call.direction, call.contact, call.outcome) == ("call", "inbound", anna, "answered")
    assert call.duration_seconds == 215  # talk time: from the answer to the hang-up
    assert call.occurred_at == dt.datetime(2026, 12, 7, 10, 0, 12, tzinfo=BUDAPEST)
    assert call.ends_at == dt.datetime(2026, 12, 7, 10, 3, 47, tzinfo=BUDAPEST)
    assert call.owner == cast.sales_north_2 and call.team == cast.north  # extension 101 took it
    assert call.subject == "+36 20 960 7198"
    assert answered.json()["activity"] == str(call.public_id) and answered.json()["callback_task"] is None
    assert not Task.objects.filter(activity=call).exists()


def test_a_missed_call_gets_one_call_back_task_for_the_contacts_owner_even_if_the_hang_up_comes_twice(cast, pbx):
    anna = _anna(cast)
    _post(_event("ringing", "2026-12-08T14:00:00+01:00"))  # a Tuesday
    first = _post(_event("hangup", "2026-12-08T14:00:25+01:00")).json()
    again = _post(_event("hangup", "2026-12-08T14:00:25+01:00")).json()
    [call] = _calls()
    assert (call.outcome, call.duration_seconds, call.contact) == ("missed", None, anna)
    [task] = Task.objects.filter(activity=call)
    assert first["callback_task"] == again["callback_task"] == str(task.public_id)
    assert (first["changed"], again["changed"]) == (True, False)
    assert (task.owner, task.team, task.contact, task.priority, task.status) == (
        cast.sales_north, cast.north, anna, "high", "open",
    )  # fmt: skip
    assert task.title == "Call back Anna Kovács" and "+36 20 960 7198" in task.description
    # missed at 13:00 UTC, the owner's time zone (the site's): two working hours later
    assert task.due_at == dt.datetime(2026, 12, 8, 15, 0, tzinfo=dt.UTC)


def test_events_arriving_out_of_order_end_as_the_call_was_and_a_call_back_made_too_early_is_cancelled(cast, pbx):
    anna = _anna(cast)
    _post(_event("hangup", "2026-12-07T10:03:47+01:00"))  # it looks missed for a moment...
    [early] = Task.objects.filter(contact=anna)
    _post(_event("answered", "2026-12-07T10:00:12+01:00", agent="sales_north_2"))
    last = _post(_event("ringing", "2026-12-07T10:00:00+01:00"))
    assert last.status_code == 200 and last.json()["changed"] is False  # nothing new: it was answered
    [call] = _calls()
    assert (call.outcome, call.duration_seconds, call.contact) == ("answered", 215, anna)
    assert call.occurred_at == dt.datetime(2026, 12, 7, 10, 0, 12, tzinfo=BUDAPEST)
    early.refresh_from_db()
    assert early.status == "cancelled"
    assert Task.all_objects.filter(contact=anna).count() == 1


def test_a_late_ringing_of_a_missed_call_moves_its_start_and_makes_no_second_task(cast, pbx):
    _anna(cast)
    _post(_event("hangup", "2026-12-07T10:00:30+01:00"))
    _post(_event("ringing", "2026-12-07T10:00:00+01:00"))
    [call] = _calls()
    assert call.outcome == "missed" and call.occurred_at == dt.datetime(2026, 12, 7, 10, 0, tzinfo=BUDAPEST)
    assert Task.objects.filter(activity=call).count() == 1


def test_a_call_put_in_the_trash_while_ringing_still_takes_its_events_but_gets_no_call_back(cast, pbx):
    _anna(cast)
    _post(_event("ringing", "2026-12-07T10:00:00+01:00"))
    [call] = _calls()
    activity_actions.activity_trash(actor=cast.sales_north, activity=call)
    answered = _post(_event("hangup", "2026-12-07T10:00:30+01:00"))
    assert answered.status_code == 200 and answered.json()["callback_task"] is None
    [call] = _calls()
    assert call.outcome == "missed" and call.deleted_at is not None and not Task.all_objects.exists()


def test_an_unanswered_outbound_call_is_no_answer_and_needs_no_call_back(cast, pbx):
    anna = _anna(cast)
    _post(_event("ringing", "2026-12-07T10:00:00+01:00", direction="outbound", agent="sales_north"))
    body = _post(_event("hangup", "2026-12-07T10:00:40+01:00", direction="outbound")).json()
    [call] = _calls()
    assert (call.direction, call.outcome, call.contact, call.owner) == ("outbound", "no_answer", anna, cast.sales_north)
    assert body["callback_task"] is None and not Task.objects.exists()


def test_a_number_nobody_has_is_kept_as_a_call_of_the_agent_and_its_call_back_is_theirs(cast, pbx):
    _post(_event("ringing", "2026-12-07T10:00:00+01:00", number="+36 30 555 0101", agent="sales_north"))
    body = _post(_event("hangup", "2026-12-07T10:00:20+01:00", number="+36 30 555 0101")).json()
    [call] = _calls()
    assert (call.contact, call.organization, call.owner, call.team) == (None, None, cast.sales_north, cast.north)
    assert call.subject == "+36 30 555 0101" and body["contact"] is None
    [task] = Task.objects.filter(activity=call)
    assert (task.owner, task.contact, task.title) == (cast.sales_north, None, "Call back +36 30 555 0101")


def test_a_number_several_contacts_share_goes_to_the_one_spoken_to_last(cast, pbx):
    older = factories.contact(cast.sales_north, last_name="Older", phones=["+36 20 960 7198"])
    recent = factories.contact(cast.sales_north, last_name="Recent", phones=["06 20 960 7198"])
    factories.contact(cast.sales_north, last_name="Silent", phones=["0036 20 960 7198"])
    for contact, when in ((older, "2026-11-01T09:00:00Z"), (recent, "2026-12-01T09:00:00Z")):
        activity_actions.activity_create(
            actor=cast.sales_north, values={"channel": "note", "contact": str(contact.public_id), "occurred_at": when}
        )
    _post(_event("ringing", "2026-12-07T10:00:00+01:00"))
    assert _calls()[0].contact == recent


def test_a_number_several_contacts_share_none_spoken_to_goes_to_the_first_made(cast, pbx):
    first = factories.contact(cast.sales_north, last_name="First", phones=["+36 20 960 7198"])
    factories.contact(cast.sales_north, last_name="Second", phones=["06 20 960 7198"])
    _post(_event("ringing", "2026-12-07T10:00:00+01:00"))
    assert _calls()[0].contact == first


def test_a_number_no_contact_has_but_an_organization_has_links_the_call_to_it(cast, pbx):
    kovacs = parties_actions.organization_create(
        actor=cast.sales_north, values={"name": "Kovács Kft."},
        collections=parties_actions.Collections(phones=[{"value": "06 1 234 5678"}]),
    )  # fmt: skip
    _post(_event("ringing", "2026-12-07T10:00:00+01:00", number="+3612345678"))
    body = _post(_event("hangup", "2026-12-07T10:00:20+01:00", number="+3612345678")).json()
    [call] = _calls()
    assert (call.contact, call.organization, call.owner) == (None, kovacs, cast.sales_north)
    assert body["organization"] == str(kovacs.public_id)
    [task] = Task.objects.filter(activity=call)
    assert (task.organization, task.title) == (kovacs, "Call back Kovács Kft.")


def test_the_call_is_seen_by_the_contacts_team_and_not_by_the_other(cast, pbx):
    from clientela.activities import queries

    anna = _anna(cast)
    _post(_event("ringing", "2026-12-07T10:00:00+01:00"))
    [call] = _calls()
    assert list(queries.activities_of(cast.manager_north, anna)) == [call]
    assert not queries.activities_visible(cast.sales_south).filter(pk=call.pk).exists()


def test_a_caller_without_the_secret_is_refused_and_nothing_is_logged(cast, pbx, settings):
    _anna(cast)
    body = _event("ringing", "2026-12-07T10:00:00+01:00")
    assert _post(body, token=None).status_code == 401
    assert _post(body, token="wrong").status_code == 401
    assert Client().post(f"{EVENTS}?token=wrong", body, content_type="application/json").status_code == 401
    settings.CLIENTELA_TELEPHONY_TOKEN = ""
    assert _post(body, token="").status_code == 403  # turned off until a secret is set
    assert _calls() == []
    settings.CLIENTELA_TELEPHONY_TOKEN = SECRET
    by_query = Client().post(f"{EVENTS}?token={SECRET}", body, content_type="application/json")
    assert by_query.status_code == 200 and len(_calls()) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [({"event": "transfer"}, "event"), ({"at": "yesterday"}, "at"), ({"direction": "sideways"}, "direction"),
     ({"call_id": ""}, "call_id"), ({"from": ""}, "from")],
)  # fmt: skip
def test_a_malformed_event_is_refused_naming_the_field(cast, pbx, change, field):
    refused = _post({**_event("ringing", "2026-12-07T10:00:00+01:00"), **change})
    assert refused.status_code == 422, refused.content
    assert refused.json()["errors"][0]["field"] == field
    assert _calls() == [] and _calls("") == []


@pytest.mark.parametrize(
    ("missed", "due"),
    [
        ("2026-12-08T14:00", "2026-12-08T16:00"),  # Tuesday afternoon: the same afternoon
        ("2026-12-11T16:30", "2026-12-14T10:30"),  # Friday at 16:30: Monday morning
        ("2026-12-08T07:15", "2026-12-08T11:00"),  # before opening: from 9:00
        ("2026-12-12T12:00", "2026-12-14T11:00"),  # a Saturday: Monday
        ("2026-12-08T18:00", "2026-12-09T11:00"),  # after closing: the next morning
    ],
)
def test_a_call_back_is_due_two_working_hours_after_the_missed_call(missed, due):
    moment = dt.datetime.fromisoformat(missed).replace(tzinfo=BUDAPEST)
    assert callback_due(moment, BUDAPEST) == dt.datetime.fromisoformat(due).replace(tzinfo=BUDAPEST)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_missed_call_posted_twice_at_once_is_one_call_with_one_call_back(cast, pbx):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")
    anna = _anna(cast)
    start = threading.Barrier(2)
    answers: list[int] = []
    failures: list[BaseException] = []

    def post() -> None:
        try:
            start.wait(timeout=10)
            answers.append(_post(_event("hangup", "2026-12-08T14:00:25+01:00")).status_code)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures and answers == [200, 200]
    [call] = _calls()
    assert call.contact == anna and Task.objects.filter(activity=call).count() == 1
