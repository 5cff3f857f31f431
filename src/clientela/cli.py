"""The `clientela` command.

`clientela analytics ...` runs the analyst's tools without Django or a database.
Every other command is a Django management command of one of the apps, run with
the project's settings: serve, worker, migrate, demo, user, token, import, export
(and any other `manage.py` command, e.g. `clientela check --deploy`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from clientela.settings_env import ImproperSetting

USAGE = """usage: clientela COMMAND [ARGS]

commands:
  serve            run the web server (granian) on 127.0.0.1:${PORT:-8000}
  worker           run background jobs
  migrate          create or update the database tables
  demo             load the demo data (refuses a non-empty database unless --force)
  user add         add a user: user add USERNAME --role ROLE [--team TEAM] --password-stdin
  token create     print a new API token for a user: token create USERNAME
  import           import organizations or contacts from CSV/XLSX
  import_leads     import leads from CSV/XLSX: import_leads FILE --as USERNAME
  export           export organizations or contacts to CSV/XLSX
  analytics        customer analytics on transaction files (no database needed)
  (any Django management command, e.g. `clientela check --deploy`)
"""


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command == "analytics":
        from clientela.analytics.cli import main as analytics_main

        return analytics_main(rest)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["clientela", command, *rest])
    except KeyboardInterrupt:
        return 130
    except ImproperSetting as error:  # a bad CLIENTELA_* variable: say which, in one line
        print(f"clientela: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
