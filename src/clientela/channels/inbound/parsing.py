"""A received message made into plain values, whatever shape it arrives in.

Mail from the wide world is often broken: MIME boundaries that never close, base64 that is not,
charsets nobody knows (`x-unknown`), raw 8-bit bytes in headers, encoded words that decode to
CR/LF (an attempt to slip a header into whatever re-sends the text). The stdlib `email` package
reads it with `policy.default`; where that policy gives up (it raises on some malformed headers
when they are read), the message is read again with `compat32`, which never interprets more
than it must. Every text that comes out is safe to store and show: no control characters in a
header value (so no injected lines), no NUL and no lone surrogates anywhere (PostgreSQL refuses
both), every address a valid one. HTML is kept as data only; the text shown is the plain part,
or the HTML's text when there is none.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

MAX_TEXT = 1_000_000  # characters of a body kept
MAX_PARTS = 500  # MIME parts read from one message
MAX_DEPTH = 30  # nested multiparts followed
MAX_ADDRESSES = 100  # per header
MAX_REFERENCES = 50
MAX_ID = 250  # characters of a Message-ID (the column holds 300)

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")
_ANGLED_ID = re.compile(r"<([^<>\s\x00-\x1f\x7f]{1,250})>")  # at most MAX_ID characters
_BARE_ID = re.compile(r"^[^<>\s\x00-\x1f\x7f@]+@[^<>\s\x00-\x1f\x7f@]+$")
_SURROGATES = re.compile(r"[\ud800-\udfff]")
_REPORT_PARTS = {"message/delivery-status", "text/rfc822-headers", "message/disposition-notification"}


@dataclass
class Attachment:
    """A file found in a message, as it was declared (its real type is checked when stored)."""

    filename: str
    declared_type: str
    data: bytes
    inline: bool = False


@dataclass
class ParsedMessage:
    message_id: str  # "<...>"; a synthetic one from the bytes' hash when the message has none
    has_own_id: bool
    sha256: str
    in_reply_to: str
    references: list[str]
    subject: str
    from_address: str
    from_name: str
    to: list[str]
    cc: list[str]
    date: dt.datetime | None
    text: str
    html: str
    attachments: list[Attachment]
    tree: Message | None  # the parsed message, for the delivery reports' reader
    is_report: bool = False  # multipart/report; report-type=delivery-status
    headers_only: bool = False
    problems: list[str] = field(default_factory=list)
    auto_submitted: bool = False


# --- safe text ---------------------------------------------------------------------------------


def unsurrogate(text: str) -> str:
    """Raw 8-bit header bytes come out of the parser as lone surrogates: read them as UTF-8,
    else as Windows-1252, so the text can be stored."""
    if not _SURROGATES.search(text):
        return text
    data = text.encode("utf-8", "surrogateescape") if _only_escapes(text) else text.encode("utf-8", "replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace")


def _only_escapes(text: str) -> bool:
    return all(not ("\ud800" <= c <= "\udfff") or "\udc80" <= c <= "\udcff" for c in text)


def one_line(text: str, limit: int) -> str:
    """A header value as one line: control characters (CR, LF, TAB, NUL...) become spaces."""
    text = _CONTROLS.sub(" ", unsurrogate(text))
    return _SPACES.sub(" ", text).strip()[:limit]


def storable(text: str, limit: int = MAX_TEXT) -> str:
    """A body as text that any database keeps: no NUL, no lone surrogate; lines end in LF."""
    return unsurrogate(text).replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")[:limit]


def decode_bytes(data: bytes, charset: str | None) -> tuple[str, str]:
    """`data` as text in its declared charset; an unknown or wrong one falls back to UTF-8, then
    Windows-1252 (which reads any byte). Returns the text and a problem, if any."""
    problem = ""
    if charset:
        name = charset.strip().strip('"').lower()
        try:
            codecs.lookup(name)
            return data.decode(name, "replace"), ""
        except (LookupError, TypeError, ValueError, UnicodeError):
            problem = f"unknown charset {one_line(name, 40)}"
    try:
        return data.decode("utf-8"), problem
    except UnicodeDecodeError:
        return data.decode("cp1252", "replace"), problem


def valid_address(address: str) -> str:
    """An e-mail address as a plain addr-spec (domain in lower case), or "" when it is none."""
    address = unsurrogate(address).strip()
    if not address or len(address) > 254 or _CONTROLS.search(address) or " " in address:
        return ""
    try:
        validate_email(address)
    except ValidationError:
        return ""
    local, _at, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


# --- headers -----------------------------------------------------------------------------------


def _raw_values(message: Message, name: str) -> list[str]:
    wanted = name.lower()
    values = []
    for key, value in message.raw_items():
        if key.lower() == wanted:
            values.append(value if isinstance(value, str) else str(value))
    return values


def _decode_words(raw: str) -> str:
    """RFC 2047 encoded words decoded by hand (the lenient reading), each in its charset."""
    try:
        pieces = decode_header(raw)
    except Exception:  # a malformed encoded word: keep the text as written
        return raw
    out = []
    for chunk, charset in pieces:
        out.append(decode_bytes(chunk, charset)[0] if isinstance(chunk, bytes) else chunk)
    return "".join(out)


def header_text(message: Message, name: str, *, limit: int = 300) -> str:
    """A header's decoded value on one line ("" when absent). Read from the raw header, so both
    policies give the same text: raw 8-bit bytes as UTF-8 (else Windows-1252), encoded words in
    their charsets; CR/LF they decode to become spaces."""
    raws = _raw_values(message, name)
    if not raws:
        return ""
    text = unsurrogate(raws[0])
    return one_line(_decode_words(text) if "=?" in text else text, limit)


def header_addresses(message: Message, *names: str) -> list[tuple[str, str]]:
    """(display name, address) of every valid address in the headers `names`, in order, once each.

    The structure is read from the raw header, before any encoded word is decoded: what an
    encoded word hides (`=?utf-8?q?a=40b=0D=0ABcc=3A_c=40d?=`) is only ever a display name, never
    an address or another header."""
    found: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name in names:
        raws = [unsurrogate(raw) for raw in _raw_values(message, name)]
        try:
            pairs = getaddresses([one_line(raw, 20_000) for raw in raws])
        except Exception:
            pairs = []
        for display, address in pairs:
            clean = valid_address(address)
            if clean and clean.lower() not in seen and len(found) < MAX_ADDRESSES:
                seen.add(clean.lower())
                shown = _decode_words(display) if "=?" in display else display
                found.append((one_line(shown, 200), clean))
    return found


def message_ids(text: str) -> list[str]:
    """Every <id> in a header's text, as written (a bare id@host alone is taken too)."""
    found = [f"<{m}>" for m in _ANGLED_ID.findall(text)]
    if not found and _BARE_ID.match(text.strip() or "-") and len(text.strip()) <= MAX_ID:
        found = [f"<{text.strip()}>"]
    return found


def _id_header(message: Message, name: str) -> list[str]:
    values = _raw_values(message, name)
    return message_ids(one_line(" ".join(values), 20_000)) if values else []


def _date(message: Message) -> dt.datetime | None:
    raws = _raw_values(message, "Date")
    if not raws:
        return None
    try:
        moment = parsedate_to_datetime(one_line(raws[0], 200))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if not dt.datetime(1970, 1, 2, tzinfo=dt.UTC) <= moment <= dt.datetime(2200, 1, 1, tzinfo=dt.UTC):
        return None
    return moment


# --- bodies and attachments --------------------------------------------------------------------


class _HtmlText(HTMLParser):
    """The readable text of an HTML body (never rendered: scripts and styles are dropped)."""

    BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table"})
    HIDDEN = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in self.HIDDEN:
            self.hidden += 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.HIDDEN and self.hidden:
            self.hidden -= 1
        elif tag in self.BLOCKS:
            self.out.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.out.append(data)


def html_text(html: str) -> str:
    reader = _HtmlText()
    with contextlib.suppress(Exception):  # lenient already; anything it still refuses leaves what it read
        reader.feed(html[:MAX_TEXT])
        reader.close()
    lines = [_SPACES.sub(" ", line).strip() for line in "".join(reader.out).splitlines()]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _payload(part: Message) -> bytes:
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""


def _filename(part: Message) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:
        name = ""
    if not name:
        try:
            name = str(part.get_param("name") or "")
        except Exception:
            name = ""
    if "=?" in name:
        name = _decode_words(name)
    return name


def _content_type(part: Message) -> str:
    try:
        return one_line(part.get_content_type(), 100).lower()
    except Exception:
        return "application/octet-stream"


def _disposition(part: Message) -> str:
    try:
        return (part.get_content_disposition() or "").lower()
    except Exception:
        return ""


@dataclass
class _Bodies:
    text: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    parts: int = 0


def _walk(part: Message, found: _Bodies, depth: int, in_report: bool) -> None:
    found.parts += 1
    if found.parts > MAX_PARTS or depth > MAX_DEPTH:
        if "too many parts" not in found.problems:
            found.problems.append("too many parts")
        return
    kind = _content_type(part)
    if in_report and kind in _REPORT_PARTS:
        return  # read by the delivery reports' reader
    if kind == "message/rfc822" or (part.is_multipart() and kind.startswith("message/")):
        found.attachments.append(_forwarded(part))
        return
    if part.is_multipart():
        payload = part.get_payload()
        children = payload if isinstance(payload, list) else []
        report = kind == "multipart/report"
        for child in children:
            if isinstance(child, Message):
                _walk(child, found, depth + 1, in_report or report)
        return
    name = _filename(part)
    disposition = _disposition(part)
    if kind in ("text/plain", "text/html") and disposition != "attachment" and not name:
        data = _payload(part)
        try:
            charset = part.get_content_charset()
        except Exception:
            charset = None
        text, problem = decode_bytes(data, charset)
        if problem and problem not in found.problems:
            found.problems.append(problem)
        (found.text if kind == "text/plain" else found.html).append(text)
        return
    found.attachments.append(Attachment(name, kind, _payload(part), inline=disposition == "inline"))


def _forwarded(part: Message) -> Attachment:
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    try:
        data = inner.as_bytes() if isinstance(inner, Message) else _payload(part)
    except Exception:
        data = _payload(part)
    subject = header_text(inner, "Subject", limit=80) if isinstance(inner, Message) else ""
    return Attachment(_filename(part) or f"{subject or 'message'}.eml", "message/rfc822", data)


# --- the whole message -------------------------------------------------------------------------


def synthetic_id(sha256: str) -> str:
    """The id of a message that has none: its bytes' hash, so the same message fetched again
    (or from another mailbox) has the same one."""
    return f"<sha256.{sha256[:48]}@clientela.invalid>"


def _read(tree: Message, sha256: str, headers_only: bool) -> ParsedMessage:
    found = _Bodies()
    if not headers_only:
        _walk(tree, found, 0, False)
    own_ids = _id_header(tree, "Message-ID")
    senders = header_addresses(tree, "From") or header_addresses(tree, "Sender")
    from_name, from_address = senders[0] if senders else ("", "")
    text = storable("\n\n".join(t.strip("\n") for t in found.text))
    html = storable("\n".join(found.html))
    if not text.strip() and html:
        text = storable(html_text(html))
    references = _id_header(tree, "References")[-MAX_REFERENCES:]
    in_reply_to = (_id_header(tree, "In-Reply-To") or [""])[0]
    try:
        is_report = tree.get_content_type() == "multipart/report" and (
            str(tree.get_param("report-type") or "").lower() == "delivery-status")  # fmt: skip
    except Exception:
        is_report = False
    auto = header_text(tree, "Auto-Submitted", limit=40).lower()
    problems = found.problems + _defects(tree)
    return ParsedMessage(
        message_id=own_ids[0] if own_ids else synthetic_id(sha256),
        has_own_id=bool(own_ids),
        sha256=sha256,
        in_reply_to=in_reply_to,
        references=references,
        subject=header_text(tree, "Subject", limit=300),
        from_address=from_address,
        from_name=from_name,
        to=[address for _name, address in header_addresses(tree, "To")],
        cc=[address for _name, address in header_addresses(tree, "Cc")],
        date=_date(tree),
        text=text,
        html=html,
        attachments=found.attachments,
        tree=tree,
        is_report=is_report,
        headers_only=headers_only,
        problems=problems,
        auto_submitted=bool(auto) and auto != "no",
    )


def _defects(tree: Message) -> list[str]:
    names: list[str] = []
    try:
        parts = list(tree.walk())[:MAX_PARTS]
    except Exception:
        return ["unreadable structure"]
    for part in parts:
        for defect in getattr(part, "defects", []):
            name = type(defect).__name__
            if name not in names:
                names.append(name)
    return [f"malformed: {', '.join(names[:5])}"] if names else []


def parse_message(raw: bytes, *, headers_only: bool = False) -> ParsedMessage:
    """Read a message (RFC 5322 bytes, as an IMAP server gives it). Never raises for bad input:
    what cannot be read strictly is read leniently, and `problems` says what was odd."""
    sha256 = hashlib.sha256(raw).hexdigest()
    parser = BytesHeaderParser if headers_only else BytesParser
    tree: Message
    try:
        tree = parser(policy=policy.default).parsebytes(raw)
        return _read(tree, sha256, headers_only)
    except Exception as strict_failure:
        tree = parser(policy=policy.compat32).parsebytes(raw)
        parsed = _read(tree, sha256, headers_only)
        parsed.problems.insert(0, f"read leniently ({type(strict_failure).__name__})")
        return parsed
