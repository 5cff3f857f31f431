"""Background work of the sales app, run by the job worker (`clientela worker`, and so by
README command 1)."""

from __future__ import annotations

import logging

from django.utils import timezone

from clientela.sales import actions, forecasting

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
