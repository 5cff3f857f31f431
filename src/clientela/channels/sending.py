"""An outgoing `Email` as the message the mail server is given: text/plain in UTF-8, its files
attached as they were stored, From with the sender's name, Cc, and the threading headers of a
reply (In-Reply-To and References). Its Message-ID is the one kept with the e-mail
(`core.mailing.deliver` sets it), so each attempt sends the same message.

Django writes the headers: a name or subject outside ASCII is encoded (RFC 2047), and a header
holding a line break is refused — though the actions never let one in (`channels.composing`).
"""

from __future__ import annotations

from email import encoders
from email.mime.base import MIMEBase
from email.utils import formataddr

from django.core.mail import EmailMessage

from clientela.channels.inbound import attachments as stored_files
from clientela.channels.models import Email


def from_header(email: Email) -> str:
    return formataddr((email.from_name, email.from_address)) if email.from_name else email.from_address


def build_message(email: Email) -> EmailMessage:
    """The message for `email` (its attachments read from the data directory; a file missing
    there raises OSError, which the worker treats as a failed attempt)."""
    headers: dict[str, str] = {}
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
        headers["References"] = email.references or email.in_reply_to
    message = EmailMessage(
        subject=email.subject, body=email.body_text, from_email=from_header(email), to=list(email.to),
        cc=list(email.cc), headers=headers,
    )  # fmt: skip
    message.encoding = "utf-8"
    for attachment in email.attachments.all():
        if attachment.refused or not attachment.sha256:
            continue
        with stored_files.open_stored(attachment.sha256) as stored:
            content = stored.read()
        message.attach(_part(attachment.filename, content, attachment.content_type))
    return message


def _part(filename: str, content: bytes, content_type: str) -> MIMEBase:
    """A file as a base64 part whatever its type, so its bytes arrive exactly as stored (Django
    would re-encode a text file's lines); a name outside ASCII is written as RFC 2231 says."""
    main, _slash, sub = (content_type or stored_files.OCTET_STREAM).partition("/")
    part = MIMEBase(main, sub or "octet-stream")
    if content_type == "text/calendar":  # an invitation: mail programs offer to accept it (RFC 6047)
        method = next((line.split(":", 1)[1].strip() for line in content.decode("utf-8", "replace").splitlines()
                       if line.startswith("METHOD:")), "")  # fmt: skip
        part.set_param("charset", "utf-8")
        if method.isalpha():
            part.set_param("method", method)
    part.set_payload(content)
    encoders.encode_base64(part)
    name: str | tuple[str, str, str] = filename if filename.isascii() else ("utf-8", "", filename)
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part
