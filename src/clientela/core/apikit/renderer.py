"""The API's JSON writer: orjson, with Django's own forms for dates and times.

The same text as ninja's default renderer (DjangoJSONEncoder: times to the millisecond,
UTC as "Z"), except that non-ASCII characters are written as UTF-8 rather than escaped —
about a tenth of a list request's time saved.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from django.http import HttpRequest
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_ENCODER = NinjaJSONEncoder()
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_SUBCLASS


def _default(value: Any) -> Any:
    """A moment as DjangoJSONEncoder writes it, without its chain of type checks (a list page
    writes two per row); anything else as ninja's encoder does."""
    if type(value) is dt.datetime:
        text = value.isoformat()
        if value.microsecond:
            text = text[:23] + text[26:]
        return text[:-6] + "Z" if text.endswith("+00:00") else text
    return _ENCODER.default(value)


class JsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return orjson.dumps(data, default=_default, option=_OPTIONS)
