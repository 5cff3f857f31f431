"""`clientela demo`: load reproducible demo data (5 teams, 15 users, about 2,000
organizations, 10,000 contacts, 5,000 deals in two pipelines over three years and 400
leads). Refuses a database that has data unless --force."""

from __future__ import annotations

import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _

from clientela.accounts.models import User
from clientela.site.demo import cast
from clientela.site.demo.load import database_is_empty, load

DEFAULT_SEED = 2024


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 20:
        raise ArgumentTypeError("must be above 0 and at most 20")
    return value


class Command(BaseCommand):
    help = "Load the demo data (refuses a database that is not empty unless --force)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--force", action="store_true", help="add the demo data even if the database has data")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
        parser.add_argument(
            "--scale",
            type=_scale,
            default=1.0,
            help="1.0 = 2,000 organizations, 10,000 contacts, 5,000 deals (default 1.0)",
        )
        parser.add_argument("--status", action="store_true", help="only print 'empty' or 'not empty' for the database")
        parser.add_argument("--logins", action="store_true", help="only print the demo logins that exist")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            empty = database_is_empty()
        except DatabaseError as error:
            raise CommandError(
                _("cannot read the database (%(error)s); run `clientela migrate` first") % {"error": error},
                returncode=1,
            ) from None
        if options["status"]:
            self.stdout.write("empty" if empty else "not empty")
            return
        if options["logins"]:
            self.print_logins()
            return
        if not empty and not options["force"]:
            raise CommandError(_("the database is not empty; use --force to add the demo data anyway"), returncode=1)
        started = time.monotonic()
        self.stdout.write(
            _("Loading demo data (seed %(seed)s, scale %(scale)s)...")
            % {"seed": options["seed"], "scale": options["scale"]}
        )
        loaded = load(seed=options["seed"], scale=options["scale"], seeded_ids=empty, progress=self.progress)
        self.stdout.write(
            _(
                "Loaded %(organizations)s organizations, %(contacts)s contacts, %(relationships)s relationships, "
                "%(deals)s deals, %(leads)s leads, %(users)s users in %(teams)s teams and %(events)s change-log "
                "events in %(seconds).1f s."
            )
            % {**loaded.__dict__, "seconds": time.monotonic() - started}
        )
        self.print_logins()

    def progress(self, stage: str, done: int, total: int) -> None:
        line = f"  {stage:<18} {done:>6} / {total}"
        if self.stdout.isatty():  # redraw one line per stage
            self.stdout.write("\r" + line, ending="\n" if done >= total else "")
            self.stdout.flush()
        else:
            self.stdout.write(line)

    def print_logins(self) -> None:
        usernames = [u.username for u in cast.USERS]
        existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
        rows = [(u.username, cast.DEMO_PASSWORD, u.role, u.team or "-") for u in cast.USERS if u.username in existing]
        if not rows:
            self.stdout.write(_("No demo users in this database."))
            return
        header = (_("username"), _("password"), _("role"), _("team"))
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
        self.stdout.write("")
        self.stdout.write(_("Demo logins:"))
        for row in (header, *rows):
            self.stdout.write(
                "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
            )
