"""The kept sales figures stay equal to what the records say, whatever writes happen: creates,
moves into won and lost and back, changes of amount, owner and currency, trash and restore, lead
conversions, history loads and imports — and under concurrent writers on PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from clientela.sales import actions, queries
from clientela.sales.models_figures import DealFigure, LeadFigure, StageFigure


def _kept() -> set[tuple[str, str, tuple[int, ...]]]:
    return queries.figures_kept()


def _rebuilt() -> set[tuple[str, str, tuple[int, ...]]]:
    actions.figures_rebuild()
    return _kept()


def _stage(name, pipeline=None):
    pipeline = pipeline or queries.default_pipeline()
    return pipeline.stages.get(name=name)


def _move(actor, deal, name):
    reason = queries.lost_reasons().get(name="Price").public_id if name == "Lost" else None
    return actions.deal_move(actor=actor, deal=deal, stage=_stage(name), expected_version=deal.version,
                             lost_reason=reason)  # fmt: skip


def test_the_kept_figures_equal_a_rebuild_after_every_kind_of_write(cast):
    rep, colleague = cast.sales_north, cast.sales_north_2
    won = actions.deal_create(actor=rep, values={"name": "Won", "amount": "1200.50"})
    for stage in ("Needs analysis", "Proposal", "Won"):
        won = _move(rep, won, stage)
    lost = _move(rep, actions.deal_create(actor=rep, values={"name": "Lost", "amount": "80"}), "Lost")
    reopened = _move(rep, _move(rep, actions.deal_create(actor=rep, values={"name": "Back", "amount": "5"}), "Won"),
                     "Proposal")  # fmt: skip
    values = {"amount": "999.99", "owner": colleague.username, "currency": "HUF"}
    changed = actions.deal_update(actor=rep, deal=won, values=values, expected_version=won.version)
    trashed = actions.deal_trash(actor=rep, deal=lost)
    actions.deal_restore(actor=rep, deal=trashed)
    gone = actions.deal_create(actor=rep, values={"name": "Gone", "amount": "7"})
    actions.deal_trash(actor=rep, deal=_move(rep, gone, "Won"))
    lead = actions.lead_create(actor=rep, values={"last_name": "Kovács", "company": "Kovács Kft."})
    actions.lead_convert(actor=rep, lead=lead)
    actions.lead_create(actor=colleague, values={"last_name": "Nagy"})
    assert changed.amount and reopened.stage.name == "Proposal"

    kept = _kept()
    assert {table for table, _key, _numbers in kept} == {"deal", "stage", "lead"}
    assert kept == _rebuilt()


def test_the_dashboard_and_the_learned_odds_move_with_a_drag_into_won(cast):
    from clientela.sales import forecasting, reports

    rep = cast.sales_north
    scope = reports.Scope(reader=rep, currency="EUR")
    deal = actions.deal_create(actor=rep, values={"name": "Drag", "amount": "300", "currency": "EUR"})
    assert reports.performance(scope).won == 0
    _move(rep, deal, "Won")

    assert reports.performance(scope).won == 1
    assert reports.performance(scope).average_size == 300
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    odds = {o.stage.name: (o.deals, o.won) for o in forecasting.learned_probabilities(rep, pipeline)}
    assert odds["Qualification"] == (1, 1) and odds["Won"] == (1, 1)


def test_another_teams_figures_stay_out_of_a_readers_sums(cast):
    from clientela.sales import reports

    _move(cast.sales_south, actions.deal_create(actor=cast.sales_south, values={"name": "S", "amount": "9"}), "Won")
    assert reports.performance(reports.Scope(reader=cast.sales_north, currency="EUR")).won == 0
    assert reports.performance(reports.Scope(reader=cast.admin, currency="EUR")).won == 1


def test_the_worker_builds_missing_figures_once(cast):
    from clientela.sales import tasks

    _move(cast.sales_north, actions.deal_create(actor=cast.sales_north, values={"name": "A", "amount": "1"}), "Won")
    before = _kept()
    DealFigure.objects.all().delete()
    LeadFigure.objects.all().delete()
    StageFigure.objects.all().delete()

    assert (tasks.build_missing_figures() or "").startswith("sales figures built")
    assert _kept() == before
    assert tasks.build_missing_figures() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_of_one_owners_deals_add_up(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")
    rep = cast.sales_north
    deals = [actions.deal_create(actor=rep, values={"name": f"D{n}", "amount": "10"}) for n in range(8)]
    start = threading.Barrier(len(deals))
    failures: list[BaseException] = []

    def win(deal):
        try:
            start.wait(timeout=10)
            _move(rep, deal, "Won")
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=win, args=(deal,)) for deal in deals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures
    kept = _kept()
    assert sum(numbers[0] for table, _key, numbers in kept if table == "deal") == 8
    assert kept == _rebuilt()


def test_the_command_checks_and_rebuilds_the_figures(cast):
    import io

    from django.core.management import CommandError, call_command

    _move(cast.sales_north, actions.deal_create(actor=cast.sales_north, values={"name": "A", "amount": "1"}), "Won")
    out = io.StringIO()
    call_command("rebuild_sales_figures", "--check", stdout=out)
    assert "equal a rebuild" in out.getvalue()

    DealFigure.objects.update(deals=5)
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_sales_figures", "--check", stdout=io.StringIO())
    call_command("rebuild_sales_figures", stdout=io.StringIO())
    call_command("rebuild_sales_figures", "--check", stdout=io.StringIO())
