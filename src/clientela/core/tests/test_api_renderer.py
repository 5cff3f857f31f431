"""The API's orjson writer says what ninja's default JSON writer said, value for value."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

from django.utils.translation import gettext_lazy
from ninja.renderers import JSONRenderer

from clientela.core.apikit.renderer import JsonRenderer

SAMPLE = {
    "id": uuid.UUID("4c79dd28-0000-4000-8000-000000000001"),
    "updated_at": dt.datetime(2026, 12, 4, 9, 37, 5, 123456, tzinfo=dt.UTC),
    "created_at": dt.datetime(2026, 12, 4, 9, 37, 5, tzinfo=dt.UTC),
    "met_at": dt.datetime(2026, 12, 4, 10, 37, 5, 500, tzinfo=dt.timezone(dt.timedelta(hours=1))),
    "naive": dt.datetime(2026, 12, 4, 10, 37),
    "birth_date": dt.date(1980, 2, 29),
    "amount": Decimal("53.97"),
    "name": "Kovács Ádám",
    "label": gettext_lazy("Phone"),
    "tags": ["vip", "ügyfél"],
    "nothing": None,
    "nested": {"count": 3, "ratio": 0.25, "yes": True},
}


def test_the_writer_gives_the_same_values_as_ninjas_default():
    ours = JsonRenderer().render(None, SAMPLE, response_status=200)
    theirs = JSONRenderer().render(None, SAMPLE, response_status=200)
    assert json.loads(ours) == json.loads(theirs)


def test_times_are_written_to_the_millisecond_in_utc_as_z():
    body = json.loads(JsonRenderer().render(None, SAMPLE, response_status=200))
    assert body["updated_at"] == "2026-12-04T09:37:05.123Z"
    assert body["created_at"] == "2026-12-04T09:37:05Z"
    assert body["met_at"] == "2026-12-04T10:37:05.000+01:00"
    assert body["naive"] == "2026-12-04T10:37:00"
    assert body["name"] == "Kovács Ádám"
