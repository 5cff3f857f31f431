"""Where the current write comes from (web, api, import, sync, cli, demo...).

Interfaces set it once; `append_event` records it, so actions need no extra argument.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_source: contextvars.ContextVar[str] = contextvars.ContextVar("clientela_source", default="web")


def current_source() -> str:
    return _source.get()


@contextlib.contextmanager
def acting_via(source: str) -> Iterator[None]:
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)
