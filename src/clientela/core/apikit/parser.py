"""The JSON body parser: strict JSON, UTF-8 only, no NaN/Infinity, no lone surrogates,
at most MAX_DEPTH levels of nesting, at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes.

Bad JSON is a 400 naming the body (see errors.on_http_error), deeper nesting a 422 and a
larger body a 413 (errors.on_body_too_large), all in the API's error shape, so bad input
never becomes a 500.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.parser import Parser

from clientela.core.errors import ApiError

# No request of the API nests deeper than a few levels; 32 leaves room and stops a body
# nested hundreds deep before it reaches code that recurses over it.
MAX_DEPTH = 32


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _too_deep() -> ApiError:
    return ApiError.single(
        422, "body", "too_deep", _("the body nests more than %(depth)d levels deep") % {"depth": MAX_DEPTH}
    )


def _check_text(value: Any, depth: int = 0) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate (\ud800) raises
        return
    if not isinstance(value, dict | list):
        return
    if depth >= MAX_DEPTH:
        raise _too_deep()
    if isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item, depth + 1)
    else:
        for item in value:
            _check_text(item, depth + 1)


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        text = request.body.decode("utf-8")
        try:
            data = json.loads(text, parse_constant=_refuse_constant)
        except RecursionError:  # thousands of levels: deeper than the decoder goes
            raise _too_deep() from None
        _check_text(data)
        return data
