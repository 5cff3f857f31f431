"""The rules of an e-mail we send, checked before anything is written: its addresses, subject,
text and files. Pure checks — each bad field becomes a `FieldError` naming it — so the action,
the compose page and the API refuse the same things in the same words.

A header is one line: a line break (or NUL) in a subject or an address would let whoever typed
it add headers of their own (a Bcc to anyone), so it is refused, never cleaned away silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError

MAX_SUBJECT = 300
MAX_BODY = 200_000
MAX_RECIPIENTS = 50  # To and Cc together
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_FILES_BYTES = 20 * 1024 * 1024
MAX_FILES = 20
HEADER_BREAKS = re.compile(r"[\r\n\x00\u2028\u2029\x85]")
_SEPARATORS = re.compile(r"[,; \t]+")  # not line breaks: those stay in, to be refused


@dataclass(frozen=True)
class Upload:
    """A file to send: its name as the sender gave it, its bytes, and the type they declared."""

    filename: str
    content: bytes
    content_type: str = ""


def breaks_header(text: str) -> bool:
    return bool(HEADER_BREAKS.search(text or ""))


def split_addresses(value: object) -> list[str] | None:
    """Addresses given as a list, or as one text separated by commas, semicolons or spaces;
    None when it is neither. A line break stays inside its address (and is refused there)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in _SEPARATORS.split(value.strip()) if part]
    if isinstance(value, list | tuple) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    return None


def check_addresses(name: str, addresses: list[str], errors: list[FieldError]) -> list[str]:
    """The addresses that are plain e-mail addresses; each other one is an error at `name[i]`."""
    good: list[str] = []
    for index, address in enumerate(addresses):
        where = f"{name}[{index}]"
        if breaks_header(address):
            errors.append(FieldError(where, "header_injection", _("an address must be one line")))
            continue
        try:
            validate_email(address)
        except ValidationError:
            errors.append(FieldError(where, "invalid", _("is not an e-mail address")))
            continue
        good.append(address)
    return good


def check_subject(subject: str, errors: list[FieldError]) -> None:
    if breaks_header(subject):
        errors.append(FieldError("subject", "header_injection", _("the subject must be one line")))
    elif not subject.strip():
        errors.append(FieldError("subject", "required", _("This field cannot be blank.")))
    elif len(subject) > MAX_SUBJECT:
        errors.append(FieldError("subject", "too_long", _("at most %(n)d characters") % {"n": MAX_SUBJECT}))


def check_body(body: str, errors: list[FieldError]) -> None:
    if "\x00" in body:
        errors.append(FieldError("body_text", "invalid", _("must not contain NUL characters")))
    elif len(body) > MAX_BODY:
        errors.append(FieldError("body_text", "too_long", _("at most %(n)d characters") % {"n": MAX_BODY}))


def check_uploads(uploads: list[Upload], errors: list[FieldError]) -> None:
    """At most MAX_FILES files of at most MAX_FILE_BYTES each and MAX_FILES_BYTES together."""
    if len(uploads) > MAX_FILES:
        errors.append(FieldError("attachments", "too_many", _("at most %(n)d files") % {"n": MAX_FILES}))
        return
    for index, upload in enumerate(uploads):
        if len(upload.content) > MAX_FILE_BYTES:
            errors.append(FieldError(f"attachments[{index}]", "too_large", _("a file may be at most %(n)d MB")
                                     % {"n": MAX_FILE_BYTES // (1024 * 1024)}))  # fmt: skip
    if sum(len(upload.content) for upload in uploads) > MAX_FILES_BYTES:
        errors.append(FieldError("attachments", "too_large", _("the files may be at most %(n)d MB together")
                                 % {"n": MAX_FILES_BYTES // (1024 * 1024)}))  # fmt: skip


def reply_subject(subject: str) -> str:
    """The subject of a reply: "Re: " before the original's, once."""
    subject = (subject or "").strip()
    return subject if subject.lower().startswith("re:") else f"Re: {subject}".strip()


MAX_REFERENCES = 20  # the newest Message-IDs of a thread carried in a reply's References


def reply_references(parent_references: str, parent_message_id: str) -> str:
    """A reply's References: its parent's, then the parent's own Message-ID (the newest kept)."""
    chain = [item for item in (parent_references or "").split() if item]
    if parent_message_id:
        chain.append(parent_message_id)
    return " ".join(chain[-MAX_REFERENCES:])
