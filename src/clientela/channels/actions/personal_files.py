"""The person's files the channels keep outside their rows: e-mail attachments, stored under
the data directory by SHA-256. The privacy app calls these (registered in `apps.py`) to put them
in an access export and to delete them on erasure — a file only when no other e-mail still
holds the same bytes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from clientela.channels.inbound import attachments as stored_files
from clientela.channels.models import EmailAttachment


def _attachments(linked: list[Any]) -> list[EmailAttachment]:
    email_ids = [row.pk for group in linked if group.label == "channels.email" for row in group.rows]
    return list(EmailAttachment.objects.filter(email_id__in=email_ids).order_by("pk"))


def export_files(contact: Any, linked: list[Any]) -> Iterator[tuple[str, bytes]]:
    for attachment in _attachments(linked):
        if attachment.refused or not attachment.sha256:
            continue
        try:
            with stored_files.open_stored(attachment.sha256) as handle:
                data = handle.read()
        except (OSError, ValueError):
            continue
        yield f"attachments/{attachment.pk}-{stored_files.safe_filename(attachment.filename)}", data


def erase_files(contact: Any, linked: list[Any], identifiers: Any) -> int:
    """Delete the person's e-mails' attachments (rows and files)."""
    attachments = _attachments(linked)
    if not attachments:
        return 0
    hashes = {a.sha256 for a in attachments if a.sha256}
    EmailAttachment.objects.filter(pk__in=[a.pk for a in attachments]).delete()
    still_used = set(EmailAttachment.objects.filter(sha256__in=hashes).values_list("sha256", flat=True))
    removed = 0
    for sha256 in hashes - still_used:
        try:
            path = stored_files.path_for(sha256)
        except ValueError:
            continue
        if path.exists():
            path.unlink()
            removed += 1
    return removed
