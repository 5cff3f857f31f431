"""The sales dashboard: each figure recomputed by hand on a small history, in one currency at
a time, within what the reader may see; and its page, charts' tables and CSV downloads."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clientela.sales import actions, queries, reports
from clientela.sales.models import Deal, Lead
from clientela.testing.cast import PASSWORD


def _stage(name):
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline.stages.get(name=name)


def _closed(actor, name, amount, stage, *, days_ago=0, created_days_ago=10, currency="EUR", reason="Price"):
    deal = actions.deal_create(actor=actor, values={"name": name, "amount": amount, "currency": currency})
    values = {"stage": _stage(stage).public_id}
    if stage == "Lost":
        values["lost_reason"] = queries.lost_reasons().get(name=reason).public_id
    actions.deal_update(actor=actor, deal=deal, values=values, expected_version=1)
    today = timezone.localdate()
    Deal.all_objects.filter(pk=deal.pk).update(
        closed_on=today - dt.timedelta(days=days_ago),
        created_at=timezone.now() - dt.timedelta(days=created_days_ago + days_ago),
    )
    actions.figures_rebuild()  # the moments were set behind the actions' back: the figures are rebuilt
    return deal


def test_the_figures_match_a_small_history_worked_out_by_hand(cast):
    rep = cast.sales_north
    _closed(rep, "A", "1000", "Won", created_days_ago=10)
    _closed(rep, "B", "3000", "Won", created_days_ago=20)
    _closed(rep, "C", "500", "Lost", reason="Price")
    _closed(rep, "D", "700", "Lost", reason="Price")
    _closed(rep, "E", "900", "Lost", reason="Timing")
    _closed(rep, "F", "99999", "Won", currency="HUF")  # another currency: counted, never added to EUR
    open_deal = actions.deal_create(actor=rep, values={"name": "G", "amount": "2000", "currency": "EUR"})
    actions.deal_update(actor=rep, deal=open_deal, values={"stage": _stage("Proposal").public_id}, expected_version=1)
    actions.deal_create(actor=cast.sales_south, values={"name": "South", "amount": "5", "currency": "EUR"})
    scope = reports.Scope(rep, "EUR")

    pipeline = queries.default_pipeline()
    assert pipeline is not None
    by_stage = {row.stage: row for row in reports.pipeline_by_stage(scope, pipeline)}
    assert (by_stage["Proposal"].deals, by_stage["Proposal"].amount, by_stage["Proposal"].weighted) == (
        1, Decimal("2000.00"), Decimal("1000.00"),  # 2000 × 50 %
    )  # fmt: skip
    assert by_stage["Qualification"].deals == 0  # the south team's deal is not the reader's

    this_month = reports.won_lost_by_month(scope, 12)[-1]
    assert (this_month.won, this_month.won_amount, this_month.lost, this_month.lost_amount) == (
        3, Decimal("4000.00"), 3, Decimal("2100.00"),  # won 1000 + 3000 (HUF left out), lost 500 + 700 + 900
    )  # fmt: skip
    assert this_month.win_rate == Decimal("50.0")  # 3 of 6 closed
    assert [(r.reason, r.deals, r.amount) for r in reports.lost_reasons(scope)] == [
        ("Price", 2, Decimal("1200.00")),
        ("Timing", 1, Decimal("900.00")),
    ]
    performance = reports.performance(scope)
    assert performance.won == 3 and performance.average_size == Decimal("2000.00")  # (1000 + 3000) / 2, EUR only
    assert performance.average_cycle_days == Decimal("13.3")  # (10 + 20 + 10) / 3 days from creation to won


def test_the_funnel_counts_leads_converted_and_deals_won(cast):
    rep = cast.sales_north
    for n in range(4):
        actions.lead_create(actor=rep, values={"last_name": f"Lead {n}"})
    lead = Lead.objects.first()
    assert lead is not None
    made = actions.lead_convert(actor=rep, lead=lead)
    assert made.deal is not None
    actions.deal_update(actor=rep, deal=made.deal, values={"stage": _stage("Won").public_id}, expected_version=1)
    funnel = reports.funnel(reports.Scope(rep, "EUR"))
    assert (funnel.leads, funnel.converted, funnel.deals, funnel.won, funnel.lost) == (4, 1, 1, 1, 0)
    assert funnel.lead_to_deal == Decimal("25.0") and funnel.deal_to_won == Decimal("100.0")


def test_the_dashboard_shows_each_chart_with_its_table_and_a_csv_of_it(cast):
    _closed(cast.sales_north, "A", "1000", "Won")
    actions.lost_reason_create(actor=cast.admin, values={"name": '=HYPERLINK("x")'})
    _closed(cast.sales_north, "B", "10", "Lost", reason='=HYPERLINK("x")')
    client = Client()
    assert client.login(username="sales_north", password=PASSWORD)
    page = client.get(reverse("sales:dashboard"))
    assert page.status_code == 200
    html = page.content.decode()
    for key in ("pipeline", "months", "reasons", "funnel"):
        assert f'data-testid="chart-{key}"' in html and f'data-chart="{key}"' in html
    assert 'id="sales-charts"' in html
    csv = client.get(reverse("sales:dashboard_csv", args=["reasons"]))
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    # A cell a spreadsheet would run as a formula is written as text.
    assert csv.content.decode().splitlines() == ["Lost reason,Deals,Amount (EUR)", '"\'=HYPERLINK(""x"")",1,10.00']
    assert client.get(reverse("sales:dashboard_csv", args=["secrets"])).status_code == 404
