"""The access and portability export (GDPR Art. 15 and 20): every row linked to the person,
as JSON and as CSV, in one ZIP.

The ZIP holds `manifest.json` (who asked, when, what it holds), `contact.json`, and for every
kind of linked row (`graph.linked_rows`: e-mail addresses, addresses, consents, activities,
e-mails, tasks, deals, invoices and their lines, ...) a `<app>.<model>.json` and `.csv` with
every column, the change log of all of them (`events.json`, `events.csv`) and the files the
apps keep for the person (`files/`: e-mail attachments). It is written under the data
directory, named by the request, and read back only by roles with the privacy permission.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils import timezone

from clientela.core.changelog import jsonable
from clientela.parties.models import Contact
from clientela.privacy import graph
from clientela.privacy.models import PrivacyRequest
from clientela.privacy.queries import require_privacy

if TYPE_CHECKING:
    from clientela.accounts.models import User

# Apps above this one that keep files for the person register a function returning them as
# (name inside the ZIP, bytes) pairs (channels: e-mail attachments).
FileSource = Callable[[Contact, list[graph.LinkedRows]], Iterator[tuple[str, bytes]]]
FILE_SOURCES: list[FileSource] = []
EXPORT_DIR = Path("privacy") / "exports"


def _csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    columns = list(dict.fromkeys(name for row in rows for name in row))
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {k: json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else v for k, v in row.items()}
        )
    return out.getvalue().encode("utf-8-sig")  # with a BOM, so a spreadsheet reads it as UTF-8


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True).encode()


def build_export(contact: Contact) -> tuple[bytes, dict[str, int]]:
    """The ZIP's bytes and how many rows of each kind it holds."""
    linked = graph.linked_rows(contact)
    counts: dict[str, int] = {"parties.contact": 1}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("contact.json", _json(graph.row_values(contact)))
        archive.writestr("contact.csv", _csv([graph.row_values(contact)]))
        for group in _merged(linked):
            rows = [graph.row_values(row) for row in group.rows]
            counts[group.label] = len(rows)
            archive.writestr(f"{group.label}.json", _json(rows))
            archive.writestr(f"{group.label}.csv", _csv(rows))
        events = [
            {
                "id": e.id, "occurred_at": jsonable(e.occurred_at), "action": e.action, "kind": e.kind,
                "record_type": e.record_type, "record_id": str(e.record_id), "changes": e.changes, "source": e.source,
            }
            for e in graph.events_of(graph.record_ids(contact, linked))
        ]  # fmt: skip
        counts["core.event"] = len(events)
        archive.writestr("events.json", _json(events))
        archive.writestr("events.csv", _csv(events))
        files = 0
        for source in FILE_SOURCES:
            for name, data in source(contact, linked):
                archive.writestr(f"files/{name}", data)
                files += 1
        counts["files"] = files
        manifest = {
            "contact": str(contact.public_id),
            "made_at": timezone.now().isoformat(),
            "contents": counts,
            "format": "one JSON and one CSV file per kind of record; every column; events.* is the change log",
        }
        archive.writestr("manifest.json", _json(manifest))
    return buffer.getvalue(), counts


def _merged(linked: list[graph.LinkedRows]) -> list[graph.LinkedRows]:
    """One group per model (a model reached by two relations is written once)."""
    merged: dict[str, graph.LinkedRows] = {}
    for group in linked:
        if group.label in merged:
            merged[group.label].rows.extend(group.rows)
        else:
            merged[group.label] = graph.LinkedRows(group.model, group.via, group.depth, list(group.rows))
    return list(merged.values())


def access_export(*, actor: User, request: PrivacyRequest) -> dict[str, int]:
    """Write the request's export under the data directory; returns what it holds."""
    require_privacy(actor)
    if request.contact is None:
        return {}
    data, counts = build_export(request.contact)
    relative = EXPORT_DIR / f"{request.public_id}.zip"
    path = Path(settings.DATA_DIR) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".part")
    temporary.write_bytes(data)
    temporary.replace(path)
    PrivacyRequest.all_objects.filter(pk=request.pk).update(
        export_file=str(relative), export_sha256=hashlib.sha256(data).hexdigest()
    )
    request.export_file = str(relative)
    return counts
