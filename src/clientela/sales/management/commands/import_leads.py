"""`clientela import_leads FILE --as USERNAME`: import leads from a CSV or XLSX file now.

Prints every row error (row, column, message) and a summary. Exits non-zero when the file
cannot be used, or when rows have errors in all-or-nothing mode (then nothing is written).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientela.parties.importing.rows import ALL_OR_NOTHING, MODE_CHOICES
from clientela.parties.management.options import actor_named, existing_file, import_refusals, parse_mapping
from clientela.sales.importing import import_leads


class Command(BaseCommand):
    help = "Import leads from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME",
                            help="the user the import acts as (permissions, default owner, change log)")  # fmt: skip
        parser.add_argument("--mapping", help='{"column header": "field"} as JSON, or a JSON file; "" ignores a column')
        parser.add_argument("--mode", default=ALL_OR_NOTHING, help=" | ".join(MODE_CHOICES))
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["mode"] not in MODE_CHOICES:
            raise CommandError(f"--mode must be one of: {', '.join(MODE_CHOICES)}")
        path = existing_file(options["file"])
        actor = actor_named(options["username"])
        with import_refusals(options["username"]):
            report = import_leads(
                path, actor=actor, mapping=parse_mapping(options["mapping"]), mode=options["mode"],
                dry_run=options["dry_run"],
            )  # fmt: skip
        for problem in report.errors:
            self.stdout.write(f"row {problem.row}, column {problem.column}: {problem.message}")
        verb = "would create" if report.dry_run else "created"
        self.stdout.write(
            f"{report.rows:,} rows: {verb} {report.created:,}, skipped {report.skipped:,} (e-mail already a lead's), "
            f"{report.failed:,} with errors"
        )
        if not report.ok and report.mode == ALL_OR_NOTHING and not report.dry_run:
            raise CommandError(f"{report.failed:,} rows have errors; nothing was written (all-or-nothing)")
