"""`clientela worker`: django-tasks' database worker (`db_worker`, every option of it), and beside it
the housekeeping checks (`core/housekeeping.py`): once before the first task, then every
`--housekeeping-every` seconds — e.g. handing on an import whose worker stopped."""

from __future__ import annotations

import os
from argparse import ArgumentParser
from typing import Any

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from clientela.core import housekeeping


class Command(DatabaseWorkerCommand):
    help = "Run background jobs, and the checks that hand on jobs whose worker stopped."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--housekeeping-every",
            type=float,
            default=housekeeping.EVERY,
            help="seconds between two rounds of the housekeeping checks (default %(default)s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        every = options.pop("housekeeping_every")
        # With --reload the tasks run in a child process that runs this command again: the checks run there.
        if options["batch"] or not options["reload"] or os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
            housekeeping.run_checks()
            if every > 0:
                housekeeping.Housekeeper(every).start()
        super().handle(*args, **options)
