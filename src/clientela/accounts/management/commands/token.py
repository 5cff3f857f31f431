"""`clientela token create|revoke|list`: personal API tokens from the server's shell."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from clientela.accounts import actions, queries
from clientela.accounts.models import ApiToken
from clientela.core.context import acting_via
from clientela.core.errors import NotFound, ValidationFailed

MAX_EXPIRY_DAYS = 3650


def _status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "active" if token.is_active else "expired"


def _when(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else "-"


class Command(BaseCommand):
    help = "Personal API tokens: create (prints the token as the last line), revoke, list."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        create = commands.add_parser("create", help="create a token; the token is the last line printed")
        create.add_argument("username")
        create.add_argument("--name", default="", help="what the token is for")
        create.add_argument("--expires-days", type=int, default=None, help="days until it expires (default: never)")
        revoke = commands.add_parser("revoke", help="revoke a token by its id or the prefix `token list` shows")
        revoke.add_argument("token", metavar="TOKEN_PREFIX_OR_ID")
        listing = commands.add_parser("list", help="list a user's tokens")
        listing.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_via("cli"):
            getattr(self, options["action"])(options)

    def _user(self, username: str) -> Any:
        try:
            return queries.user_by_username(username)
        except NotFound:
            raise CommandError(f"no user named {username!r}") from None

    def create(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        days = options["expires_days"]
        if days is not None and not 1 <= days <= MAX_EXPIRY_DAYS:
            raise CommandError(f"--expires-days must be between 1 and {MAX_EXPIRY_DAYS}")
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            token, raw = actions.token_create(actor=None, user=user, name=options["name"], expires_at=expires_at)
        except ValidationFailed as failed:
            raise CommandError("; ".join(f"{e.field}: {e.message}" for e in failed.errors)) from None
        expiry = f", expires {_when(token.expires_at)}" if token.expires_at else ""
        self.stdout.write(f"token {token.public_id} for {user.username}{expiry} (shown once; keep it secret):")
        self.stdout.write(raw)

    def revoke(self, options: dict[str, Any]) -> None:
        found = queries.token_lookup(options["token"])
        if not found:
            raise CommandError(f"no token matches {options['token']!r}")
        if len(found) > 1:
            raise CommandError(f"{len(found)} tokens match {options['token']!r}; give the token's id")
        token = actions.token_revoke(actor=None, token=found[0])
        self.stdout.write(f"revoked token {token.lookup_prefix}… ({token.public_id}) of {token.user.username}")

    def list(self, options: dict[str, Any]) -> None:
        user = self._user(options["username"])
        tokens = queries.tokens_of(user)
        if not tokens:
            self.stdout.write(f"{user.username} has no tokens")
            return
        self.stdout.write(
            f"{'id':36}  {'prefix':12}  {'status':7}  {'created':16}  {'expires':16}  {'last used':16}  name"
        )
        for token in tokens:
            self.stdout.write(
                f"{token.public_id!s:36}  {token.lookup_prefix:12}  {_status(token):7}  {_when(token.created_at):16}  "
                f"{_when(token.expires_at):16}  {_when(token.last_used_at):16}  {token.name}"
            )
