"""`clientela purge_imports [--days N]`: delete uploaded import files that are no longer needed.

Run it daily (cron or a systemd timer, see docs/deployment.md). Finished imports keep
their report; only the uploaded file goes. Drafts nobody started are deleted.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientela.parties import actions


class Command(BaseCommand):
    help = "Delete uploaded import files of imports finished (or drafts left) more than N days ago."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=settings.IMPORT_FILE_DAYS,
            help="keep files this many days (default: CLIENTELA_IMPORT_FILE_DAYS, %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 0:
            raise CommandError("--days must be 0 or more")
        purged = actions.import_files_purge(older_than=dt.timedelta(days=days))
        self.stdout.write(
            f"removed {purged.files_removed} uploaded file(s); deleted {purged.drafts_deleted} unstarted draft(s)"
        )
