"""Reading an IMAP folder (RFC 3501) with the stdlib's `imaplib`, without changing it: the folder
is opened read-only (EXAMINE) and bodies are fetched with BODY.PEEK, so nobody's unread mail
turns read because the CRM looked at it.

Where reading stopped is a pair (UIDVALIDITY, last UID): UIDs only grow within one UIDVALIDITY,
so "everything after the last UID" is exactly what is new. When the server's UIDVALIDITY
changes (a restored or rebuilt mailbox), every UID may mean another message: the reader starts
over and the importer recognises what it has by Message-ID.

New UIDs are listed a window at a time (`UID FETCH a:b (RFC822.SIZE)`, bounded by UIDNEXT), and
bodies fetched in batches of a bounded number of bytes, so memory stays flat whatever the
mailbox holds. IDLE (RFC 2177) is there for a watcher that waits for news (`idle`).

Errors come out as `ImapError` with a message fit to show the mailbox's owner (never the raw
answer of whatever listens at that address).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import imaplib
import re
import select
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from clientela.channels.inbound.credentials import decrypt_password

TIMEOUT = 60.0  # seconds for connecting and for each answer
LIST_WINDOW = 2000  # UIDs listed per UID FETCH of sizes
BATCH_MESSAGES = 100  # messages fetched per UID FETCH of bodies
BATCH_BYTES = 16 * 1024 * 1024  # and at most this many bytes (a larger message comes alone)
_FETCH_UID = re.compile(rb"UID (\d+)")
_FETCH_SIZE = re.compile(rb"RFC822\.SIZE (\d+)")
_FETCH_DATE = re.compile(rb'INTERNALDATE "([^"]+)"')


class ImapError(Exception):
    """Reading the mailbox failed; the message says why, for the mailbox's owner."""


@dataclass(frozen=True)
class ServerSettings:
    host: str
    port: int
    security: str  # "ssl", "starttls" or "none"
    username: str
    password: str
    folder: str = "INBOX"
    timeout: float = TIMEOUT


@dataclass(frozen=True)
class FolderState:
    uid_validity: int
    uid_next: int | None
    exists: int


@dataclass(frozen=True)
class Fetched:
    uid: int
    size: int
    raw: bytes
    headers_only: bool
    internal_date: dt.datetime | None


def _quoted(folder: str) -> str:
    """A folder name as an IMAP quoted string (imaplib sends arguments as they are)."""
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapReader:
    """One connection to one folder: `with ImapReader(settings) as reader: ...`."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.client: imaplib.IMAP4 | None = None
        self.state: FolderState | None = None

    # --- connection ----------------------------------------------------------------------------

    def __enter__(self) -> ImapReader:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> None:
        s = self.settings
        try:
            if s.security == "ssl":
                self.client = imaplib.IMAP4_SSL(
                    s.host, s.port, ssl_context=ssl.create_default_context(), timeout=s.timeout
                )
            else:
                self.client = imaplib.IMAP4(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    self.client.starttls(ssl_context=ssl.create_default_context())
        except ssl.SSLError as failure:
            raise ImapError(_("The secure connection failed (%(reason)s).") % {
                "reason": failure.reason or failure.__class__.__name__}) from None  # fmt: skip
        except (imaplib.IMAP4.error, imaplib.IMAP4.abort, EOFError):
            self.close()
            raise ImapError(_("The server at %(host)s:%(port)s did not answer as an IMAP server does.") % {
                "host": s.host, "port": s.port}) from None  # fmt: skip
        except (OSError, ValueError) as failure:
            reason = getattr(failure, "strerror", None) or failure.__class__.__name__
            raise ImapError(_("Could not connect to %(host)s:%(port)s (%(reason)s).") % {
                "host": s.host, "port": s.port, "reason": reason}) from None  # fmt: skip
        try:
            self.client.login(s.username, s.password)
        except (imaplib.IMAP4.error, UnicodeEncodeError):
            self.close()
            raise ImapError(_("The server refused the user name or password.")) from None
        except (imaplib.IMAP4.abort, OSError):
            self.close()
            raise ImapError(_("The server closed the connection while signing in.")) from None

    def close(self) -> None:
        client, self.client = self.client, None
        if client is None:
            return
        with contextlib.suppress(Exception):
            client.logout()
        with contextlib.suppress(Exception):
            client.shutdown()

    def _client(self) -> imaplib.IMAP4:
        if self.client is None:
            raise ImapError(_("Not connected."))
        return self.client

    def _command(self, *args: str) -> list:
        """A UID command's untagged data; a refusal or a dropped connection is an ImapError."""
        try:
            status, data = self._client().uid(*args)
        except (imaplib.IMAP4.abort, OSError, EOFError):
            raise ImapError(_("The connection to the server was lost.")) from None
        except imaplib.IMAP4.error as refused:
            raise ImapError(_("The server refused a command: %(answer)s") % {"answer": str(refused)[:200]}) from None
        if status != "OK":
            raise ImapError(_("The server refused a command: %(answer)s") % {"answer": repr(data)[:200]})
        return list(data or [])

    @property
    def capabilities(self) -> tuple[str, ...]:
        return tuple(self._client().capabilities)

    # --- the folder ----------------------------------------------------------------------------

    def open_folder(self) -> FolderState:
        """EXAMINE the folder: its UIDVALIDITY, UIDNEXT and number of messages."""
        client = self._client()
        try:
            status, data = client.select(_quoted(self.settings.folder), readonly=True)
        except (imaplib.IMAP4.abort, OSError, EOFError):
            raise ImapError(_("The connection to the server was lost.")) from None
        except imaplib.IMAP4.error:
            status, data = "NO", []
        if status != "OK":
            raise ImapError(_("The server has no folder named “%(folder)s”.") % {"folder": self.settings.folder})
        validity = _number(client.response("UIDVALIDITY")[1])
        if validity is None:
            raise ImapError(_("The server gave the folder no UIDVALIDITY."))
        exists = _number(data) or 0
        self.state = FolderState(validity, _number(client.response("UIDNEXT")[1]), exists)
        return self.state

    def new_messages(self, after_uid: int) -> Iterator[list[tuple[int, int]]]:
        """(UID, size) of the messages after `after_uid`, in UID order, a window at a time."""
        state = self.state or self.open_folder()
        if state.exists == 0:
            return
        start = after_uid + 1
        while True:
            end = "*" if state.uid_next is None else str(min(start + LIST_WINDOW - 1, state.uid_next - 1))
            if state.uid_next is not None and start > state.uid_next - 1:
                return
            found = []
            for item in self._command("FETCH", f"{start}:{end}", "(UID RFC822.SIZE)"):
                line = item[0] if isinstance(item, tuple) else item
                if not isinstance(line, bytes):
                    continue
                uid, size = _FETCH_UID.search(line), _FETCH_SIZE.search(line)
                if uid and int(uid.group(1)) > after_uid:  # "n:*" names the last message even below n
                    found.append((int(uid.group(1)), int(size.group(1)) if size else 0))
            found.sort()
            if found:
                yield found
            if end == "*":
                return
            start = int(end) + 1

    def fetch(self, messages: list[tuple[int, int]], *, max_bytes: int) -> Iterator[Fetched]:
        """The messages' bytes, in batches; one bigger than `max_bytes` comes as its headers."""
        batch: list[int] = []
        budget = 0
        sizes = dict(messages)
        for uid, size in messages:
            if size > max_bytes:
                yield from self._fetch_batch([uid], headers_only=True, sizes=sizes)
                continue
            if batch and (len(batch) >= BATCH_MESSAGES or budget + size > BATCH_BYTES):
                yield from self._fetch_batch(batch, headers_only=False, sizes=sizes)
                batch, budget = [], 0
            batch.append(uid)
            budget += size
        if batch:
            yield from self._fetch_batch(batch, headers_only=False, sizes=sizes)

    def _fetch_batch(self, uids: list[int], *, headers_only: bool, sizes: dict[int, int]) -> Iterator[Fetched]:
        part = "BODY.PEEK[HEADER]" if headers_only else "BODY.PEEK[]"
        data = self._command("FETCH", ",".join(str(u) for u in uids), f"(UID INTERNALDATE {part})")
        for item in data:
            if not isinstance(item, tuple) or len(item) < 2:
                continue
            prefix, raw = item[0], item[1]
            found = _FETCH_UID.search(prefix)
            if not found or not isinstance(raw, bytes):
                continue
            uid = int(found.group(1))
            yield Fetched(uid, sizes.get(uid, len(raw)), raw, headers_only, _internal_date(prefix))

    # --- waiting for news ----------------------------------------------------------------------

    def idle(self, seconds: float) -> bool:
        """Wait up to `seconds` for the server to announce new mail (IDLE); True when it did.
        Without IDLE on the server, waits and returns True (so the caller looks anyway)."""
        client = self._client()
        if "IDLE" not in client.capabilities:
            time.sleep(seconds)
            return True
        tag = client._new_tag()  # imaplib has no IDLE before Python 3.14
        try:
            client.send(tag + b" IDLE\r\n")
            if not client.readline().startswith(b"+"):
                raise ImapError(_("The server refused to wait for new mail."))
            news = _wait_for_news(client, seconds)
            client.send(b"DONE\r\n")
            while True:
                line = client.readline()
                if not line:
                    raise ImapError(_("The connection to the server was lost."))
                news = news or b"EXISTS" in line
                if line.startswith(tag):
                    return news
        except (imaplib.IMAP4.abort, OSError, EOFError):
            raise ImapError(_("The connection to the server was lost.")) from None


def _wait_for_news(client: imaplib.IMAP4, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    sock = client.sock
    while (left := deadline - time.monotonic()) > 0:
        pending = isinstance(sock, ssl.SSLSocket) and sock.pending() > 0
        if not pending:
            readable, _w, _x = select.select([sock], [], [], left)
            if not readable:
                return False
        line = client.readline()
        if not line:
            raise EOFError
        if b"EXISTS" in line:
            return True
    return False


def _number(data: list | None) -> int | None:
    for item in data or []:
        text = item.decode("ascii", "replace") if isinstance(item, bytes) else str(item or "")
        if text.strip().isdigit():
            return int(text.strip())
    return None


def _internal_date(prefix: bytes) -> dt.datetime | None:
    found = _FETCH_DATE.search(prefix)
    if not found:
        return None
    moment = imaplib.Internaldate2tuple(b'INTERNALDATE "' + found.group(1) + b'"')
    if moment is None:
        return None
    return dt.datetime.fromtimestamp(time.mktime(moment), tz=dt.UTC)


def server_settings(mailbox: Any, *, password: str | None = None, timeout: float | None = None) -> ServerSettings:
    """How to reach a mailbox (`channels.Mailbox`): with its stored password unless one is given
    (a page trying what was just typed)."""
    secret = password if password is not None else decrypt_password(mailbox.password_encrypted)
    return ServerSettings(host=mailbox.host, port=mailbox.port, security=mailbox.security, username=mailbox.username,
                          password=secret, folder=mailbox.folder, timeout=timeout or TIMEOUT)  # fmt: skip


def check_connection(settings: ServerSettings) -> FolderState:
    """Sign in and open the folder (what the settings page's "test connection" does)."""
    with ImapReader(settings) as reader:
        return reader.open_folder()
