"""`clientela rebuild_sales_figures`: recompute the kept sales figures from the deals and leads.

Needed only after deals or leads were written behind the actions' back (a bulk load with SQL,
a restore of some tables); the worker also builds them when they are missing. With `--check`,
nothing is written: the command says whether the kept figures equal a rebuild (exit 1 if not).
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from clientela.sales import actions, queries


class Command(BaseCommand):
    help = "Recompute the sales figures the dashboard and the forecasts read."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="compare with a rebuild, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        if options["check"]:
            with transaction.atomic():
                kept = queries.figures_kept()
                actions.figures_rebuild()
                rebuilt = queries.figures_kept()
                transaction.set_rollback(True)
            if kept != rebuilt:
                raise CommandError(f"the kept figures differ from a rebuild in {len(kept ^ rebuilt):,} rows")
            self.stdout.write(f"the kept figures equal a rebuild ({len(kept):,} rows)")
            return
        written = actions.figures_rebuild()
        rows = ", ".join(f"{count:,} {kind} rows" for kind, count in written.items())
        self.stdout.write(f"sales figures rebuilt in {time.perf_counter() - started:.1f} s: {rows}")
