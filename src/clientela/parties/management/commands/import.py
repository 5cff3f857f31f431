"""`clientela import contacts|organizations FILE --as USERNAME`: import a CSV/XLSX file now.

Runs in the foreground with a progress line on standard error; prints every row
error (row, column, message) and a summary. Exits non-zero when the file cannot
be used, or when rows have errors in all-or-nothing mode (then nothing is written).
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientela.parties.import_jobs import ImportOptions, ImportReport, run_import
from clientela.parties.importing.rows import ALL_OR_NOTHING, MATCH_CHOICES, MATCH_UPDATE, MODE_CHOICES
from clientela.parties.management.options import actor_named, existing_file, import_refusals, parse_mapping

ENTITIES = {
    "contacts": "contact",
    "contact": "contact",
    "organizations": "organization",
    "organization": "organization",
}


class _Progress:
    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.shown = -1
        self.tty = stream.isatty()

    def __call__(self, report: ImportReport) -> None:
        total = max(report.rows_total, report.rows_done, 1)
        percent = report.rows_done * 100 // total
        if report.finished:
            percent = 100
        if not self.tty and percent < self.shown + 10 and not report.finished:
            return
        if percent == self.shown and not report.finished:
            return
        self.shown = percent
        line = f"{report.rows_done:,} / {total:,} rows ({percent}%), {report.failed:,} with errors"
        if self.tty:
            self.stream.write("\r" + line + ("\n" if report.finished else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Import contacts or organizations from a CSV or XLSX file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", choices=sorted(ENTITIES), metavar="contacts|organizations")
        parser.add_argument("file")
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME",
                            help="the user the import acts as (permissions, owner, change log)")  # fmt: skip
        parser.add_argument("--mapping", help='{"column header": "field"} as JSON, or a JSON file; "" ignores a column')
        parser.add_argument("--mode", default=ALL_OR_NOTHING, help=" | ".join(MODE_CHOICES))
        parser.add_argument("--match", default=MATCH_UPDATE, help="what to do with rows matching a record: "
                            + " | ".join(MATCH_CHOICES))  # fmt: skip
        parser.add_argument("--dry-run", action="store_true", help="check everything, write nothing")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["mode"] not in MODE_CHOICES:
            raise CommandError(f"--mode must be one of: {', '.join(MODE_CHOICES)}")
        if options["match"] not in MATCH_CHOICES:
            raise CommandError(f"--match must be one of: {', '.join(MATCH_CHOICES)}")
        if not 1 <= options["batch_size"] <= 100_000:
            raise CommandError("--batch-size must be between 1 and 100000")
        path = existing_file(options["file"])
        actor = actor_named(options["username"])
        import_options = ImportOptions(
            entity=ENTITIES[options["entity"]], mapping=parse_mapping(options["mapping"]), mode=options["mode"],
            match=options["match"], dry_run=options["dry_run"], batch_size=options["batch_size"],
        )  # fmt: skip
        with import_refusals(options["username"]):
            report = run_import(path, actor=actor, options=import_options, progress=_Progress(sys.stderr))
        for problem in report.errors:
            self.stdout.write(f"row {problem.row}, column {problem.column}: {problem.message}")
        if report.error_count > len(report.errors):
            self.stdout.write(f"... and {report.error_count - len(report.errors):,} more errors")
        self.stdout.write(self._summary(report))
        if not report.ok and report.mode == ALL_OR_NOTHING and not report.dry_run:
            raise CommandError(f"{report.failed:,} rows have errors; nothing was written (all-or-nothing)")

    def _summary(self, report: ImportReport) -> str:
        verb = "would " if report.dry_run or not report.written else ""
        seconds = sum(report.seconds.values())
        rate = f", {report.rows_done / seconds:,.0f} rows/s" if seconds else ""
        return (
            f"{report.rows_done:,} rows: {verb}create {report.created:,}, {verb}update {report.updated:,}, "
            f"unchanged {report.unchanged:,}, skip {report.skipped:,}, errors in {report.failed:,} rows{rate}"
            + (" (dry run, nothing written)" if report.dry_run else "")
        )
