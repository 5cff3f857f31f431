"""`clientela sort_indexes [--languages hu,pl] [--drop]`: indexes that keep the list pages'
sort by name fast in each reader's language on a large PostgreSQL database.

The pages sort names with the reader's ICU collation (core.collation). Without an index in
that collation PostgreSQL sorts every visible record for each page: at a million contacts
about 120 ms for an administrator's unfiltered list. One index per language makes it an
index range (about 1 ms), but every index costs each imported or changed record a little
(about 3 µs per index per row measured; building one takes about 1.3 s per million rows).
So the operator chooses the languages their users read; nothing is built by default.
SQLite (a small database) needs none.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from clientela.core import collation
from clientela.parties.queries import NAME_ORDER

# table -> the columns of the lists' name order (queries.NAME_ORDER), id last
NAME_ORDERS = {
    f"parties_{entity}": tuple(column for column in order if column != "id") for entity, order in NAME_ORDER.items()
}


def index_name(table: str, language: str) -> str:
    return f"{table}_name_{language}"


def definition(table: str, language: str) -> str:
    name = collation.collation_for(language)
    columns = ", ".join(f'{column} COLLATE "{name}"' for column in NAME_ORDERS[table])
    return f"{table} ({columns}, id) WHERE deleted_at IS NULL"


def existing() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = ANY(%s)", [list(NAME_ORDERS)])
        return {row[0] for row in cursor.fetchall()}


class Command(BaseCommand):
    help = "Create (or --drop) the PostgreSQL indexes that sort the list pages by name in each language."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--languages",
            default=",".join(code for code, _name in settings.LANGUAGES),
            help="comma-separated interface languages (default: all of them)",
        )
        parser.add_argument("--drop", action="store_true", help="drop the indexes of these languages instead")

    def handle(self, *args: Any, **options: Any) -> None:
        offered = [code for code, _name in settings.LANGUAGES]
        languages = [code.strip().lower() for code in options["languages"].split(",") if code.strip()]
        unknown = [code for code in languages if code not in offered]
        if unknown or not languages:
            raise CommandError(
                f"--languages: {', '.join(unknown) or '(none)'} is not one of the interface's languages: "
                + ", ".join(offered)
            )
        if connection.vendor != "postgresql":
            self.stdout.write("SQLite sorts its lists without these indexes; nothing to do.")
            return
        there = existing()
        for table in NAME_ORDERS:
            for language in languages:
                name = index_name(table, language)
                with connection.cursor() as cursor:
                    if options["drop"]:
                        if name in there:
                            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
                            self.stdout.write(f"dropped {name}")
                    elif name not in there:
                        cursor.execute(
                            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {definition(table, language)}"
                        )
                        self.stdout.write(f"created {name}")
                    else:
                        self.stdout.write(f"{name} is there")
