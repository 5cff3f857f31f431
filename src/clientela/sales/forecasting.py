"""Forecasts of the sales pipeline, every figure computed in SQL over what the reader may see.

- `learned_probabilities`: the chance that a deal which reached a stage is won, learned from
  the closed deals of a pipeline, beside the stage's default probability;
- `weighted_pipeline`: deal counts, amounts and weighted amounts (amount × probability) by
  period, owner, team, forecast category and currency; `undated_pipeline` counts apart the open
  deals that have no expected close date (they belong to no period);
- `forecast`: per period, category and currency, the computed figures beside the latest
  manager's adjustment, so a page can show "computed | adjusted";
- `compare_snapshot`: a stored snapshot of the forecast beside what has since been won.

A deal's *period* is the first day of the month it closed in (`closed_on`) when it is closed,
else of the month it is expected to close in (`expected_close_date`). Amounts in different
currencies are never added together (exchange rates are data of a later issue): currency is
always one of the grouping keys. The reads aggregate in the database (GROUP BY with filtered
sums and counts) and never load deals into Python, so they cost the same few queries over a
history of a million deals. Nothing here writes: adjustments and snapshots are written by
`actions.forecasts`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import BigIntegerField, Count, DateField, ExpressionWrapper, F, Func, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext as _

from clientela.accounts.models import Team, User
from clientela.core.errors import NotFound
from clientela.core.ids import is_uuid
from clientela.core.visibility import can_see, visible
from clientela.sales.models import (
    Deal,
    ForecastAdjustment,
    ForecastCategory,
    ForecastSnapshot,
    Outcome,
    Pipeline,
    Stage,
)
from clientela.sales.models_figures import DealFigure, StageFigure

if TYPE_CHECKING:
    from clientela.core.actors import Policy

CENT = Decimal("0.01")
TENTH = Decimal("0.1")
# The categories a forecast shows, in the order it shows them ("omitted": lost deals and the
# open ones a rep left out, counted by `weighted_pipeline` but never forecast).
FORECAST_CATEGORIES: tuple[str, ...] = (
    ForecastCategory.PIPELINE,
    ForecastCategory.BEST_CASE,
    ForecastCategory.COMMIT,
    ForecastCategory.CLOSED,
)
CATEGORY_ORDER = {category: position for position, category in enumerate(ForecastCategory.values)}
# The keys `weighted_pipeline` may group by, in their canonical order, and the column of each.
GROUP_FIELDS: dict[str, str] = {
    "period": "period",
    "owner": "owner_id",
    "team": "team_id",
    "category": "forecast_category",
    "currency": "currency",
}
DEFAULT_GROUPING: tuple[str, ...] = ("period", "owner", "team", "category", "currency")


# --- periods -------------------------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    """The period a day falls in: the first day of its month."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    start = month_start(day)
    return (start + dt.timedelta(days=32)).replace(day=1)


def periods_between(first_period: dt.date, last_period: dt.date) -> list[dt.date]:
    """Every period from `first_period`'s to `last_period`'s, both included."""
    periods: list[dt.date] = []
    period, last = month_start(first_period), month_start(last_period)
    while period <= last:
        periods.append(period)
        period = next_month(period)
    return periods


def _as_date(value: Any) -> dt.date:
    """A truncated month as a date (a backend may hand back a datetime for a date truncation)."""
    return value.date() if isinstance(value, dt.datetime) else value


# Closed deals fall in the month they closed, open ones in the month they are expected to close.
PERIOD = TruncMonth("expected_close_date", output_field=DateField())


def _open_in_periods(first_period: dt.date, last_period: dt.date) -> Q:
    """Open deals expected to close in [first_period, last_period] (read from
    `deal_open_close_idx`). Closed deals are read from the kept figures (`_closed_rows`)."""
    start, end = month_start(first_period), next_month(last_period)
    return Q(closed_on__isnull=True, expected_close_date__gte=start, expected_close_date__lt=end)


# --- exact sums ----------------------------------------------------------------------------------


class Cents(Func):
    """A money column in cents, a whole number. PostgreSQL's numeric is exact and stays numeric;
    SQLite keeps decimals as floating point, so there the cents are rounded to an integer first
    and the sums of cents (and of cents × probability) are exact integer sums on both."""

    template = "(%(expressions)s * 100)"
    output_field = BigIntegerField()

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        template = "CAST(ROUND(%(expressions)s * 100) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def _amount_cents() -> Sum:
    return Sum(Cents("amount"))


def _weighted_cents() -> Sum:
    """Σ cents × probability: the weighted amount in hundredths of a cent (÷ 10 000 gives money)."""
    return Sum(ExpressionWrapper(Cents("amount") * F("probability"), output_field=BigIntegerField()))


def _money(value: Any, scale: int = 100) -> Decimal:
    """A sum of `_amount_cents` (scale 100) or `_weighted_cents` (scale 10 000) as money,
    rounded half-up to the cent only here, at the end."""
    return (Decimal(value or 0) / scale).quantize(CENT, rounding=ROUND_HALF_UP)


# --- learned win probabilities -------------------------------------------------------------------


@dataclass(frozen=True)
class StageOdds:
    """A stage's default probability beside the one learned from closed deals."""

    stage: Stage
    default: int  # the stage's probability, in percent
    learned: Decimal | None  # in percent, one decimal place; None when no closed deal reached the stage
    deals: int  # the closed deals behind `learned`
    won: int  # of them, won


def learned_probabilities(user: User, pipeline: Pipeline) -> list[StageOdds]:
    """For each stage of `pipeline`, in order, the share of won deals among the closed deals of
    the pipeline (its current stage won or lost, not in the trash, visible to `user`) that ever
    entered the stage — a `StageChange` to it, which every deal has for the stage it was created
    in too. A deal that entered a stage twice counts once; open deals do not count (their end is
    not known yet). The won stage shows 100 % and the lost stage 0 % whenever a closed deal
    reached it, by their meaning (a deal won then reopened and lost still counts among the won
    stage's deals). Read from the kept figures (`StageFigure`: closed deals per stage reached,
    owner, team and outcome), summed over the owners and teams the reader sees: one query for the
    stages, one for the counts of every stage, whatever the length of the history."""
    stages = list(pipeline.stages.order_by("position"))
    figures = visible(StageFigure.objects.filter(pipeline=pipeline, stage_id__in=[s.pk for s in stages]), user)
    counts = {
        row["stage_id"]: row
        for row in figures.order_by()
        .values("stage_id")
        .annotate(deal_count=Sum("deals"), won_count=Sum("deals", filter=Q(won=True)))
    }
    result = []
    for stage in stages:
        row = counts.get(stage.pk, {})
        deals, won = row.get("deal_count") or 0, row.get("won_count") or 0
        learned: Decimal | None = None
        if deals:
            if stage.outcome == Outcome.OPEN:
                learned = (Decimal(100) * won / deals).quantize(TENTH, rounding=ROUND_HALF_UP)
            else:
                learned = Decimal(100 if stage.outcome == Outcome.WON else 0).quantize(TENTH)
        result.append(StageOdds(stage=stage, default=stage.probability, learned=learned, deals=deals, won=won))
    return result


# --- the weighted pipeline -----------------------------------------------------------------------


@dataclass(frozen=True)
class ForecastRow:
    """One group of deals. A key the rows are not grouped by is None; `owner_id` and `team_id`
    are database ids (None also for deals without an owner or a team)."""

    period: dt.date | None
    owner_id: int | None
    team_id: int | None
    category: str | None
    currency: str
    deals: int
    amount: Decimal
    weighted: Decimal  # Σ amount × probability / 100, rounded half-up to the cent at the end


def _grouping(group_by: Iterable[str]) -> list[str]:
    """The keys in canonical order; currency always among them (amounts of two currencies are
    never added)."""
    wanted = set(group_by)
    unknown = wanted - set(GROUP_FIELDS)
    if unknown:
        raise ValueError(f"cannot group a forecast by {sorted(unknown)}; keys: {list(GROUP_FIELDS)}")
    wanted.add("currency")
    return [key for key in GROUP_FIELDS if key in wanted]


def _narrowed(rows: QuerySet[Any], pipeline: Pipeline | None, team: Team | None, owner: User | None) -> QuerySet[Any]:
    """Deals or their kept figures (the same column names) narrowed to a pipeline, team or owner."""
    if pipeline is not None:
        rows = rows.filter(pipeline_id=pipeline.pk)
    if team is not None:
        rows = rows.filter(team_id=team.pk)
    if owner is not None:
        rows = rows.filter(owner_id=owner.pk)
    return rows


# (period, owner id, team id, category, currency) -> [deals, cents, cents × probability]
Sums = dict[tuple[Any, ...], list[int]]


def _add_open(sums: Sums, deals: QuerySet[Deal], keys: Sequence[str]) -> None:
    """The open deals grouped by `keys`: one GROUP BY query."""
    if "period" in keys:
        deals = deals.annotate(period=PERIOD)
    grouped = (
        deals.order_by()
        .values(*(GROUP_FIELDS[key] for key in keys))
        .annotate(deal_count=Count("id"), amount_cents=_amount_cents(), weighted_cents=_weighted_cents())
    )
    for row in grouped:
        _add(sums, row, keys, row.get("period"))


def _add_closed(sums: Sums, figures: QuerySet[DealFigure], keys: Sequence[str], first: dt.date, last: dt.date) -> None:
    """The closed deals of [first, last] from the kept figures (`DealFigure`: a row per owner,
    team, month closed, category and currency...), grouped by `keys`: one GROUP BY query whose
    cost follows owners × months, not the number of deals."""
    closed = figures.exclude(outcome=Outcome.OPEN).filter(
        closed_month__gte=month_start(first), closed_month__lt=next_month(last)
    )
    columns = ["closed_month" if key == "period" else GROUP_FIELDS[key] for key in keys]
    grouped = (
        closed.order_by()
        .values(*columns)
        .annotate(deal_count=Sum("deals"), amount_cents=Sum("amount_cents"), weighted_cents=Sum("weighted"))
    )
    for row in grouped:
        if row["deal_count"]:
            _add(sums, row, keys, row.get("closed_month"))


def _add(sums: Sums, row: dict[str, Any], keys: Sequence[str], period: Any) -> None:
    key = (
        _as_date(period) if "period" in keys else None,
        row.get("owner_id"),
        row.get("team_id"),
        row.get("forecast_category"),
        row["currency"],
    )
    totals = sums.setdefault(key, [0, 0, 0])
    totals[0] += row["deal_count"]
    totals[1] += int(row["amount_cents"] or 0)
    totals[2] += int(row["weighted_cents"] or 0)


def _rows(sums: Sums) -> list[ForecastRow]:
    rows = [
        ForecastRow(
            period=period,
            owner_id=owner_id,
            team_id=team_id,
            category=category,
            currency=currency,
            deals=deals,
            amount=_money(cents),
            weighted=_money(weighted, 10_000),
        )  # fmt: skip
        for (period, owner_id, team_id, category, currency), (deals, cents, weighted) in sums.items()
    ]
    return sorted(rows, key=_row_order)


def _pipeline_rows(
    deals: QuerySet[Deal], figures: QuerySet[DealFigure], first: dt.date, last: dt.date, keys: Sequence[str]
) -> list[ForecastRow]:
    sums: Sums = {}
    _add_open(sums, deals.filter(_open_in_periods(first, last)), keys)
    _add_closed(sums, figures, keys, first, last)
    return _rows(sums)


def _row_order(row: ForecastRow) -> tuple[Any, ...]:
    return (
        row.period or dt.date.min,
        row.owner_id or 0,
        row.team_id or 0,
        CATEGORY_ORDER.get(row.category or "", -1),
        row.currency,
    )


def weighted_pipeline(
    user: User,
    *,
    first_period: dt.date,
    last_period: dt.date,
    group_by: Iterable[str] = DEFAULT_GROUPING,
    pipeline: Pipeline | None = None,
    team: Team | None = None,
    owner: User | None = None,
) -> list[ForecastRow]:
    """The open and closed deals `user` may see whose period falls in [first_period,
    last_period] (each a day of its month), grouped by `group_by` (any of period, owner, team,
    category, currency; currency always): count, amount and weighted amount of each group, by
    period, owner, team, category and currency. Open deals without an expected close date are
    in no period: `undated_pipeline` counts them. Narrowed to a pipeline, a team or an owner
    when given."""
    deals = _narrowed(visible(Deal.objects.all(), user), pipeline, team, owner)
    figures = _narrowed(visible(DealFigure.objects.all(), user), pipeline, team, owner)
    return _pipeline_rows(deals, figures, first_period, last_period, _grouping(group_by))


def weighted_pipeline_all(
    *, first_period: dt.date, last_period: dt.date, group_by: Iterable[str] = DEFAULT_GROUPING
) -> list[ForecastRow]:
    """`weighted_pipeline` over every deal, seen by nobody in particular: for the background
    worker's snapshots (`actions.forecast_snapshot_take(actor=None, ...)`). Pages and
    endpoints use `weighted_pipeline`, which is scoped to the reader."""
    keys = _grouping(group_by)
    return _pipeline_rows(Deal.objects.all(), DealFigure.objects.all(), first_period, last_period, keys)


def undated_pipeline(
    user: User,
    *,
    group_by: Iterable[str] = ("owner", "team", "category", "currency"),
    pipeline: Pipeline | None = None,
    team: Team | None = None,
    owner: User | None = None,
) -> list[ForecastRow]:
    """The open deals `user` may see that have no expected close date, so no period: counted
    apart from the periods' figures (their `period` is None), so that they are not lost from
    sight either."""
    keys = [key for key in _grouping(group_by) if key != "period"]
    deals = _narrowed(visible(Deal.objects.all(), user), pipeline, team, owner)
    sums: Sums = {}
    _add_open(sums, deals.filter(closed_on__isnull=True, expected_close_date__isnull=True), keys)
    return _rows(sums)


# --- the forecast with the managers' adjustments --------------------------------------------------


@dataclass(frozen=True)
class ForecastCell:
    """One period, category and currency: what the deals give, and what the manager expects
    instead when they adjusted it (the latest adjustment counts)."""

    period: dt.date
    category: str
    currency: str
    deals: int
    amount: Decimal
    weighted: Decimal
    adjusted: Decimal | None = None
    adjustment_note: str = ""
    adjusted_at: dt.datetime | None = None


@dataclass(frozen=True)
class Forecast:
    """A forecast for a scope (what the reader sees, narrowed to a team or an owner): its periods,
    a cell per period, category and currency that has deals or an adjustment, and the open deals
    without an expected close date (by category and currency), which belong to no period."""

    periods: tuple[dt.date, ...]
    cells: tuple[ForecastCell, ...]
    undated: tuple[ForecastRow, ...]

    def cell(self, period: dt.date, category: str, currency: str) -> ForecastCell | None:
        for cell in self.cells:
            if (cell.period, cell.category, cell.currency) == (period, category, currency):
                return cell
        return None

    @property
    def currencies(self) -> tuple[str, ...]:
        return tuple(sorted({cell.currency for cell in self.cells}))


def adjustments_visible(user: User) -> QuerySet[ForecastAdjustment]:
    """The adjustments `user` may see: like any record, by the owner (the rep adjusted) and team."""
    return visible(ForecastAdjustment.objects.all(), user)


def forecast_adjustment_get(user: User, public_id: Any, *, include_trash: bool = False) -> ForecastAdjustment:
    records = ForecastAdjustment.all_objects if include_trash else ForecastAdjustment.objects
    found = visible(records.filter(public_id=public_id), user).first() if is_uuid(public_id) else None
    if found is None:
        raise NotFound(_("no such forecast adjustment"))
    return found


def _latest_adjustments(
    user: User, first_period: dt.date, last_period: dt.date, team: Team | None, owner: User | None
) -> dict[tuple[dt.date, str, str], dict[str, Any]]:
    """The latest adjustment of each period, category and currency for the scope: the owner's
    when an owner is given, else the team's (no owner), else the whole company's (no team, no
    owner). Adjustments are typed by managers, a few a month: they are read as rows."""
    adjustments = adjustments_visible(user).filter(
        period__gte=month_start(first_period), period__lt=next_month(last_period), category__in=FORECAST_CATEGORIES
    )
    if owner is not None:
        adjustments = adjustments.filter(owner_id=owner.pk)
    elif team is not None:
        adjustments = adjustments.filter(team_id=team.pk, owner__isnull=True)
    else:
        adjustments = adjustments.filter(team__isnull=True, owner__isnull=True)
    latest: dict[tuple[dt.date, str, str], dict[str, Any]] = {}
    rows = adjustments.order_by("-created_at", "-id").values(
        "period", "category", "currency", "amount", "note", "created_at"
    )
    for row in rows:
        latest.setdefault((row["period"], row["category"], row["currency"]), row)
    return latest


def forecast(
    user: User, *, first_period: dt.date, last_period: dt.date, team: Team | None = None, owner: User | None = None
) -> Forecast:
    """The forecast of the deals `user` may see (narrowed to a team or an owner), per period,
    category (pipeline, best case, commit, closed) and currency, each with the adjusted figure
    where a manager adjusted it. Three queries: the figures, the undated deals, the adjustments."""
    computed = weighted_pipeline(
        user,
        first_period=first_period,
        last_period=last_period,
        group_by=("period", "category", "currency"),
        team=team,
        owner=owner,
    )
    by_key: dict[tuple[dt.date, str, str], ForecastRow] = {}
    for row in computed:
        if row.period is not None and row.category in FORECAST_CATEGORIES:
            by_key[(row.period, row.category or "", row.currency)] = row
    adjustments = _latest_adjustments(user, first_period, last_period, team, owner)
    cells = []
    for key in set(by_key) | set(adjustments):
        found, adjustment = by_key.get(key), adjustments.get(key)
        cells.append(
            ForecastCell(
                period=key[0],
                category=key[1],
                currency=key[2],
                deals=found.deals if found else 0,
                amount=found.amount if found else Decimal("0.00"),
                weighted=found.weighted if found else Decimal("0.00"),
                adjusted=adjustment["amount"] if adjustment else None,
                adjustment_note=adjustment["note"] if adjustment else "",
                adjusted_at=adjustment["created_at"] if adjustment else None,
            )
        )
    cells.sort(key=lambda c: (c.period, CATEGORY_ORDER[c.category], c.currency))
    undated = undated_pipeline(user, group_by=("category", "currency"), team=team, owner=owner)
    return Forecast(
        periods=tuple(periods_between(first_period, last_period)),
        cells=tuple(cells),
        undated=tuple(row for row in undated if row.category in FORECAST_CATEGORIES),
    )


# --- snapshots -----------------------------------------------------------------------------------


def public_ids(user_ids: Iterable[int | None], team_ids: Iterable[int | None]) -> tuple[dict[int, str], dict[int, str]]:
    """The public ids of users and teams by database id (two queries): how a snapshot names
    them, so that it means the same after a restore into another database."""
    users = {pk for pk in user_ids if pk is not None}
    teams = {pk for pk in team_ids if pk is not None}
    return (
        {pk: str(pid) for pk, pid in User.objects.filter(pk__in=users).values_list("pk", "public_id")} if users else {},
        {pk: str(pid) for pk, pid in Team.objects.filter(pk__in=teams).values_list("pk", "public_id")} if teams else {},
    )


def snapshot_rows(rows: Iterable[ForecastRow]) -> list[dict[str, Any]]:
    """Rows of `weighted_pipeline` as a snapshot stores them: JSON, Decimals as strings, people
    by public id."""
    rows = list(rows)
    owners, teams = public_ids((r.owner_id for r in rows), (r.team_id for r in rows))
    return [
        {
            "period": row.period.isoformat() if row.period else None,
            "owner": owners.get(row.owner_id) if row.owner_id is not None else None,
            "team": teams.get(row.team_id) if row.team_id is not None else None,
            "category": row.category,
            "currency": row.currency,
            "deals": row.deals,
            "amount": str(row.amount),
            "weighted": str(row.weighted),
        }
        for row in rows
    ]


def snapshots() -> QuerySet[ForecastSnapshot]:
    """Every snapshot, newest first; what each reader sees of one is `compare_snapshot`'s business."""
    return ForecastSnapshot.objects.all()


def snapshot_get(public_id: Any) -> ForecastSnapshot:
    found = ForecastSnapshot.objects.filter(public_id=public_id).first() if is_uuid(public_id) else None
    if found is None:
        raise NotFound(_("no such forecast snapshot"))
    return found


@dataclass(frozen=True)
class CategoryFigure:
    category: str
    deals: int
    amount: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class SnapshotComparison:
    """One period, owner, team and currency: the forecast the snapshot held, by category, beside
    what has been won since (deals now in a won stage that closed in the period). Owner and team
    are public ids, as the snapshot names them."""

    period: dt.date
    owner: str | None
    team: str | None
    currency: str
    forecast: tuple[CategoryFigure, ...]
    won_deals: int
    won_amount: Decimal

    def _amount_of(self, *categories: str) -> Decimal:
        return sum((f.amount for f in self.forecast if f.category in categories), Decimal("0.00"))

    @property
    def weighted(self) -> Decimal:
        """The weighted forecast of every category but "omitted"."""
        return sum((f.weighted for f in self.forecast if f.category in FORECAST_CATEGORIES), Decimal("0.00"))

    @property
    def commit(self) -> Decimal:
        """Closed and committed: what the owner said would be won."""
        return self._amount_of(ForecastCategory.CLOSED, ForecastCategory.COMMIT)

    @property
    def best_case(self) -> Decimal:
        return self._amount_of(ForecastCategory.CLOSED, ForecastCategory.COMMIT, ForecastCategory.BEST_CASE)

    @property
    def difference(self) -> Decimal:
        """Won minus the weighted forecast: above zero, more was won than forecast."""
        return self.won_amount - self.weighted


@dataclass
class _Taker:
    """The user who took a snapshot, as a reader even if deactivated since: the snapshot covered
    what they could see, so what it is compared with is limited the same way."""

    pk: Any
    team_id: Any
    policy: Policy
    display_name: str
    is_active: bool = True


def _taker(snapshot: ForecastSnapshot) -> _Taker | None:
    if snapshot.taken_by_id is None:
        return None  # taken by the background worker: every deal
    user = User.objects.filter(pk=snapshot.taken_by_id).first()
    if user is None:
        return None
    return _Taker(pk=user.pk, team_id=user.team_id, policy=user.policy, display_name=user.display_name)


def compare_snapshot(user: User, snapshot: ForecastSnapshot) -> list[SnapshotComparison]:
    """The snapshot's forecast beside what has been won since, per period, owner, team and
    currency, within what `user` may see: the snapshot's rows of owners and teams `user` may
    see, and the deals won in its periods that both `user` and the snapshot's taker may see
    (every deal for a snapshot of the background worker). A group won without having been
    forecast is listed too, with an empty forecast. What was won is read from the kept figures.
    Four queries whatever the history."""
    first, last = snapshot.first_period, snapshot.last_period
    won = DealFigure.objects.filter(
        outcome=Outcome.WON, closed_month__gte=month_start(first), closed_month__lt=next_month(last)
    )
    won = visible(won, user)
    taker = _taker(snapshot)
    if taker is not None:
        won = visible(won, taker)
    actual = (
        won.order_by()
        .values("closed_month", "owner_id", "team_id", "currency")
        .annotate(deal_count=Sum("deals"), amount_cents=Sum("amount_cents"))
        .filter(deal_count__gt=0)
    )
    actual_rows = [dict(row, period=_as_date(row["closed_month"])) for row in actual]
    stored = [row for row in snapshot.rows if row.get("period")]
    owner_ids, team_ids = _ids_of(stored, actual_rows)
    owners_pk = {pid: pk for pk, pid in owner_ids.items()}
    teams_pk = {pid: pk for pk, pid in team_ids.items()}

    forecast_by_key: dict[tuple[dt.date, str | None, str | None, str], list[CategoryFigure]] = {}
    for row in stored:
        if not _row_visible(user, owners_pk.get(row["owner"]), teams_pk.get(row["team"])):
            continue
        key = (dt.date.fromisoformat(row["period"]), row["owner"], row["team"], row["currency"])
        figure = CategoryFigure(row["category"], int(row["deals"]), Decimal(row["amount"]), Decimal(row["weighted"]))
        forecast_by_key.setdefault(key, []).append(figure)
    won_by_key = {
        (row["period"], owner_ids.get(row["owner_id"]), team_ids.get(row["team_id"]), row["currency"]): row
        for row in actual_rows
    }
    result = []
    for key in set(forecast_by_key) | set(won_by_key):
        figures = sorted(forecast_by_key.get(key, []), key=lambda f: CATEGORY_ORDER.get(f.category, -1))
        won_row = won_by_key.get(key)
        result.append(
            SnapshotComparison(
                period=key[0],
                owner=key[1],
                team=key[2],
                currency=key[3],
                forecast=tuple(figures),
                won_deals=won_row["deal_count"] if won_row else 0,
                won_amount=_money(won_row["amount_cents"]) if won_row else Decimal("0.00"),
            )
        )
    return sorted(result, key=lambda r: (r.period, r.owner or "", r.team or "", r.currency))


def _ids_of(stored: list[dict[str, Any]], actual: list[dict[str, Any]]) -> tuple[dict[int, str], dict[int, str]]:
    """Database id -> public id of every user and team the snapshot or the won deals name (one
    query each)."""
    owner_pids = {row["owner"] for row in stored if row.get("owner")}
    team_pids = {row["team"] for row in stored if row.get("team")}
    owner_pks = {row["owner_id"] for row in actual if row["owner_id"] is not None}
    team_pks = {row["team_id"] for row in actual if row["team_id"] is not None}
    users = User.objects.filter(Q(pk__in=owner_pks) | Q(public_id__in=[p for p in owner_pids if is_uuid(p)]))
    teams = Team.objects.filter(Q(pk__in=team_pks) | Q(public_id__in=[p for p in team_pids if is_uuid(p)]))
    return (
        {pk: str(pid) for pk, pid in users.values_list("pk", "public_id")} if owner_pks or owner_pids else {},
        {pk: str(pid) for pk, pid in teams.values_list("pk", "public_id")} if team_pks or team_pids else {},
    )


def _row_visible(user: User, owner_id: int | None, team_id: int | None) -> bool:
    """Whether `user` may see a snapshot row: as they may see a deal of that owner and team (the
    one rule, `core.visibility.can_see`)."""
    return can_see(user, Deal(owner_id=owner_id, team_id=team_id))
