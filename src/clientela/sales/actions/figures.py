"""Keeping the sales figures (`models_figures.py`) in step with the deals and leads.

- `DEALS` and `LEADS` are the tallies `core.records` settles around every write of a deal or a
  lead (registered in `SalesConfig.ready()`): what the record counted for before the write is
  taken from the figures, what it counts for after is added, in the write's transaction.
- `figures_add` settles records written in bulk (history loads, imports), grouped by key.
- `figures_rebuild` recomputes every figure from the records, in SQL, under a table lock so that
  no write settles meanwhile: for a new installation, after a restore, or to check them.

A figure row is written by one upsert that adds to its numbers (`INSERT ... ON CONFLICT (key)
DO UPDATE SET n = n + excluded.n`, the same on SQLite and PostgreSQL), so concurrent writes of
different deals add up in any order.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, DateField, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from clientela.core.tallies import Counts, difference
from clientela.sales.forecasting import Cents
from clientela.sales.models import Deal, Lead, LeadStatus, Outcome, Stage, StageChange
from clientela.sales.models_figures import DealFigure, LeadFigure, StageFigure

DEAL_COLUMNS = ("pipeline_id", "stage_id", "owner_id", "team_id", "created_month", "closed_month", "outcome",
                "lost_reason_id", "forecast_category", "currency")  # fmt: skip
STAGE_COLUMNS = ("pipeline_id", "stage_id", "owner_id", "team_id", "won")
LEAD_COLUMNS = ("owner_id", "team_id", "created_month", "converted")
BATCH = 2000


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _local_date(moment: dt.datetime) -> dt.date:
    """The day of `moment` in the site's time zone (the figures' months are the site's)."""
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _cents(amount: Decimal | int | None) -> int:
    return int((Decimal(amount or 0) * 100).to_integral_value())


def _key(values: Iterable[Any]) -> str:
    return "|".join("" if value is None else str(value) for value in values)


# --- what one record counts for ---------------------------------------------------------------------


def deal_counts(deal: Deal, outcome: str, reached: Iterable[int]) -> Counts:
    """The figure rows a deal adds to: its own row of `DealFigure`, and, closed, one `StageFigure`
    row for each stage it ever entered (`reached`)."""
    if deal.deleted_at is not None:
        return {}
    created = _local_date(deal.created_at)
    closed = deal.closed_on if outcome != Outcome.OPEN else None
    lost_reason = deal.lost_reason_id if outcome == Outcome.LOST else None
    row = (deal.pipeline_id, deal.stage_id, deal.owner_id, deal.team_id, _month(created),
           _month(closed) if closed else None, outcome, lost_reason, deal.forecast_category, deal.currency)  # fmt: skip
    cycle = (closed - created).days if closed is not None else 0
    cents = _cents(deal.amount)
    counts: Counts = {("deal", row): (1, cents, cents * int(deal.probability or 0), cycle)}
    if outcome != Outcome.OPEN:
        won = outcome == Outcome.WON
        for stage_id in set(reached):
            counts[("stage", (deal.pipeline_id, stage_id, deal.owner_id, deal.team_id, won))] = (1,)
    return counts


def lead_counts(lead: Lead) -> Counts:
    if lead.deleted_at is not None:
        return {}
    row = (lead.owner_id, lead.team_id, _month(_local_date(lead.created_at)), lead.status == LeadStatus.CONVERTED)
    return {("lead", row): (1,)}


class _DealTally:
    def count(self, record: Any) -> Counts:
        if record.deleted_at is not None:
            return {}
        outcome = Stage.objects.values_list("outcome", flat=True).get(pk=record.stage_id)
        reached: list[int] = []
        if outcome != Outcome.OPEN:
            reached = list(StageChange.objects.filter(deal_id=record.pk).values_list("to_stage_id", flat=True))
        return deal_counts(record, outcome, reached)

    def settle(self, before: Counts, after: Counts) -> None:
        _write(difference(before, after))


class _LeadTally:
    def count(self, record: Any) -> Counts:
        return lead_counts(record)

    def settle(self, before: Counts, after: Counts) -> None:
        _write(difference(before, after))


DEALS = _DealTally()
LEADS = _LeadTally()


# --- writing ---------------------------------------------------------------------------------------

_TABLES: dict[str, tuple[type[Any], tuple[str, ...], tuple[str, ...]]] = {
    "deal": (DealFigure, DEAL_COLUMNS, ("deals", "amount_cents", "weighted", "cycle_days")),
    "stage": (StageFigure, STAGE_COLUMNS, ("deals",)),
    "lead": (LeadFigure, LEAD_COLUMNS, ("leads",)),
}


def _upsert_sql(kind: str) -> str:
    model, columns, numbers = _TABLES[kind]
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = ", ".join(quote(c) for c in ("key", *columns, *numbers))
    marks = ", ".join(["%s"] * (1 + len(columns) + len(numbers)))
    adds = ", ".join(f"{quote(n)} = {table}.{quote(n)} + excluded.{quote(n)}" for n in numbers)
    # Names from the models above, never from input; values are parameters.
    return f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT ({quote('key')}) DO UPDATE SET {adds}"  # noqa: S608


def _write(changes: Counts) -> None:
    """Add each key's numbers to its figure row (created at zero when new)."""
    by_kind: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for (kind, row), numbers in changes.items():
        by_kind[kind].append((_key(row), *row, *numbers))
    with connection.cursor() as cursor:
        for kind, params in by_kind.items():
            params.sort()  # the same order in every transaction: no deadlock between two writers
            for first in range(0, len(params), BATCH):
                cursor.executemany(_upsert_sql(kind), params[first : first + BATCH])


def figures_add(counts: Iterable[Counts]) -> None:
    """Add what many new records count for (a bulk load), grouped by key: one upsert per key."""
    total: dict[Any, list[int]] = {}
    for record_counts in counts:
        for key, numbers in record_counts.items():
            sums = total.setdefault(key, [0] * len(numbers))
            for index, number in enumerate(numbers):
                sums[index] += number
    _write({key: tuple(sums) for key, sums in total.items()})


# --- rebuilding from the records ----------------------------------------------------------------------


def figures_rebuild() -> dict[str, int]:
    """Recompute every figure from the deals, their stage history and the leads; returns the rows
    written per table. The figure tables are locked meanwhile (PostgreSQL), so a deal written
    during the rebuild settles after it, on top of the rebuilt figures."""
    zone = timezone.get_default_timezone()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            tables = ", ".join(connection.ops.quote_name(m._meta.db_table) for m, _c, _n in _TABLES.values())
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {tables} IN EXCLUSIVE MODE")
        for model, _columns, _numbers in _TABLES.values():
            model.objects.all().delete()
        written = {"deal": 0, "stage": 0, "lead": 0}
        created_day = TruncDate("created_at", tzinfo=zone)
        cycle = ExpressionWrapper(F("closed_on") - created_day, output_field=DurationField())
        deal_rows = (
            Deal.objects.annotate(
                created_month=TruncMonth("created_at", tzinfo=zone, output_field=DateField()),
                closed_month=TruncMonth("closed_on"),
                outcome=F("stage__outcome"),
            )
            .order_by()
            .values(
                "pipeline_id",
                "stage_id",
                "owner_id",
                "team_id",
                "created_month",
                "closed_month",
                "outcome",
                "lost_reason_id",
                "forecast_category",
                "currency",
            )  # fmt: skip
            .annotate(
                n=Count("id"),
                cents=Sum(Cents("amount")),
                weighted=Sum(ExpressionWrapper(Cents("amount") * F("probability"), output_field=BigIntegerField())),
                days=Sum(cycle, filter=Q(closed_on__isnull=False)),
            )
        )
        counts: Counts = {}
        for row in deal_rows.iterator(chunk_size=BATCH):
            outcome = row["outcome"]
            key = (row["pipeline_id"], row["stage_id"], row["owner_id"], row["team_id"], _as_date(row["created_month"]),
                   _as_date(row["closed_month"]) if outcome != Outcome.OPEN else None, outcome,
                   row["lost_reason_id"] if outcome == Outcome.LOST else None, row["forecast_category"],
                   row["currency"])  # fmt: skip
            days = row["days"].days if isinstance(row["days"], dt.timedelta) else int(row["days"] or 0)
            previous = counts.get(("deal", key), (0, 0, 0, 0))
            numbers = (row["n"], int(row["cents"] or 0), int(row["weighted"] or 0), days)
            counts[("deal", key)] = tuple(a + b for a, b in zip(previous, numbers, strict=True))
        stage_rows = (
            StageChange.objects.filter(deal__deleted_at__isnull=True)
            .exclude(deal__stage__outcome=Outcome.OPEN)
            .order_by()
            .values("deal__pipeline_id", "to_stage_id", "deal__owner_id", "deal__team_id", "deal__stage__outcome")
            .annotate(n=Count("deal_id", distinct=True))
        )
        for row in stage_rows.iterator(chunk_size=BATCH):
            stage_key = (row["deal__pipeline_id"], row["to_stage_id"], row["deal__owner_id"], row["deal__team_id"],
                   row["deal__stage__outcome"] == Outcome.WON)  # fmt: skip
            counts[("stage", stage_key)] = (row["n"],)
        lead_rows = (
            Lead.objects.annotate(created_month=TruncMonth("created_at", tzinfo=zone, output_field=DateField()))
            .order_by()
            .values("owner_id", "team_id", "created_month")
            .annotate(n=Count("id"), converted=Count("id", filter=Q(status=LeadStatus.CONVERTED)))
        )
        for row in lead_rows.iterator(chunk_size=BATCH):
            month = _as_date(row["created_month"])
            for converted, n in ((True, row["converted"]), (False, row["n"] - row["converted"])):
                if n:
                    counts[("lead", (row["owner_id"], row["team_id"], month, converted))] = (n,)
        for kind, _row in counts:
            written[kind] += 1
        _write(counts)
    return written


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value
