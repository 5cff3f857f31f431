"""The JSON body parser: strict JSON, UTF-8 only, no NaN/Infinity, no lone surrogates.

Anything else is a 400 naming the body (see errors.on_http_error), so bad bytes
never reach the database as a 500.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.parser import Parser


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _check_text(value: Any) -> None:
    if isinstance(value, str):
        value.encode("utf-8")  # a lone surrogate (\ud800) raises
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> Any:
        text = request.body.decode("utf-8")
        data = json.loads(text, parse_constant=_refuse_constant)
        _check_text(data)
        return data
