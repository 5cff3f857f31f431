"""ETags, `If-Match` and `If-None-Match`.

A write's ETag is the record's version (`"3"`); a read's is the version and a digest of
the representation the caller was shown (`"3.9f86d081884c7d65"`), because a record read
also shows names of linked records and the caller's view of them, which change without
the record's version. `If-Match` takes either form and compares the version, so a write
that names an old version is refused with 412 and the other side's changes;
`If-None-Match` on a read compares the whole tag, so 304 Not Modified means the body
would have been the same."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

import orjson
from django.http import HttpResponse, HttpResponseNotModified
from django.utils.translation import gettext as _
from ninja import Header

from clientela.core.errors import ApiError

# The entity-tags this server mints: a version, or a version and a digest of a read.
_OURS = re.compile(r'^"([0-9]{1,10})(?:\.[0-9a-f]{16})?"$')

# The header parameter every PATCH/DELETE of a versioned record declares. It is judged in
# the endpoint, after the record was found visible (a record you may not see is 404 whatever
# you send): missing -> 428, not `*` or entity-tags -> 400, no tag of the current version -> 412.
IfMatch = Annotated[
    str | None,
    Header(
        None,
        alias="If-Match",
        description='The ETag from your last read of the record, e.g. "3" (or several, comma-separated), '
        "or `*` to overwrite whatever version is current (recorded as an overwrite in the change log). "
        "Missing: 428; not an ETag: 400; not the current version: 412.",
    ),
]


# The header parameter every GET of one versioned record declares. Not constrained in the
# schema: a header that is not a list of ETags is not an error, it just matches nothing (200).
IfNoneMatch = Annotated[
    str | None,
    Header(
        alias="If-None-Match",
        description='ETags you already have, e.g. "3" or W/"3", "4" (or *). If one is current: 304 with no '
        "body and the same ETag; otherwise the record as usual.",
    ),
]

# What a GET that honours If-None-Match adds to its documented responses.
NOT_MODIFIED: dict[int, None] = {304: None}

# One element of an `If-None-Match` list (RFC 9110 §5.6.1, §8.8.3): optional whitespace, an
# entity-tag or nothing (empty elements are allowed), optional whitespace, then "," or the end.
# Possessive quantifiers keep the scan linear on hostile input.
_LIST_ELEMENT = re.compile(r'[ \t]*+(?:((?:W/)?+"[\x21\x23-\x7e\x80-\xff]*+")[ \t]*+)?+(,|\Z)')


def _entity_tags(header: str) -> list[str] | None:
    """The entity-tags of a comma-separated list, or None when the list is malformed."""
    tags: list[str] = []
    position = 0
    while True:
        element = _LIST_ELEMENT.match(header, position)
        if element is None:
            return None
        if element.group(1):
            tags.append(element.group(1))
        if element.group(2) != ",":
            return tags
        position = element.end()


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


def matches_if_none_match(header: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names the current `etag` (RFC 9110 §13.1.2).

    Weak comparison (`W/"3"` matches `"3"`); `*` matches any current representation. A
    missing or malformed header matches nothing, so the caller answers as if it were absent.
    """
    if header is None:
        return False
    if header.strip(" \t") == "*":
        return True
    tags = _entity_tags(header)
    return tags is not None and _opaque(etag) in {_opaque(tag) for tag in tags}


def conditional_read(
    response: HttpResponse, if_none_match: str | None, version: int, body: dict[str, Any]
) -> dict[str, Any] | HttpResponseNotModified:
    """A single-record read: `body` with its representation ETag set on `response`, or 304
    when `If-None-Match` names that ETag already (call it after the visibility check)."""
    etag = representation_etag(version, body)
    if matches_if_none_match(if_none_match, etag):
        return not_modified(etag)
    response["ETag"] = etag
    return body


def not_modified(etag: str) -> HttpResponseNotModified:
    """304 for a conditional GET: no body (and so no Content-Type), the same ETag."""
    response = HttpResponseNotModified()
    response["ETag"] = etag
    return response


def etag_for_version(version: int) -> str:
    return f'"{version}"'


def etag_for(record: Any) -> str:
    return etag_for_version(record.version)


def representation_etag(version: int, body: Any) -> str:
    """A read's ETag: the version, and a digest of the body as it will be sent (key order ignored)."""
    serialized = orjson.dumps(body, default=str, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)
    return f'"{version}.{hashlib.sha256(serialized).hexdigest()[:16]}"'


def expected_version(if_match: str | None, current: int) -> int | None:
    """The version a write may go ahead on (RFC 9110 §13.1.1), judged against the record's
    `current` version: None for `*` (whatever is current: an explicit overwrite); `current`
    when the header names it; otherwise a version that is not current, so the write is refused
    with 412 (0 when no tag names any version: no record ever has version 0)."""
    if if_match is None:
        raise ApiError.single(428, "If-Match", "precondition_required", _("send If-Match with the ETag you last read"))
    value = if_match.strip(" \t")
    if value == "*":
        return None
    tags = _entity_tags(value)
    if not tags:
        raise ApiError.single(
            400, "If-Match", "invalid", _('If-Match must be * or ETags such as "3" or W/"3", separated by commas')
        )
    versions = [int(match.group(1)) for tag in tags if (match := _OURS.match(_opaque(tag)))]
    if current in versions:
        return current
    return versions[0] if versions else 0
