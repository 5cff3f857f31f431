"""Files received with e-mails, kept under the data directory by their SHA-256 (the same file
twice is stored once), outside anything a web server serves, and typed by what their bytes are
— never by what the message declared.

The type is read from the first bytes (PDF, PNG, JPEG, GIF, ZIP and the Office formats inside
a ZIP, plain text); anything else is `application/octet-stream`. HTML, SVG, XML and whatever
looks like markup is never typed as such: served with its real type, a browser would run it as
a page of ours. The download view sends every file as an attachment, with `nosniff`.
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clientela.channels.inbound.parsing import one_line

OCTET_STREAM = "application/octet-stream"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_MARKUP = re.compile(rb"<\s*(!doctype|html|head|body|script|svg|\?xml|iframe|object|embed|meta|link|style|xsl)\b", re.I)
_OFFICE = {
    "word/": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
_EXTENSIONS = {
    "application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
    "application/zip": ".zip", "text/plain": ".txt", **{v: "." + k.split("/")[0][:4] for k, v in _OFFICE.items()},
}  # fmt: skip


# Why a file was kept without its bytes (EmailAttachment.refused holds the code).
TOO_LARGE = "too_large"
MESSAGE_TOO_LARGE = "message_too_large"
TOO_MANY = "too_many"
NOT_FETCHED = "not_fetched"
REFUSALS = {
    TOO_LARGE: _("larger than a file may be"),
    MESSAGE_TOO_LARGE: _("the message's files together are larger than allowed"),
    TOO_MANY: _("the message has too many files"),
    NOT_FETCHED: _("the message was too large to fetch"),
}
MAX_FILES = 100  # per message


@dataclass(frozen=True)
class Limits:
    per_file: int
    per_message: int


def limits() -> Limits:
    return Limits(settings.EMAIL_ATTACHMENT_MAX_BYTES, settings.EMAIL_MESSAGE_ATTACHMENTS_MAX_BYTES)


def sniff(data: bytes) -> str:
    """What the bytes are, from their first bytes (and a ZIP's table of contents)."""
    head = data[:1024]
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"BEGIN:VCALENDAR") and _is_plain_text(head):
        return "text/calendar"  # an invitation (RFC 5545): plain text a calendar program reads
    if _is_plain_text(head):
        return "text/plain"
    return OCTET_STREAM


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()[:2000]
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError):
        return "application/zip"
    if "[Content_Types].xml" in names:
        for prefix, kind in _OFFICE.items():
            if any(name.startswith(prefix) for name in names):
                return kind
    return "application/zip"


def _is_plain_text(head: bytes) -> bool:
    if not head or b"\x00" in head or _MARKUP.search(head) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as cut:
        if cut.start < len(head) - 4:  # a character cut at the end of the sample is fine
            return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls == 0


def safe_filename(name: str, content_type: str = "") -> str:
    """A file name to show and to offer in a download: no folders, no control characters, at
    most 200 characters (keeping the extension); "attachment" with the type's extension when
    there is none."""
    name = one_line(name, 1000).replace("\\", "/").split("/")[-1].strip().lstrip(".").strip()
    name = re.sub(r'[<>:"|?*]', "_", name)
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 200 - len(extension) - 1] + dot + extension) if dot and len(extension) <= 10 else name[:200]
    return name or "attachment" + _EXTENSIONS.get(content_type, ".bin")


def _root() -> Path:
    return Path(settings.DATA_DIR) / "attachments"


def path_for(sha256: str) -> Path:
    if not _SHA256.match(sha256):
        raise ValueError("not a SHA-256")
    return _root() / sha256[:2] / sha256[2:4] / sha256


def store(data: bytes, sha256: str) -> Path:
    """Keep `data` (whose hash is `sha256`) unless it is kept already; written to a scratch file
    and renamed, so a file is whole or absent."""
    target = path_for(sha256)
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, scratch = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(scratch, 0o640)
        os.replace(scratch, target)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return target


def open_stored(sha256: str) -> io.BufferedReader:
    return path_for(sha256).open("rb")
