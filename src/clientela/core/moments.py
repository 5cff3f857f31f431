"""Dates and times as people read them: in the current time zone and the reader's language's
one format (`clientela.formats`), the same as the templates' `|date:"SHORT_DATETIME_FORMAT"`."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format


def shown_moment(value: dt.datetime | dt.date, *, seconds: bool = False) -> str:
    """A date or a moment (in local time) in the language's format; `seconds` for the audit log."""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return date_format(value, "DATETIME_FORMAT" if seconds else "SHORT_DATETIME_FORMAT")
    return date_format(value, "SHORT_DATE_FORMAT")


def shown_iso(text: str, *, seconds: bool = False) -> str | None:
    """An ISO 8601 moment as stored in the change log ("2026-12-04T09:37:00+00:00"), shown as
    people read it; None when `text` is not one."""
    if len(text) <= 18 or text[4:5] != "-" or "T" not in text:
        return None
    try:
        moment = parse_datetime(text)
    except ValueError:
        return None
    return shown_moment(moment, seconds=seconds) if moment is not None else None
