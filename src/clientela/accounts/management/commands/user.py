"""`clientela user add USERNAME --role ROLE [--team TEAM] [--email E] --password-stdin`."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from clientela.accounts import actions, queries
from clientela.accounts.roles import Role
from clientela.core.context import acting_via
from clientela.core.errors import ValidationFailed


def read_password(stream: TextIO) -> str:
    """One line from standard input, without its line ending (other spaces are kept)."""
    line = stream.readline()
    return line.rstrip("\r\n")


class Command(BaseCommand):
    help = "Manage users. `user add USERNAME --role ROLE [--team TEAM] --password-stdin` adds one."
    # Lets tests pass a stream as call_command(..., stdin=...).
    stealth_options = ("stdin",)

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        add = commands.add_parser("add", help="add a user", description="Add a user; the password comes from stdin.")
        add.add_argument("username")
        add.add_argument("--role", required=True, help=f"one of: {', '.join(Role.values)}")
        add.add_argument("--team", help="team name (created if missing)")
        add.add_argument("--email", default="")
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")
        add.add_argument(
            "--password-stdin", action="store_true", help="read the password as one line from standard input"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "add":
            self.add(options)

    def add(self, options: dict[str, Any]) -> None:
        role = options["role"]
        if role not in Role.values:
            raise CommandError(f"unknown role {role!r}; valid roles: {', '.join(Role.values)}")
        if not options["password_stdin"]:
            raise CommandError("give the password as one line on standard input with --password-stdin")
        password = read_password(options.get("stdin") or sys.stdin)
        if not password:
            raise CommandError("the password read from standard input is empty")
        values = {
            "username": options["username"],
            "role": role,
            "email": options["email"],
            "first_name": options["first_name"],
            "last_name": options["last_name"],
        }
        team_name = (options.get("team") or "").strip()
        try:
            with acting_via("cli"), transaction.atomic():
                if team_name:
                    team = queries.team_by_name(team_name)
                    if team is None:
                        team = actions.team_create(actor=None, values={"name": team_name})
                        self.stdout.write(f"created team {team.name}")
                    values["team"] = team
                user = actions.user_create(actor=None, values=values, password=password)
        except ValidationFailed as failed:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in failed.errors)) from None
        team_text = f", team {user.team.name}" if user.team else ""
        self.stdout.write(f"created user {user.username} ({user.get_role_display()}{team_text})")
