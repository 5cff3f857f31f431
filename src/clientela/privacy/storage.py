"""Making erased data unreadable in the database's files, not only in its rows.

SQLite: every connection runs with `PRAGMA secure_delete=ON` (settings.py), so a deleted or
overwritten row's bytes are zeroed in the page, and freed pages are zeroed too. The old pages
still sit in the write-ahead log until a checkpoint copies the new ones over them:
`wal_checkpoint(TRUNCATE)` does that and empties the WAL file. `CLIENTELA_ERASURE_VACUUM=1`
also rewrites the whole file (VACUUM), for a database that was written before secure_delete
was on.

PostgreSQL: an update leaves the old row version as a dead tuple until VACUUM removes it; the
erasure's tables are vacuumed after the commit (by the worker). VACUUM makes the space
reusable, it does not promise to zero it: `VACUUM FULL` rewrites a table into a new file.
Backups, WAL archives and replicas keep what they hold — docs/privacy.md says what an operator
does about them (`clientela reapply_erasures` after a restore).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)


def reclaim_sqlite() -> tuple[int, int, int]:
    """Zeroed pages out of the WAL into the file, the WAL emptied: (busy, log pages, checkpointed)."""
    with connection.cursor() as cursor:
        if settings.CLIENTELA_ERASURE_VACUUM:
            cursor.execute("VACUUM")
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, log, done = cursor.fetchone()
    if busy:
        logger.warning("erasure: the WAL checkpoint was blocked by a reader; it is retried at the next erasure")
    return busy, log, done


def vacuum_postgresql(tables: Iterable[str], *, full: bool = False) -> list[str]:
    """VACUUM each table (outside a transaction); returns the tables done."""
    done = []
    with connection.cursor() as cursor:
        for table in sorted(set(tables)):
            cursor.execute(f"VACUUM {'FULL ' if full else ''}{connection.ops.quote_name(table)}")
            done.append(table)
    return done


def reclaim(tables: Iterable[str]) -> str:
    if connection.vendor == "sqlite":
        busy, log, done = reclaim_sqlite()
        return f"sqlite checkpoint: busy={busy} log={log} checkpointed={done}"
    if connection.vendor == "postgresql":
        return f"vacuumed {len(vacuum_postgresql(tables))} tables"
    return "nothing to reclaim"
