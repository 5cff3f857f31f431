"""A real IMAP server for the e-mail tests and the ingestion benchmark: Debian's Dovecot
(`apt-get install dovecot-imapd`, which brings dovecot-core), started from a configuration
written into a temporary folder, listening on 127.0.0.1 at a free port, without TLS, with
their mail in maildirs under the same folder.

Every user name signs in with the one plain password `PASSWORD` (a static passdb): a test makes
a fresh user — so a fresh, empty INBOX — just by naming it. (A passwd-file was tried first:
Dovecot notices a changed passwd-file by its modification time, to the second, so users added
within a second of the last look-up were refused.)

Who the server's processes run as (found by trying, Dovecot 2.3.19 on Debian 12):
- as an ordinary user, everything runs as that user: `default_internal_user`,
  `default_login_user` and the mail user (`first_valid_uid` lowered to its uid); the login and
  anvil services do not chroot (`chroot =`), which only root may do;
- as root (CI, the developers' machines), Dovecot refuses root where it matters:
  `imap-login` stops with "This process must not be run as root" and mail access for uid 0 is
  refused ("userdb returned 0 as uid"). So root runs the master only; logins run as Debian's
  `dovenull`, the internal services and the mail as Debian's `dovecot` user (both made by the
  package), `first_valid_uid` is that user's uid, and the maildirs are handed to it (messages
  written straight into a maildir are chowned to it). The temporary folder is made readable
  for them (0755: `mkdtemp` makes it 0700).

Messages go into a mailbox by IMAP APPEND (`append`, returns the UID) or, much faster for a
benchmark's thousands, by writing maildir files (`deliver`): Dovecot gives them UIDs when the
folder is next opened.

The server is required, never skipped: without /usr/sbin/dovecot the fixture fails saying
which package to install. A test module uses it with
`from clientela.testing.dovecot import dovecot_server  # noqa: F401` and a `dovecot` argument.
"""

from __future__ import annotations

import contextlib
import grp
import imaplib
import itertools
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clientela.testing.processes import stop_process_group

DOVECOT = "/usr/sbin/dovecot"
HOST = "127.0.0.1"
START_TIMEOUT = 30.0
PASSWORD = "secret"  # noqa: S105 - every test user's
_APPENDUID = re.compile(rb"APPENDUID (\d+) (\d+)")


class DovecotMissing(RuntimeError):
    pass


@dataclass(frozen=True)
class RunAs:
    """Who Dovecot's processes run as, and who owns the maildirs."""

    login_user: str
    internal_user: str
    chroot: bool
    internal_group: str
    mail_uid: int
    mail_gid: int


def run_as() -> RunAs:
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.getuid())
        group = grp.getgrgid(os.getgid()).gr_name
        return RunAs(me.pw_name, me.pw_name, False, group, me.pw_uid, me.pw_gid)
    try:
        internal = pwd.getpwnam("dovecot")
        pwd.getpwnam("dovenull")
    except KeyError:
        raise DovecotMissing(
            "running as root, Dovecot needs the users 'dovecot' and 'dovenull' that Debian's dovecot-core "
            "package creates: apt-get install dovecot-imapd"
        ) from None
    group = grp.getgrgid(internal.pw_gid).gr_name
    return RunAs("dovenull", "dovecot", True, group, internal.pw_uid, internal.pw_gid)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def _config(root: Path, port: int, who: RunAs) -> str:
    no_chroot = "" if who.chroot else "  chroot =\n"
    return f"""# Written by clientela.testing.dovecot for one test run.
protocols = imap
listen = {HOST}
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {who.internal_user}
default_internal_group = {who.internal_group}
default_login_user = {who.login_user}
first_valid_uid = {who.mail_uid}
mail_location = maildir:{root}/mail/%u
mail_fsync = never
mail_max_userip_connections = 50
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid={who.mail_uid} gid={who.mail_gid} home={root}/mail/%u
}}
service imap-login {{
{no_chroot}  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
{no_chroot}}}
"""


@dataclass
class Dovecot:
    """A running Dovecot and its folder."""

    root: Path
    port: int
    who: RunAs
    process: subprocess.Popen[bytes] | None = None
    users: dict[str, str] = field(default_factory=dict)
    host: str = HOST
    _names: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # --- users and mailboxes ---------------------------------------------------------------------

    def add_user(self, name: str | None = None) -> str:
        """A new mail user (a fresh, empty INBOX, made when first used); returns its name."""
        name = name or f"user{next(self._names)}"
        self.users[name] = PASSWORD
        return name

    def maildir(self, user: str, folder: str = "INBOX") -> Path:
        base = self.root / "mail" / user
        return base if folder.upper() == "INBOX" else base / f".{folder}"

    def deliver(self, user: str, raw: bytes, folder: str = "INBOX") -> Path:
        """Write `raw` straight into the user's maildir (new/), as a mail server's delivery
        agent would; it gets its UID when the folder is next opened."""
        box = self.maildir(user, folder)
        if not (box / "new").is_dir():
            self._make_maildir(box)
        n = next(self._names)
        unique = f"{int(time.time())}.M{n}P{os.getpid()}.clientela"
        scratch = box / "tmp" / unique
        scratch.write_bytes(raw)
        target = box / "new" / unique
        scratch.replace(target)
        self._hand_over(target)
        return target

    def _make_maildir(self, box: Path) -> None:
        for part in (box.parent, box, box / "cur", box / "new", box / "tmp"):
            part.mkdir(exist_ok=True)
            self._hand_over(part)

    def _hand_over(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, self.who.mail_uid, self.who.mail_gid)

    def connect(self, user: str) -> imaplib.IMAP4:
        client = imaplib.IMAP4(self.host, self.port, timeout=30)
        client.login(user, self.users[user])
        return client

    def append(self, user: str, raw: bytes, folder: str = "INBOX") -> int:
        """APPEND `raw` to the user's folder; returns the UID Dovecot gave it."""
        client = self.connect(user)
        try:
            if folder.upper() != "INBOX":
                client.create(folder)
            status, data = client.append(folder, "", None, raw)
            if status != "OK":
                raise RuntimeError(f"APPEND refused: {data!r}")
            found = _APPENDUID.search(b" ".join(d for d in data if isinstance(d, bytes)))
            return int(found.group(2)) if found else 0
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def expunge_all(self, user: str, folder: str = "INBOX") -> None:
        client = self.connect(user)
        try:
            client.select(folder)
            client.store("1:*", "+FLAGS", "\\Deleted")
            client.expunge()
        finally:
            with contextlib.suppress(Exception):
                client.logout()

    def reset_uidvalidity(self, user: str, folder: str = "INBOX") -> None:
        """Make the folder's UIDVALIDITY change, as a server restored from a backup does: its
        UID list and index are removed, so Dovecot numbers every message afresh."""
        box = self.maildir(user, folder)
        for name in os.listdir(box):
            if name.startswith("dovecot"):
                (box / name).unlink()
        time.sleep(1.1)  # the new UIDVALIDITY is the current time in seconds

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- the process -------------------------------------------------------------------------------

    def start(self) -> Dovecot:
        (self.root / "run").mkdir(exist_ok=True)
        (self.root / "state").mkdir(exist_ok=True)
        (self.root / "mail").mkdir(exist_ok=True)
        self._hand_over(self.root / "mail")
        conf = self.root / "dovecot.conf"
        conf.write_text(_config(self.root, self.port, self.who))
        self.process = subprocess.Popen(  # noqa: S603 - a fixed binary and a config we wrote
            [DOVECOT, "-F", "-c", str(conf)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.root / "stderr.log", "wb"),  # noqa: SIM115 - the child keeps it
            start_new_session=True,
        )
        self._wait_until_listening()
        return self

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Dovecot stopped at start-up:\n{self._diagnostics()}")
            try:
                with socket.create_connection((self.host, self.port), timeout=1) as probe:
                    if probe.recv(64).startswith(b"* OK"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"Dovecot did not listen on {self.host}:{self.port} in {START_TIMEOUT:.0f}s:\n"
                           f"{self._diagnostics()}")  # fmt: skip

    def _diagnostics(self) -> str:
        stderr = self.root / "stderr.log"
        return self.log()[-3000:] + (stderr.read_text(errors="replace")[-2000:] if stderr.exists() else "")

    def stop(self) -> None:
        if self.process is not None:
            stop_process_group(self.process, grace=10)
            self.process = None


def start_dovecot() -> Dovecot:
    """Start a Dovecot in a fresh temporary folder (stop it with `stop_dovecot`)."""
    if not os.access(DOVECOT, os.X_OK):
        raise DovecotMissing(
            f"Dovecot is not installed ({DOVECOT} is missing): the e-mail tests need a real IMAP server. "
            "Install Debian's package: apt-get install dovecot-imapd"
        )
    who = run_as()
    root = Path(tempfile.mkdtemp(prefix="clientela-dovecot-"))
    root.chmod(0o755)  # the login and mail users must reach their folders
    server = Dovecot(root=root, port=free_port(), who=who)
    try:
        return server.start()
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise


def stop_dovecot(server: Dovecot) -> None:
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@contextlib.contextmanager
def running_dovecot() -> Iterator[Dovecot]:
    server = start_dovecot()
    try:
        yield server
    finally:
        stop_dovecot(server)


@pytest.fixture(scope="session", name="dovecot")
def dovecot_server() -> Iterator[Dovecot]:
    """One Dovecot for the test session (each test makes its own user, so its own INBOX)."""
    try:
        server = start_dovecot()
    except DovecotMissing as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        yield server
    finally:
        stop_dovecot(server)
