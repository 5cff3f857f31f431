"""The sales dashboard's figures, each computed in SQL over the deals and leads the reader
may see: the pipeline by stage, won and lost by month with the reasons deals were lost, the
conversion from lead to deal to won, average deal size and sales cycle length.

Amounts are never added across currencies (exchange rates come with the documents of the
sales module): each figure with an amount is for one currency, the one the reader picks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Avg, Count, DecimalField, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from clientela.sales.models import Deal, Lead, LeadStatus, Outcome, Pipeline
from clientela.sales.queries import deals_visible, leads_visible

if TYPE_CHECKING:
    from clientela.accounts.models import User

CENT = Decimal("0.01")


def _money(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


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

    def leads(self) -> QuerySet[Lead]:
        leads = leads_visible(self.reader).select_related(None)
        if self.team_id is not None:
            leads = leads.filter(team_id=self.team_id)
        if self.owner_id is not None:
            leads = leads.filter(owner_id=self.owner_id)
        return leads


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
    each deal's probability, in the scope's currency (counts cover every currency)."""
    weighted = ExpressionWrapper(F("amount") * F("probability") / 100, output_field=DecimalField())
    in_currency = Q(currency=scope.currency)
    rows = {
        row["stage_id"]: row
        for row in scope.deals()
        .filter(pipeline=pipeline, stage__outcome=Outcome.OPEN)
        .order_by()
        .values("stage_id")
        .annotate(
            n=Count("id"),
            total=Sum("amount", filter=in_currency),
            weighted_total=Sum(weighted, filter=in_currency),
        )
    }
    return [
        StageRow(
            stage.name,
            stage.probability,
            rows.get(stage.pk, {}).get("n", 0),
            _money(rows.get(stage.pk, {}).get("total")),
            _money(rows.get(stage.pk, {}).get("weighted_total")),
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
    closed = scope.deals().filter(closed_on__gte=starts[0], stage__outcome__in=(Outcome.WON, Outcome.LOST))
    in_currency = Q(currency=scope.currency)
    won, lost = Q(stage__outcome=Outcome.WON), Q(stage__outcome=Outcome.LOST)
    rows = {
        _as_date(row["month"]): row
        for row in closed.annotate(month=TruncMonth("closed_on"))
        .order_by()
        .values("month")
        .annotate(
            won=Count("id", filter=won),
            won_amount=Sum("amount", filter=won & in_currency),
            lost=Count("id", filter=lost),
            lost_amount=Sum("amount", filter=lost & in_currency),
        )
    }
    return [
        MonthRow(
            month,
            rows.get(month, {}).get("won", 0),
            _money(rows.get(month, {}).get("won_amount")),
            rows.get(month, {}).get("lost", 0),
            _money(rows.get(month, {}).get("lost_amount")),
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
        scope.deals()
        .filter(closed_on__gte=start, stage__outcome=Outcome.LOST)
        .order_by()
        .values("lost_reason__name")
        .annotate(n=Count("id"), total=Sum("amount", filter=Q(currency=scope.currency)))
        .order_by("-n", "lost_reason__name")
    )
    return [ReasonRow(row["lost_reason__name"] or "—", row["n"], _money(row["total"])) for row in rows]


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
    start = timezone.make_aware(dt.datetime.combine(month_starts(months)[0], dt.time()))
    leads = (
        scope.leads()
        .filter(created_at__gte=start)
        .aggregate(n=Count("id"), converted=Count("id", filter=Q(status=LeadStatus.CONVERTED)))
    )
    deals = (
        scope.deals()
        .filter(created_at__gte=start)
        .aggregate(
            n=Count("id"),
            won=Count("id", filter=Q(stage__outcome=Outcome.WON)),
            lost=Count("id", filter=Q(stage__outcome=Outcome.LOST)),
        )
    )
    return Funnel(leads["n"], leads["converted"], deals["n"], deals["won"], deals["lost"])


@dataclass(frozen=True)
class Performance:
    won: int
    average_size: Decimal | None  # of won deals, in the scope's currency
    average_cycle_days: Decimal | None  # from creation to close, won deals


def performance(scope: Scope, months: int = 12) -> Performance:
    start = month_starts(months)[0]
    won = scope.deals().filter(closed_on__gte=start, stage__outcome=Outcome.WON)
    size = won.filter(currency=scope.currency).aggregate(avg=Avg("amount"))["avg"]
    cycle = _average_cycle(won)
    return Performance(
        won.count(),
        None if size is None else _money(size),
        None if cycle is None else cycle.quantize(Decimal("0.1")),
    )


def _average_cycle(won: QuerySet[Deal]) -> Decimal | None:
    """The mean days from creation to close, in SQL (for a large history)."""
    length = ExpressionWrapper(F("closed_on") - F("created_at__date"), output_field=DurationField())
    average = won.aggregate(avg=Avg(length))["avg"]
    return None if average is None else Decimal(average.total_seconds() / 86400)
