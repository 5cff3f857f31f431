"""`clientela export contacts|organizations --as USERNAME`: export a filtered list to CSV or XLSX.

The user's visibility applies, and their role must allow exporting. Cells a
spreadsheet would run as formulas get a leading apostrophe (see parties.exporting).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import QueryDict

from clientela.accounts import queries as accounts_queries
from clientela.core.errors import NotFound, PermissionDenied
from clientela.parties import exporting, listing

ENTITIES = {
    "contacts": "contact",
    "contact": "contact",
    "organizations": "organization",
    "organization": "organization",
}


class Command(BaseCommand):
    help = "Export contacts or organizations (the list's filters apply) to CSV or XLSX."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("entity", choices=sorted(ENTITIES), metavar="contacts|organizations")
        parser.add_argument("--as", dest="username", required=True, metavar="USERNAME")
        parser.add_argument(
            "--format", choices=exporting.FORMATS, help="csv or xlsx (default: from --output, else csv)"
        )
        parser.add_argument("--output", help="file to write (default: standard output, CSV only)")
        parser.add_argument("--q", default="", help="search text, as in the list's search box")
        parser.add_argument("--tag", action="append", default=[], help="only records with this tag (repeatable)")
        parser.add_argument("--stage", default="", help="lifecycle stage")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = accounts_queries.user_by_username(options["username"])
        except NotFound:
            raise CommandError(f"no user named {options['username']!r}") from None
        output = Path(options["output"]) if options["output"] else None
        file_format = options["format"] or ("xlsx" if output and output.suffix.lower() == ".xlsx" else "csv")
        if file_format == "xlsx" and output is None:
            raise CommandError("--format xlsx needs --output FILE")
        if output is not None and not output.parent.is_dir():
            raise CommandError(f"no such folder: {output.parent}")
        entity = ENTITIES[options["entity"]]
        query = QueryDict(mutable=True)
        for key in ("q", "stage"):
            if options[key]:
                query[key] = options[key]
        tags = options["tag"]
        if tags:
            query["tag"] = tags[0]
        filters = listing.parse_filters(entity, query, listing.filterable_fields(entity))
        queryset = listing.filtered(user, filters)
        for tag in tags[1:]:
            queryset = queryset.filter(tags__name=tag)
        try:
            table = exporting.rows(user, entity, queryset)
        except PermissionDenied as error:
            raise CommandError(f"{options['username']}: {error}") from None
        count = 0

        def counted() -> Any:
            nonlocal count
            for index, row in enumerate(table):
                count = index
                yield row

        if file_format == "csv" and output is None:
            for chunk in exporting.csv_chunks(counted()):
                self.stdout.write(chunk.decode("utf-8"), ending="")
        elif file_format == "csv":
            assert output is not None
            with output.open("wb") as target:
                for chunk in exporting.csv_chunks(counted()):
                    target.write(chunk)
        else:
            assert output is not None
            with exporting.xlsx_file(counted(), title=entity) as workbook, output.open("wb") as target:
                target.write(workbook.read())
        if output is not None:
            self.stderr.write(f"exported {count:,} {entity}s to {output}")
