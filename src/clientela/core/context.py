"""Where the current write comes from (web, api, import, sync, cli, demo...).

Interfaces set it once; `append_event` records it, so actions need no extra argument.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_source: contextvars.ContextVar[str] = contextvars.ContextVar("clientela_source", default="web")
_overwrite: contextvars.ContextVar[bool] = contextvars.ContextVar("clientela_overwrite", default=False)


def current_source() -> str:
    return _source.get()


@contextlib.contextmanager
def acting_via(source: str) -> Iterator[None]:
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


def is_overwrite() -> bool:
    """Whether the current write overwrites whatever version is current (`If-Match: *`)."""
    return _overwrite.get()


@contextlib.contextmanager
def overwriting(active: bool = True) -> Iterator[None]:
    """Mark the writes inside as explicit overwrites; their events say so (`data.overwrite`)."""
    token = _overwrite.set(active)
    try:
        yield
    finally:
        _overwrite.reset(token)
