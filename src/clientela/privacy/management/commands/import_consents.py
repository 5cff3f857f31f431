"""`clientela import_consents FILE --as USERNAME`: consents from a CSV file (UTF-8, a header row):
contact (the contact's id), purpose (its code), channel, status (granted, withdrawn, refused),
captured_at, evidence (required: where and how it was given), valid_from, valid_until, form.

Every row is checked first; a bad row stops the import with every error named by its row
(`rows[3].evidence: an imported consent needs its evidence`) and nothing is written.
"""

from __future__ import annotations

import csv
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientela.accounts import queries as account_queries
from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.privacy import actions

COLUMNS = ("contact", "purpose", "channel", "status", "captured_at", "evidence", "valid_from", "valid_until", "form")
MAX_ROWS = 100_000


class Command(BaseCommand):
    help = "Import consents (with their evidence) from a CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, help="the user the consents are recorded by")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = account_queries.active_user_named(options["username"])
        if actor is None:
            raise CommandError(f"no active user {options['username']!r}")
        try:
            with open(options["file"], encoding="utf-8-sig", newline="") as handle:
                reader = csv.DictReader(handle)
                unknown = [name for name in reader.fieldnames or [] if name not in COLUMNS]
                if unknown or "contact" not in (reader.fieldnames or []):
                    raise CommandError(f"columns must be among {', '.join(COLUMNS)} (unknown: {', '.join(unknown)})")
                rows = []
                for row in reader:
                    rows.append({k: (v or "").strip() for k, v in row.items() if k})
                    if len(rows) > MAX_ROWS:
                        raise CommandError(f"at most {MAX_ROWS} rows per file")
        except (OSError, UnicodeDecodeError, csv.Error) as failure:
            raise CommandError(f"cannot read {options['file']}: {failure}") from None
        try:
            written = actions.consents_import(actor=actor, rows=rows)
        except ValidationFailed as failed:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in failed.errors[:50])) from None
        except PermissionDenied as denied:
            raise CommandError(str(denied)) from None
        self.stdout.write(f"imported {len(written)} consent(s)")
