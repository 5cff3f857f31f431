"""Which worker reads a mailbox, and where it stopped: bookkeeping, not a change anybody made,
so no version and no event (like an import job's lease).

A lease is the moment `leased_until`, set by a conditional UPDATE that succeeds only when no
other worker holds the mailbox (or its lease ran out): of two workers, one gets it. The moment
itself is the holder's token: every later step (`mailbox_progress`, `mailbox_release`) is an
UPDATE ... WHERE leased_until = token, so a worker whose lease ran out — taken for dead, and
the mailbox handed to another — writes nothing more.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone

from clientela.channels.models import Mailbox


def _until(seconds: float) -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=seconds)


def mailbox_lease(*, mailbox_id: int, seconds: float) -> dt.datetime | None:
    """Take the mailbox for `seconds` if nobody holds it; returns the lease, None when held."""
    now = timezone.now()
    until = now + dt.timedelta(seconds=seconds)
    taken = (
        Mailbox.objects.filter(pk=mailbox_id, is_active=True)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .update(leased_until=until)
    )
    return until if taken else None


def mailbox_progress(
    *, mailbox_id: int, lease: dt.datetime, seconds: float, uid_validity: int, last_uid: int
) -> dt.datetime | None:
    """Record where reading got to and hold the mailbox `seconds` more; None when the lease
    was lost (then nothing is recorded and the caller stops)."""
    until = _until(seconds)
    moved = Mailbox.objects.filter(pk=mailbox_id, leased_until=lease).update(
        uid_validity=uid_validity, last_uid=last_uid, leased_until=until
    )
    return until if moved else None


def mailbox_release(*, mailbox_id: int, lease: dt.datetime, error: str = "") -> bool:
    """The check is over: when it was, what went wrong (nothing: ""), and the mailbox is free."""
    return bool(
        Mailbox.objects.filter(pk=mailbox_id, leased_until=lease).update(
            leased_until=None, last_checked_at=timezone.now(), last_error=error[:500]
        )
    )
