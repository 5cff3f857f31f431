"""Background work of the sales app, run by the job worker (`clientela worker`, and so by
README command 1)."""

from __future__ import annotations

import datetime as dt
import logging

from django.utils import timezone

from clientela.sales import actions, forecasting, importing, queries

logger = logging.getLogger(__name__)
SNAPSHOT_MONTHS = 6  # this month and the five after it


def take_monthly_snapshot() -> str | None:
    """A housekeeping check: once a month, the first time the worker looks, keep the whole
    forecast (every deal) for this month and the five after, so it can be compared later with
    what closed. Idempotent: a month that has its worker's snapshot gets no second one."""
    month = forecasting.month_start(timezone.localdate())
    if forecasting.snapshots().filter(taken_by__isnull=True, first_period=month).exists():
        return None
    last = month
    for _n in range(SNAPSHOT_MONTHS - 1):
        last = forecasting.next_month(last)
    snapshot = actions.forecast_snapshot_take(
        actor=None, first_period=month, last_period=last, label=f"monthly {month:%Y-%m}"
    )
    return f"forecast snapshot of {month:%Y-%m} with {len(snapshot.rows)} rows"


LEAD_IMPORT_FILES_KEPT = dt.timedelta(days=1)


def purge_lead_import_files() -> str | None:
    """A housekeeping check: delete the lead import page's uploads left behind for a day (a file
    checked and never imported); an imported file is deleted at once."""
    directory = importing.upload_directory()
    if not directory.is_dir():
        return None
    cutoff = (timezone.now() - LEAD_IMPORT_FILES_KEPT).timestamp()
    removed = 0
    for path in directory.iterdir():
        if path.is_file() and path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
            removed += 1
    return f"{removed} lead import files deleted" if removed else None


def build_missing_figures() -> str | None:
    """A housekeeping check: build the sales figures when there are deals or leads but no figures
    (a new installation upgraded from a version without them, a database restored without them)."""
    if not queries.figures_missing():
        return None
    written = actions.figures_rebuild()
    rows = ", ".join(f"{count} {kind} rows" for kind, count in written.items())
    return f"sales figures built: {rows}"
