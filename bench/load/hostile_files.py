"""Hostile import files against a running server: how long each takes, and what memory it costs.

    .venv/bin/python bench/load/hostile_files.py --url http://127.0.0.1:8000 \\
        --username admin --password-file secret.txt [--pid SERVER_PID ...] [--read-timeout 120]

Writes the files of issue 9 (item 4) into a temporary directory — a workbook with a huge
shared-strings table, one whose sheet unpacks to 1 GB, one with a 200 MB cell, one 200,000
columns wide, a CSV 200,000 columns wide, a CSV with a 1 MB cell, "billion laughs" and an
external entity; each only a few hundred kilobytes on disk — signs in as `--username` (a role
that may import; the password from `--password-file`, or the CLIENTELA_BENCH_PASSWORD
environment variable) and, one file at a time:

- uploads it on the import page and times the answer (it should be the redirect to the
  mapping page, at once: the page stores the file and queues its reading);
- polls the mapping page until the job worker has read the file (the page stops saying
  "Reading the file…") and times that, then prints the page's status and its message
  (400 and the reason for a refused file).

With `--pid` (the web server's and the job worker's process ids; their child processes are
counted with them) it prints, after each file, each process's resident memory now and at
its peak since it started (VmRSS and VmHWM from /proc/<pid>/status): a peak that does not
grow from one file to the next means the file cost the server no memory to speak of. Run
`clientela worker` beside the server, or every read waits for `--read-timeout`.

Bounded: eight uploads, one at a time, each poll a second apart and none longer than
`--read-timeout`. The uploads stay as draft imports of that user (`clientela purge_imports`
removes them later).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))

from clientela.testing import hostile_files as hostile  # noqa: E402 - the same files as the tests

TIMEOUT = 60.0
READING = "Reading the file…"


def files(directory: Path) -> list[tuple[str, Callable[[Path], Path], str]]:
    """(what it is, how to write it, its file name)."""
    return [
        ("XLSX, 3,000,000 shared strings", lambda p: hostile.huge_shared_strings(p, 3_000_000), "strings.xlsx"),
        ("XLSX, a sheet of 1 GB unpacked", lambda p: hostile.huge_sheet(p, 1024**3), "sheet.xlsx"),
        ("XLSX, a 200 MB cell", lambda p: hostile.huge_cell(p, 200_000_000), "cell.xlsx"),
        ("XLSX, 200,000 columns", lambda p: hostile.wide_workbook(p, 200_000), "wide.xlsx"),
        ("CSV, 200,000 columns", lambda p: hostile.wide_csv(p, 200_000), "wide.csv"),
        ("CSV, a 1 MB cell", lambda p: hostile.long_cell_csv(p, 1_000_000), "cell.csv"),
        ("XLSX, billion laughs", hostile.billion_laughs, "laughs.xlsx"),
        ("XLSX, external entity", hostile.external_entity, "entity.xlsx"),
    ]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the redirect is the answer to time


class Session:
    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def send(self, path: str, data: bytes | None = None, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, body, Location) of one request; redirects are not followed."""
        url = urllib.parse.urljoin(self.base, path)
        request = urllib.request.Request(url, data=data, headers={"Referer": url, **(headers or {})})  # noqa: S310
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.read().decode(errors="replace"), response.headers.get("Location", "")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), error.headers.get("Location", "")

    def csrf(self, path: str) -> str:
        status, body, _location = self.send(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not match:
            sys.exit(f"no form with a CSRF token at {path} (answer {status})")
        return match.group(1)

    def sign_in(self, username: str, password: str) -> None:
        token = self.csrf("/accounts/login/")
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": username, "password": password})
        status, _body, location = self.send("/accounts/login/", body.encode())
        if status != 302 or "login" in location:
            sys.exit(f"signing in as {username} failed (answer {status}); a second factor is not supported here")

    def upload(self, path: Path) -> tuple[int, float, str]:
        """(status, seconds to the answer, the mapping page's path) of one upload."""
        token = self.csrf("/import/")
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="entity"\r\n\r\ncontact\r\n',
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n",
        ]
        body = "".join(parts).encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
        started = time.perf_counter()
        status, _body, location = self.send(
            "/import/", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        return status, time.perf_counter() - started, urllib.parse.urlparse(location).path

    def wait_for_reading(self, path: str, limit: float) -> tuple[int, float, str]:
        """(status, seconds until the file was read, the page's message) of the mapping page."""
        started = time.perf_counter()
        while True:
            status, body, _location = self.send(path)
            waited = time.perf_counter() - started
            if READING not in body or waited > limit:
                break
            time.sleep(1.0)
        if READING in body:
            return status, waited, f"still reading after {limit:.0f} s (is `clientela worker` running?)"
        match = re.search(r'class="msg msg-error" role="alert">(.*?)</p>', body, re.S)
        message = unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else "(mapping form shown)"
        return status, waited, message


def _family(pid: int) -> list[int]:
    """The process and its descendants, from /proc."""
    found = [pid]
    queue = [pid]
    while queue:
        current = queue.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.append(child)
                    queue.append(child)
    return found


def memory(pids: list[int]) -> str:
    """Resident memory now / at its peak, per process given (with its children), in MiB."""
    shown = []
    for pid in pids:
        now = peak = 0
        for member in _family(pid):
            try:
                status = Path(f"/proc/{member}/status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            now += int(fields.get("VmRSS", "0 kB").split()[0])
            peak += int(fields.get("VmHWM", "0 kB").split()[0])
        shown.append(f"pid {pid}: {now / 1024:,.0f} / peak {peak / 1024:,.0f} MiB")
    return "; ".join(shown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", default="http://127.0.0.1:8000", help="the server (default %(default)s)")
    parser.add_argument("--username", required=True, help="a user whose role may import")
    parser.add_argument(
        "--password-file", type=Path, help="a file holding the password (else $CLIENTELA_BENCH_PASSWORD)"
    )
    parser.add_argument("--pid", type=int, action="append", default=[], help="a server or worker process id to watch")
    parser.add_argument("--read-timeout", type=float, default=120.0, help="seconds to wait for each read (default 120)")
    args = parser.parse_args()
    password = (
        args.password_file.read_text().strip() if args.password_file else os.environ.get("CLIENTELA_BENCH_PASSWORD")
    )
    if not password:
        parser.error("give --password-file or set CLIENTELA_BENCH_PASSWORD")
    if not 1 <= args.read_timeout <= 600:
        parser.error("--read-timeout must be between 1 and 600 seconds")
    session = Session(args.url)
    session.sign_in(args.username, password)
    print(f"hostile import files against {args.url}, as {args.username}")
    if args.pid:
        print(f"  before: {memory(args.pid)}")
    with tempfile.TemporaryDirectory(prefix="hostile-") as directory:
        for label, make, name in files(Path(directory)):
            path = make(Path(directory) / name)
            status, seconds, mapping = session.upload(path)
            print(f"\n{label} ({path.stat().st_size / 1024:,.0f} KiB on disk)")
            print(f"  upload answered {status} in {seconds * 1000:,.0f} ms")
            if status != 302 or not mapping:
                print("  (no import was made: the upload form refused the file)")
                continue
            page_status, waited, message = session.wait_for_reading(mapping, args.read_timeout)
            print(f"  read by the worker within {waited:,.1f} s; mapping page {page_status}: {message}")
            if args.pid:
                print(f"  memory: {memory(args.pid)}")
            path.unlink()


if __name__ == "__main__":
    main()
