"""`clientela reapply_erasures [--log FILE] [--as USERNAME]`: after restoring a database backup,
erase again every person erased since that backup was taken.

Each erasure appends the erased contact's id (never a name) to the erasure log
(CLIENTELA_ERASURE_LOG); a backup from before the erasure brings the person back, and this command
erases them again. Run it after every restore, before the system is used (docs/privacy.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientela.accounts import queries as account_queries
from clientela.privacy import actions


class Command(BaseCommand):
    help = "Erase again, after a database restore, every contact the erasure log names."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--log", default=settings.CLIENTELA_ERASURE_LOG, help="the erasure log (%(default)s)")
        parser.add_argument(
            "--as", dest="username", default="", help="an administrator's user name (default: the first)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["log"])
        if not path.exists():
            raise CommandError(f"no erasure log at {path}")
        name = options["username"]
        actor = account_queries.active_user_named(name) if name else account_queries.first_administrator()
        if actor is None or not getattr(actor.policy, "can_manage_privacy", False):
            raise CommandError("name an active user with the privacy permission (--as USERNAME)")
        done = actions.erasures_reapply(actor=actor, path=path)
        self.stdout.write(f"erased {len(done)} contact(s) again")
