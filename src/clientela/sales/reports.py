"""The sales dashboard's figures over the deals and leads the reader may see: the pipeline by
stage, won and lost by month with the reasons deals were lost, the conversion from lead to deal
to won, average deal size and sales cycle length.

The open pipeline is read from the open deals themselves (a partial index holds them). Every
figure about the history is read from the kept figures (`models_figures.py`, DESIGN.md rule
6), summed over the rows of the owners and teams the reader may see: its cost follows the number
of owners and months, not of deals.

Amounts are never added across currencies (exchange rates come with the documents of the
sales module): each figure with an amount is for one currency, the one the reader picks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Q, QuerySet, Sum
from django.utils import timezone

from clientela.core.visibility import visible
from clientela.sales.models import Deal, Outcome, Pipeline
from clientela.sales.models_figures import DealFigure, LeadFigure
from clientela.sales.queries import deals_visible

if TYPE_CHECKING:
    from clientela.accounts.models import User

M = TypeVar("M", DealFigure, LeadFigure)

CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def _from_cents(cents: Any) -> Decimal:
    return _money(Decimal(cents or 0) / 100)


def month_starts(months: int, today: dt.date | None = None) -> list[dt.date]:
    """The first days of the last `months` months, the current one last."""
    day = (today or timezone.localdate()).replace(day=1)
    starts = [day]
    for _ in range(months - 1):
        day = (day - dt.timedelta(days=1)).replace(day=1)
        starts.append(day)
    return starts[::-1]


@dataclass(frozen=True)
class Scope:
    """Whose deals a report covers: what the reader sees, narrowed to a team or an owner."""

    reader: User
    currency: str
    team_id: int | None = None
    owner_id: int | None = None

    def deals(self) -> QuerySet[Deal]:
        deals = deals_visible(self.reader).select_related(None)
        if self.team_id is not None:
            deals = deals.filter(team_id=self.team_id)
        if self.owner_id is not None:
            deals = deals.filter(owner_id=self.owner_id)
        return deals

    def figures(self, model: type[M]) -> QuerySet[M]:
        """The kept figures of the deals or leads in scope: the rows of the owners and teams the
        reader may see, narrowed like `deals`."""
        rows = visible(model.objects.all(), self.reader)
        if self.team_id is not None:
            rows = rows.filter(team_id=self.team_id)
        if self.owner_id is not None:
            rows = rows.filter(owner_id=self.owner_id)
        return rows


# --- pipeline by stage ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StageRow:
    stage: str
    probability: int
    deals: int
    amount: Decimal
    weighted: Decimal


def pipeline_by_stage(scope: Scope, pipeline: Pipeline) -> list[StageRow]:
    """The open deals of `pipeline` in each open stage: count, amount and amount weighted by
    each deal's probability, in the scope's currency (counts cover every currency); from the kept
    figures of the open deals."""
    in_currency = Q(currency=scope.currency)
    rows = {
        row["stage_id"]: row
        for row in scope.figures(DealFigure)
        .filter(pipeline=pipeline, outcome=Outcome.OPEN)
        .order_by()
        .values("stage_id")
        .annotate(
            n=Sum("deals"),
            cents=Sum("amount_cents", filter=in_currency),
            weighted_cents=Sum("weighted", filter=in_currency),
        )
    }
    return [
        StageRow(
            stage.name,
            stage.probability,
            rows.get(stage.pk, {}).get("n") or 0,
            _from_cents(rows.get(stage.pk, {}).get("cents")),
            _money(Decimal(rows.get(stage.pk, {}).get("weighted_cents") or 0) / 10_000),
        )
        for stage in pipeline.stages.all()
        if stage.outcome == Outcome.OPEN
    ]


# --- won and lost by month -------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthRow:
    month: dt.date
    won: int
    won_amount: Decimal
    lost: int
    lost_amount: Decimal

    @property
    def win_rate(self) -> Decimal | None:
        closed = self.won + self.lost
        return None if not closed else (Decimal(100) * self.won / closed).quantize(Decimal("0.1"))


def won_lost_by_month(scope: Scope, months: int = 12) -> list[MonthRow]:
    starts = month_starts(months)
    closed = scope.figures(DealFigure).filter(closed_month__gte=starts[0], outcome__in=(Outcome.WON, Outcome.LOST))
    in_currency = Q(currency=scope.currency)
    won, lost = Q(outcome=Outcome.WON), Q(outcome=Outcome.LOST)
    rows = {
        _as_date(row["closed_month"]): row
        for row in closed.order_by()
        .values("closed_month")
        .annotate(
            won=Sum("deals", filter=won),
            won_cents=Sum("amount_cents", filter=won & in_currency),
            lost=Sum("deals", filter=lost),
            lost_cents=Sum("amount_cents", filter=lost & in_currency),
        )
    }
    return [
        MonthRow(
            month,
            rows.get(month, {}).get("won") or 0,
            _from_cents(rows.get(month, {}).get("won_cents")),
            rows.get(month, {}).get("lost") or 0,
            _from_cents(rows.get(month, {}).get("lost_cents")),
        )
        for month in starts
    ]


def _as_date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class ReasonRow:
    reason: str
    deals: int
    amount: Decimal


def lost_reasons(scope: Scope, months: int = 12) -> list[ReasonRow]:
    """Why deals closed as lost in the period were lost, most frequent first."""
    start = month_starts(months)[0]
    rows = (
        scope.figures(DealFigure)
        .filter(closed_month__gte=start, outcome=Outcome.LOST)
        .order_by()
        .values("lost_reason__name")
        .annotate(n=Sum("deals"), cents=Sum("amount_cents", filter=Q(currency=scope.currency)))
        .filter(n__gt=0)
        .order_by("-n", "lost_reason__name")
    )
    return [ReasonRow(row["lost_reason__name"] or "—", row["n"], _from_cents(row["cents"])) for row in rows]


# --- conversion, deal size, cycle length -----------------------------------------------------------


@dataclass(frozen=True)
class Funnel:
    leads: int  # leads created in the period
    converted: int  # of them, converted
    deals: int  # deals created in the period
    won: int  # of them, won so far
    lost: int  # of them, lost so far

    @staticmethod
    def rate(part: int, whole: int) -> Decimal | None:
        return None if not whole else (Decimal(100) * part / whole).quantize(Decimal("0.1"))

    @property
    def lead_to_deal(self) -> Decimal | None:
        return self.rate(self.converted, self.leads)

    @property
    def deal_to_won(self) -> Decimal | None:
        return self.rate(self.won, self.won + self.lost)


def funnel(scope: Scope, months: int = 12) -> Funnel:
    start = month_starts(months)[0]
    leads = (
        scope.figures(LeadFigure)
        .filter(created_month__gte=start)
        .aggregate(n=Sum("leads"), converted=Sum("leads", filter=Q(converted=True)))
    )
    deals = (
        scope.figures(DealFigure)
        .filter(created_month__gte=start)
        .aggregate(
            n=Sum("deals"),
            won=Sum("deals", filter=Q(outcome=Outcome.WON)),
            lost=Sum("deals", filter=Q(outcome=Outcome.LOST)),
        )
    )
    return Funnel(leads["n"] or 0, leads["converted"] or 0, deals["n"] or 0, deals["won"] or 0, deals["lost"] or 0)


@dataclass(frozen=True)
class Performance:
    won: int
    average_size: Decimal | None  # of won deals, in the scope's currency
    average_cycle_days: Decimal | None  # from creation to close, won deals


def performance(scope: Scope, months: int = 12) -> Performance:
    start = month_starts(months)[0]
    in_currency = Q(currency=scope.currency)
    won = (
        scope.figures(DealFigure)
        .filter(closed_month__gte=start, outcome=Outcome.WON)
        .aggregate(
            n=Sum("deals"),
            days=Sum("cycle_days"),
            n_in_currency=Sum("deals", filter=in_currency),
            cents=Sum("amount_cents", filter=in_currency),
        )
    )
    count, in_currency_count = won["n"] or 0, won["n_in_currency"] or 0
    size = _from_cents(Decimal(won["cents"] or 0) / in_currency_count) if in_currency_count else None
    cycle = (Decimal(won["days"] or 0) / count).quantize(Decimal("0.1")) if count else None
    return Performance(count, size, cycle)
