"""Public ids of records: UUID version 7 (RFC 9562, section 5.7).

The first 48 bits are the Unix time in milliseconds, the rest random (74 bits), so
ids made later sort later. A new record's id then lands at the right-hand end of the
unique index (and of the change log's per-record index) instead of on a random page
of it, which keeps bulk writes cheap however large the tables grow. The creation
time an id reveals is the record's `created_at`, which anyone who may see the
record sees anyway.
"""

from __future__ import annotations

import os
import time
import uuid


def _stamped(pool: bytearray, count: int, millis: int) -> bytearray:
    """Write the time, version and variant into `count` 16-byte slots of random bytes."""
    stamp = millis.to_bytes(6, "big")
    for start in range(0, 16 * count, 16):
        pool[start : start + 6] = stamp
        pool[start + 6] = (pool[start + 6] & 0x0F) | 0x70  # version 7
        pool[start + 8] = (pool[start + 8] & 0x3F) | 0x80  # RFC 9562 variant
    return pool


def uuid7() -> uuid.UUID:
    """A new time-ordered id (the default of every record's `public_id`)."""
    return uuid.UUID(bytes=bytes(_stamped(bytearray(os.urandom(16)), 1, time.time_ns() // 1_000_000)))


def uuid7_texts(count: int) -> list[str]:
    """`count` new ids as text, as `str(uuid7())` gives them, from one read of os.urandom (bulk import)."""
    pool = _stamped(bytearray(os.urandom(16 * count)), count, time.time_ns() // 1_000_000)
    result = []
    for start in range(0, 16 * count, 16):
        h = pool[start : start + 16].hex()
        result.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return result


def is_uuid(value: object) -> bool:
    """Whether `value` reads as a UUID (a public id given as text, from a form, the API or a file)."""
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
