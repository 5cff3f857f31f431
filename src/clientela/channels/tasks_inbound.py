"""The job worker reads the IMAP mailboxes (README command 1 runs it).

A housekeeping check (`check_mailboxes`, every round of the worker's housekeeper) looks for
active mailboxes whose interval has passed, takes each one's lease — a conditional UPDATE, so of
two workers only one gets a mailbox — and queues `read_mailbox` with it. The task reads what is
new since the last UID (the whole folder again when its UIDVALIDITY changed), a batch at a time;
each message is imported in its own transaction (`actions.email_receive`), a message that
cannot be imported is recorded with its problem and the next one follows; after each batch the
position is saved and the lease renewed. A worker that lost its lease (it stalled longer than
the lease, and another took the mailbox) stops at its next step. When the check is over the
lease is released with the error, if any, for the mailboxes page to show.

A mailbox set to wait for new mail (IDLE) is read the same way, and then the task stays in IDLE
for up to `IDLE_SECONDS`, importing what arrives meanwhile; the next round queues it again.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from clientela.channels import actions, queries
from clientela.channels.inbound.credentials import PasswordUnreadable
from clientela.channels.inbound.imap import Fetched, ImapError, ImapReader, server_settings
from clientela.channels.models import Mailbox

logger = logging.getLogger(__name__)

LEASE_SECONDS = 600  # a queued read must start (and then report progress) within this
BATCH = 100  # messages between two saves of the position
MESSAGES_PER_READ = 2000  # a long backlog is read in turns, so other jobs run in between
IDLE_SECONDS = 120.0


class LeaseLost(Exception):
    """Another worker holds the mailbox now: this one stops without writing."""


class _Enough(Exception):
    """This read did its share (the limit); the position is saved."""


@dataclass
class ReadResult:
    """What one read of a mailbox did."""

    imported: int = 0
    already: int = 0  # seen before (this mailbox, or the same message in another)
    failed: int = 0
    error: str = ""
    held_elsewhere: bool = False
    more: bool = False  # stopped at the limit: more mail waits
    problems: list[str] = field(default_factory=list)


def check_mailboxes() -> str | None:
    """A housekeeping check: queue a read of every mailbox that is due, each under its lease."""
    queued = 0
    for mailbox_id in queries.mailboxes_due(timezone.now()):
        lease = actions.mailbox_lease(mailbox_id=mailbox_id, seconds=LEASE_SECONDS)
        if lease is not None:
            read_mailbox.enqueue(mailbox_id, lease.isoformat())
            queued += 1
    return f"{queued} mailboxes to read" if queued else None


@task()
def read_mailbox(mailbox_id: int, lease: str) -> str:
    """Read one mailbox under the lease the check took for it."""
    result = read_mailbox_now(mailbox_id, lease=dt.datetime.fromisoformat(lease), max_messages=MESSAGES_PER_READ)
    if result.held_elsewhere:
        return "held by another worker"
    if result.more:  # the rest of a backlog: next in the queue, under a new lease
        following = actions.mailbox_lease(mailbox_id=mailbox_id, seconds=LEASE_SECONDS)
        if following is not None:
            read_mailbox.enqueue(mailbox_id, following.isoformat())
    return f"{result.imported} imported, {result.already} seen before, {result.failed} failed" + (
        f"; {result.error}" if result.error else "")  # fmt: skip


def read_mailbox_now(
    mailbox_id: int, *, lease: dt.datetime | None = None, idle_seconds: float | None = None,
    max_messages: int | None = None,
) -> ReadResult:  # fmt: skip
    """Read what is new in the mailbox (taking its lease unless given one), at most
    `max_messages` of it (then `more` says whether mail waits); the caller's thread does the work."""
    result = ReadResult()
    if lease is None:
        lease = actions.mailbox_lease(mailbox_id=mailbox_id, seconds=LEASE_SECONDS)
        if lease is None:
            return ReadResult(held_elsewhere=True)
    mailbox = queries.mailbox_for_worker(mailbox_id)
    if mailbox is None:
        return ReadResult(held_elsewhere=True)
    reading = _Reading(mailbox, lease, result, max_messages)
    try:
        reading.run(IDLE_SECONDS if idle_seconds is None and mailbox.use_idle else (idle_seconds or 0))
    except _Enough:
        result.more = True
    except LeaseLost:
        result.held_elsewhere = True
        return result
    except PasswordUnreadable:
        result.error = _("The stored password can no longer be read (the secret key changed): enter it again.")
    except ImapError as failure:
        result.error = str(failure)
    if not actions.mailbox_release(mailbox_id=mailbox_id, lease=reading.lease, error=result.error):
        result.held_elsewhere = True
    return result


class _Reading:
    """One read of one mailbox, holding its lease (renewed with every saved position)."""

    def __init__(self, mailbox: Mailbox, lease: dt.datetime, result: ReadResult, limit: int | None) -> None:
        self.mailbox = mailbox
        self.lease = lease
        self.result = result
        self.left = limit  # messages this read may still import (None: no limit)

    def _save(self, uid_validity: int, last_uid: int) -> None:
        renewed = actions.mailbox_progress(mailbox_id=self.mailbox.pk, lease=self.lease, seconds=LEASE_SECONDS,
                                           uid_validity=uid_validity, last_uid=last_uid)  # fmt: skip
        if renewed is None:
            raise LeaseLost
        self.lease = renewed
        self.mailbox.uid_validity, self.mailbox.last_uid = uid_validity, last_uid

    def run(self, idle_seconds: float) -> None:
        with ImapReader(server_settings(self.mailbox)) as reader:
            self._catch_up(reader)
            deadline = timezone.now() + dt.timedelta(seconds=idle_seconds)
            while idle_seconds > 0 and (left := (deadline - timezone.now()).total_seconds()) > 0:
                if reader.idle(min(left, LEASE_SECONDS / 2)):
                    reader.state = None  # the folder changed: look again
                    self._catch_up(reader)
                else:
                    self._save(self.mailbox.uid_validity or 0, self.mailbox.last_uid)  # hold the lease

    def _catch_up(self, reader: ImapReader) -> None:
        state = reader.open_folder()
        if self.mailbox.uid_validity != state.uid_validity:
            # A new numbering: read the folder from its start (Message-IDs keep out what we have).
            self._save(state.uid_validity, 0)
        for window in reader.new_messages(self.mailbox.last_uid):
            seen = queries.seen_uids(self.mailbox.pk, state.uid_validity, [uid for uid, _size in window])
            self.result.already += len(seen)
            todo = [(uid, size) for uid, size in window if uid not in seen]
            for start in range(0, len(todo), BATCH):
                if self.left is not None and self.left <= 0:
                    raise _Enough
                batch = todo[start : start + min(BATCH, self.left if self.left is not None else BATCH)]
                for fetched in reader.fetch(batch, max_bytes=settings.EMAIL_FETCH_MAX_BYTES):
                    self._import(state.uid_validity, fetched)
                self._save(state.uid_validity, batch[-1][0])
                if self.left is not None:
                    self.left -= len(batch)
                    if self.left <= 0 and batch[-1] != todo[-1]:
                        raise _Enough
            if window[-1][0] > self.mailbox.last_uid:
                self._save(state.uid_validity, window[-1][0])

    def _import(self, uid_validity: int, fetched: Fetched) -> None:
        try:
            received = actions.email_receive(
                mailbox=self.mailbox, raw=fetched.raw, uid_validity=uid_validity, uid=fetched.uid,
                arrived=fetched.internal_date, headers_only=fetched.headers_only, size=fetched.size,
            )  # fmt: skip
        except Exception as failure:  # one message never stops the rest: recorded, and on to the next
            logger.exception("mailbox %s: message UID %s could not be imported", self.mailbox.pk, fetched.uid)
            problem = f"{type(failure).__name__}: {failure}"[:500]
            actions.mailbox_message_failed(mailbox=self.mailbox, uid_validity=uid_validity, uid=fetched.uid,
                                           problem=problem)  # fmt: skip
            self.result.failed += 1
            self.result.problems.append(problem)
            return
        if received.created:
            self.result.imported += 1
        else:
            self.result.already += 1
