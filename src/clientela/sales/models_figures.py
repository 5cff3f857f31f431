"""The sales figures the dashboard and the forecast read instead of the raw history (DESIGN.md
rule 6: pages never aggregate raw history on request).

Each table counts deals or leads by the keys the reports group and filter by — owner and team
among them, so that a reader's visibility is applied to the figures exactly as to the records
(`core.visibility.visible`). They are kept in step by every write of a deal or a lead, in the
write's own transaction (`actions/figures.py`, registered with `core.tallies`), and can be
rebuilt from the records at any time (`clientela rebuild_sales_figures`; the worker builds them
when they are missing).

A row's `key` is its grouping keys in one string, so that an increment is one upsert on both
databases. Amounts are kept in cents (exact on SQLite too). Months are the first day of the
month in the site's time zone (`TIME_ZONE`).
"""

from __future__ import annotations

from django.db import models

_PEOPLE = {"null": True, "blank": True, "on_delete": models.DO_NOTHING, "db_constraint": False, "related_name": "+"}


class DealFigure(models.Model):
    """Deals (not in the trash) by pipeline, stage, owner, team, month created, month closed (none
    while open), outcome, lost reason, forecast category and currency: how many, their amount,
    their amount weighted by their probability, their days from creation to close. The open rows
    by stage are the board's and the dashboard's pipeline totals."""

    key = models.CharField(max_length=200, unique=True)
    pipeline = models.ForeignKey("sales.Pipeline", on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey("sales.Stage", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey("accounts.User", **_PEOPLE)
    team = models.ForeignKey("accounts.Team", **_PEOPLE)
    created_month = models.DateField()
    closed_month = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=8)
    lost_reason = models.ForeignKey("sales.LostReason", **_PEOPLE)
    forecast_category = models.CharField(max_length=10)
    currency = models.CharField(max_length=3)
    deals = models.BigIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)
    weighted = models.BigIntegerField(default=0)  # Σ cents × probability (÷ 10,000 gives money)
    cycle_days = models.BigIntegerField(default=0)  # summed over the closed deals of the row

    class Meta:
        indexes = [
            models.Index(fields=["closed_month"], name="deal_figure_closed_idx"),
            models.Index(fields=["created_month"], name="deal_figure_created_idx"),
            models.Index(fields=["pipeline", "outcome"], name="deal_figure_pipeline_idx"),
        ]

    def __str__(self) -> str:
        return self.key


class StageFigure(models.Model):
    """Closed deals (not in the trash) that ever entered a stage, by the deal's pipeline, owner
    and team and whether it was won: what the learned win probabilities are read from."""

    key = models.CharField(max_length=120, unique=True)
    pipeline = models.ForeignKey("sales.Pipeline", on_delete=models.CASCADE, related_name="+")
    stage = models.ForeignKey("sales.Stage", on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey("accounts.User", **_PEOPLE)
    team = models.ForeignKey("accounts.Team", **_PEOPLE)
    won = models.BooleanField()
    deals = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.key


class LeadFigure(models.Model):
    """Leads (not in the trash) by owner, team, month created and whether they were converted."""

    key = models.CharField(max_length=120, unique=True)
    owner = models.ForeignKey("accounts.User", **_PEOPLE)
    team = models.ForeignKey("accounts.Team", **_PEOPLE)
    created_month = models.DateField()
    converted = models.BooleanField()
    leads = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.key
