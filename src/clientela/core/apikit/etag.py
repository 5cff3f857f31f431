"""ETags and `If-Match`: a record's ETag is its version, so a write that names an
old version is refused with 412 and the other side's changes."""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Header

from clientela.core.apikit.errors import ApiError

ETAG_PATTERN = r'^(W/)?"[0-9]{1,10}"$'
_ETAG = re.compile(ETAG_PATTERN)

# The header parameter every PATCH/DELETE of a versioned record declares; missing -> 428.
IfMatch = Annotated[
    str,
    Header(
        alias="If-Match",
        pattern=ETAG_PATTERN,
        max_length=20,
        description='The ETag from your last read of the record, e.g. "3". Missing: 428; stale: 412.',
    ),
]


def etag_for_version(version: int) -> str:
    return f'"{version}"'


def etag_for(record: Any) -> str:
    return etag_for_version(record.version)


def expected_version(if_match: str) -> int:
    """The version an `If-Match` header names (weak or strong form)."""
    value = if_match.strip()
    if not _ETAG.match(value):
        raise ApiError.single(400, "If-Match", "invalid", _('If-Match must be an ETag such as "3"'))
    return int(value.removeprefix("W/").strip('"'))
