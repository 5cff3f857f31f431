"""Forecasts: win probabilities learned from closed deals, recomputed by hand on a small fixed
history; the weighted pipeline by period, owner, team, category and currency in exact Decimals;
managers' adjustments and who may make them; snapshots compared with what was won since; and
none of it showing a reader another team's deals."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.sales import actions, forecasting, queries
from clientela.sales.actions.forecasts import forecast_adjust, forecast_snapshot_take
from clientela.sales.models import Deal, ForecastAdjustment, ForecastSnapshot

JAN, FEB, MAR = dt.date(2026, 1, 1), dt.date(2026, 2, 1), dt.date(2026, 3, 1)


def _pipeline():
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline


def _stage(name):
    return _pipeline().stages.get(name=name)


def _move(actor, deal, stage):
    reason = queries.lost_reasons().get(name="Price").public_id if stage == "Lost" else None
    return actions.deal_move(
        actor=actor, deal=deal, stage=_stage(stage), expected_version=deal.version, lost_reason=reason
    )


def _through(actor, name, *stages, amount="100"):
    """A deal created in the first stage (Qualification) and moved through `stages` in order."""
    deal = actions.deal_create(actor=actor, values={"name": name, "amount": amount})
    for stage in stages:
        deal = _move(actor, deal, stage)
    return deal


def _deal(actor, name, amount, *, stage="Qualification", currency="EUR", close=None, category=None):
    values = {"name": name, "amount": amount, "currency": currency, "stage": _stage(stage)}
    if close is not None:
        values["expected_close_date"] = close
    if category is not None:
        values["forecast_category"] = category
    return actions.deal_create(actor=actor, values=values)


def _closed(actor, deal, stage, on):
    """Won or lost, on a given day in the past (the action closes it today)."""
    deal = _move(actor, deal, stage)
    Deal.all_objects.filter(pk=deal.pk).update(closed_on=on)
    deal.refresh_from_db()
    actions.figures_rebuild()  # the day was set behind the actions' back: the figures are rebuilt
    return deal


def _odds(user):
    return [(o.stage.name, o.default, o.learned, o.deals) for o in forecasting.learned_probabilities(user, _pipeline())]


# --- learned probabilities -------------------------------------------------------------------------


@pytest.fixture
def closed_history(cast):
    rep = cast.sales_north
    _through(rep, "A", "Needs analysis", "Proposal", "Won")
    _through(rep, "B", "Needs analysis", "Proposal", "Negotiation", "Won")
    _through(rep, "C", "Needs analysis", "Lost")
    _through(rep, "D", "Lost")
    _through(cast.sales_north_2, "E", "Negotiation", "Lost")
    _through(rep, "F, still open", "Needs analysis", "Proposal")
    _through(cast.sales_south, "South", "Won")
    trashed = _through(rep, "Trashed", "Won")
    actions.deal_trash(actor=rep, deal=trashed)


def test_learned_probabilities_are_recomputed_by_hand_on_a_small_history(cast, closed_history):
    # Closed deals the north team sees: A, B won; C, D, E lost (F is open, "South" is the other
    # team's, "Trashed" is in the trash).
    #   Qualification: A B C D E entered it, A B won  -> 2/5 = 40.0 %
    #   Needs analysis: A B C                           -> 2/3 = 66.7 %
    #   Proposal: A B                                   -> 2/2 = 100.0 %
    #   Negotiation: B E                                -> 1/2 = 50.0 %
    #   Won: A B (100 % by definition); Lost: C D E (0 %)
    assert _odds(cast.manager_north) == [
        ("Qualification", 10, Decimal("40.0"), 5),
        ("Needs analysis", 25, Decimal("66.7"), 3),
        ("Proposal", 50, Decimal("100.0"), 2),
        ("Negotiation", 75, Decimal("50.0"), 2),
        ("Won", 100, Decimal("100.0"), 2),
        ("Lost", 0, Decimal("0.0"), 3),
    ]


def test_an_administrator_learns_from_every_teams_closed_deals_but_not_from_the_trash(cast, closed_history):
    # "South" went Qualification -> Won: Qualification 3 won of 6 = 50.0 %; "Trashed" never counts.
    odds = _odds(cast.admin)
    assert odds[0] == ("Qualification", 10, Decimal("50.0"), 6)
    assert odds[4] == ("Won", 100, Decimal("100.0"), 3)


def test_the_learned_probabilities_take_two_queries_whatever_the_history(
    cast, closed_history, django_assert_num_queries
):
    pipeline = _pipeline()
    with django_assert_num_queries(2):
        forecasting.learned_probabilities(cast.admin, pipeline)


def test_a_deal_that_entered_a_stage_twice_counts_once(cast):
    rep = cast.sales_north
    _through(rep, "Back and forth", "Needs analysis", "Qualification", "Needs analysis", "Won")
    assert _odds(rep)[:3] == [
        ("Qualification", 10, Decimal("100.0"), 1),
        ("Needs analysis", 25, Decimal("100.0"), 1),
        ("Proposal", 50, None, 0),
    ]


def test_open_deals_do_not_count_in_the_learned_odds(cast):
    rep = cast.sales_north
    _through(rep, "Open", "Needs analysis", "Proposal", "Negotiation")
    assert [learned for _name, _default, learned, _deals in _odds(rep)] == [None] * 6
    _through(rep, "Lost one", "Lost")
    assert _odds(rep)[0] == ("Qualification", 10, Decimal("0.0"), 1)  # only the closed one


# --- the weighted pipeline -------------------------------------------------------------------------


@pytest.fixture
def pipeline_history(cast):
    rep, rep_2 = cast.sales_north, cast.sales_north_2
    deals = {
        "n1": _deal(rep, "N1", "1000.00", close="2026-01-15"),  # 10 %
        "n2": _deal(rep, "N2", "333.33", stage="Proposal", close="2026-01-31", category="commit"),  # 50 %
        "n3": _deal(rep, "N3", "333.33", stage="Proposal", close="2026-01-05", category="commit"),  # 50 %
        "n4": _deal(rep, "N4", "5000", stage="Negotiation", currency="HUF", close="2026-01-10", category="commit"),
        "n5": _deal(rep_2, "N5", "2000", stage="Needs analysis", close="2026-02-05", category="best_case"),
        "n6": _deal(rep, "N6", "1200", stage="Proposal", close="2026-03-15"),
        "n7": _deal(rep_2, "N7", "800", close="2026-03-28"),
        "later": _deal(rep, "Later", "900", close="2026-04-02"),
        "undated": _deal(rep, "Undated", "400"),
        "south": _deal(cast.sales_south, "S1", "7000", close="2026-01-20"),
    }
    deals["n6"] = _closed(rep, deals["n6"], "Won", dt.date(2026, 2, 20))  # closed: its period is February
    deals["n7"] = _closed(rep_2, deals["n7"], "Lost", dt.date(2026, 3, 3))
    trashed = _deal(rep, "Trashed", "100", close="2026-01-15")
    actions.deal_trash(actor=rep, deal=trashed)
    return deals


def _figures(rows):
    return [(r.period, r.owner_id, r.team_id, r.category, r.currency, r.deals, r.amount, r.weighted) for r in rows]


def test_the_weighted_pipeline_by_period_owner_team_and_category_is_exact(cast, pipeline_history):
    north, rep, rep_2 = cast.north.pk, cast.sales_north.pk, cast.sales_north_2.pk
    rows = forecasting.weighted_pipeline(cast.manager_north, first_period=JAN, last_period=dt.date(2026, 3, 31))
    assert _figures(rows) == [
        (JAN, rep, north, "pipeline", "EUR", 1, Decimal("1000.00"), Decimal("100.00")),  # 1000 × 10 %
        # 333.33 × 50 % = 166.665 twice: 333.33, rounded once at the end (166.67 + 166.67 would be 333.34)
        (JAN, rep, north, "commit", "EUR", 2, Decimal("666.66"), Decimal("333.33")),
        (JAN, rep, north, "commit", "HUF", 1, Decimal("5000.00"), Decimal("3750.00")),  # never added to EUR
        (FEB, rep, north, "closed", "EUR", 1, Decimal("1200.00"), Decimal("1200.00")),  # won in February
        (FEB, rep_2, north, "best_case", "EUR", 1, Decimal("2000.00"), Decimal("500.00")),  # 2000 × 25 %
        (MAR, rep_2, north, "omitted", "EUR", 1, Decimal("800.00"), Decimal("0.00")),  # lost in March
    ]


def test_the_weighted_pipeline_by_team_keeps_currencies_apart(cast, pipeline_history):
    rows = forecasting.weighted_pipeline(cast.admin, first_period=JAN, last_period=MAR, group_by=("team",))
    assert _figures(rows) == [
        # N1 N2 N3 N5 N6 N7: 1000 + 666.66 + 2000 + 1200 + 800; weighted 100 + 333.33 + 500 + 1200 + 0
        (None, None, cast.north.pk, None, "EUR", 6, Decimal("5666.66"), Decimal("2133.33")),
        (None, None, cast.north.pk, None, "HUF", 1, Decimal("5000.00"), Decimal("3750.00")),
        (None, None, cast.south.pk, None, "EUR", 1, Decimal("7000.00"), Decimal("700.00")),
    ]


def test_the_weighted_pipeline_narrows_to_an_owner_and_costs_two_queries(
    cast, pipeline_history, django_assert_num_queries
):
    with django_assert_num_queries(2):  # the open deals, the kept figures of the closed ones
        rows = forecasting.weighted_pipeline(
            cast.admin, first_period=FEB, last_period=FEB, group_by=("owner",), owner=cast.sales_north_2
        )
    assert _figures(rows) == [
        (None, cast.sales_north_2.pk, None, None, "EUR", 1, Decimal("2000.00"), Decimal("500.00")),
    ]


def test_open_deals_without_an_expected_close_date_are_counted_apart(cast, pipeline_history):
    assert _figures(forecasting.undated_pipeline(cast.manager_north)) == [
        (None, cast.sales_north.pk, cast.north.pk, "pipeline", "EUR", 1, Decimal("400.00"), Decimal("40.00")),
    ]


def test_the_forecast_shows_each_period_and_category_with_the_deals_without_a_date_apart(cast, pipeline_history):
    result = forecasting.forecast(cast.manager_north, first_period=JAN, last_period=MAR, team=cast.north)
    assert result.periods == (JAN, FEB, MAR)
    assert [(c.period, c.category, c.currency, c.deals, c.amount, c.weighted, c.adjusted) for c in result.cells] == [
        (JAN, "pipeline", "EUR", 1, Decimal("1000.00"), Decimal("100.00"), None),
        (JAN, "commit", "EUR", 2, Decimal("666.66"), Decimal("333.33"), None),
        (JAN, "commit", "HUF", 1, Decimal("5000.00"), Decimal("3750.00"), None),
        (FEB, "best_case", "EUR", 1, Decimal("2000.00"), Decimal("500.00"), None),
        (FEB, "closed", "EUR", 1, Decimal("1200.00"), Decimal("1200.00"), None),
    ]  # the lost deal is "omitted": counted by the pipeline, never forecast
    assert [(r.category, r.currency, r.amount) for r in result.undated] == [("pipeline", "EUR", Decimal("400.00"))]


# --- visibility ------------------------------------------------------------------------------------


def test_a_south_sales_rep_sees_none_of_the_north_teams_deals_in_any_figure(cast, closed_history, pipeline_history):
    reader = cast.sales_south
    rows = forecasting.weighted_pipeline(reader, first_period=JAN, last_period=MAR)
    assert _figures(rows) == [
        (JAN, reader.pk, cast.south.pk, "pipeline", "EUR", 1, Decimal("7000.00"), Decimal("700.00")),
    ]
    assert forecasting.undated_pipeline(reader) == []
    # Of the closed history only "South" (Qualification -> Won) is theirs.
    assert [(name, deals) for name, _default, _learned, deals in _odds(reader)] == [
        ("Qualification", 1), ("Needs analysis", 0), ("Proposal", 0), ("Negotiation", 0), ("Won", 1), ("Lost", 0),
    ]  # fmt: skip
    result = forecasting.forecast(reader, first_period=JAN, last_period=MAR)
    assert [(c.period, c.category, c.amount) for c in result.cells] == [(JAN, "pipeline", Decimal("7000.00"))]
    everything = forecast_snapshot_take(actor=None, first_period=JAN, last_period=MAR)
    compared = forecasting.compare_snapshot(reader, everything)
    assert {(c.owner, c.team) for c in compared} == {(str(reader.public_id), str(cast.south.public_id))}


# --- adjustments -----------------------------------------------------------------------------------


def test_a_manager_adjusts_their_teams_forecast_and_the_latest_adjustment_wins(cast, pipeline_history):
    first = forecast_adjust(
        actor=cast.manager_north, period=dt.date(2026, 1, 17), category="commit", amount="500",
        currency="eur", team=cast.north, note="Two of them will slip",
    )  # fmt: skip
    assert first.period == JAN and first.amount == Decimal("500.00") and first.currency == "EUR"
    assert first.team == cast.north and first.owner is None
    assert Event.objects.filter(action="forecastadjustment.create", record_id=first.public_id).exists()
    forecast_adjust(
        actor=cast.manager_north, period=JAN, category="commit", amount=Decimal("450.50"), currency="EUR",
        team=cast.north,
    )  # fmt: skip
    result = forecasting.forecast(cast.manager_north, first_period=JAN, last_period=MAR, team=cast.north)
    cell = result.cell(JAN, "commit", "EUR")
    assert cell is not None and (cell.amount, cell.weighted, cell.adjusted) == (
        Decimal("666.66"), Decimal("333.33"), Decimal("450.50"),
    )  # fmt: skip
    untouched = result.cell(JAN, "pipeline", "EUR")
    assert untouched is not None and untouched.adjusted is None


def test_a_managers_adjustment_of_one_rep_belongs_to_the_reps_team_and_shows_in_the_reps_forecast(
    cast, pipeline_history
):
    adjusted = forecast_adjust(
        actor=cast.manager_north, period=MAR, category="best_case", amount="10", currency="EUR",
        owner=cast.sales_north_2,
    )  # fmt: skip
    assert adjusted.owner == cast.sales_north_2 and adjusted.team == cast.north
    result = forecasting.forecast(cast.manager_north, first_period=JAN, last_period=MAR, owner=cast.sales_north_2)
    cell = result.cell(MAR, "best_case", "EUR")  # no deal there: the adjustment alone
    assert cell is not None and (cell.deals, cell.amount, cell.adjusted) == (0, Decimal("0.00"), Decimal("10.00"))
    team_view = forecasting.forecast(cast.manager_north, first_period=JAN, last_period=MAR, team=cast.north)
    assert team_view.cell(MAR, "best_case", "EUR") is None  # a rep's adjustment is not the team's


def test_a_manager_is_refused_for_the_other_team_and_its_members(cast):
    with pytest.raises(PermissionDenied):
        forecast_adjust(actor=cast.manager_north, period=JAN, category="commit", amount="1", currency="EUR",
                        team=cast.south)  # fmt: skip
    with pytest.raises(PermissionDenied):
        forecast_adjust(actor=cast.manager_north, period=JAN, category="commit", amount="1", currency="EUR",
                        owner=cast.sales_south)  # fmt: skip
    with pytest.raises(PermissionDenied):  # nor the whole company's
        forecast_adjust(actor=cast.manager_north, period=JAN, category="commit", amount="1", currency="EUR")
    assert not ForecastAdjustment.objects.exists()


@pytest.mark.parametrize("username", ["sales_north", "readonly_north", "analyst"])
def test_only_managers_and_administrators_may_adjust(cast, username):
    with pytest.raises(PermissionDenied):
        forecast_adjust(actor=getattr(cast, username), period=JAN, category="commit", amount="1", currency="EUR",
                        team=cast.north)  # fmt: skip
    assert not ForecastAdjustment.objects.exists()


def test_an_administrator_adjusts_any_team_and_the_whole_company(cast):
    south = forecast_adjust(actor=cast.admin, period=JAN, category="pipeline", amount="1", currency="EUR",
                            team=cast.south)  # fmt: skip
    company = forecast_adjust(actor=cast.admin, period=JAN, category="pipeline", amount="2", currency="EUR")
    assert south.team == cast.south and (company.team, company.owner) == (None, None)
    result = forecasting.forecast(cast.admin, first_period=JAN, last_period=JAN)
    cell = result.cell(JAN, "pipeline", "EUR")
    assert cell is not None and cell.adjusted == Decimal("2.00")


def test_bad_adjustment_input_names_each_field(cast):
    with pytest.raises(ValidationFailed) as refused:
        forecast_adjust(
            actor=cast.manager_north, period="soon", category="closed", amount="-1", currency="EURO",
            owner="nobody", note="x" * 501,
        )  # fmt: skip
    assert [e.field for e in refused.value.errors] == ["period", "category", "amount", "currency", "note", "owner"]
    for amount in (0.1, "1.005", "ten", None, True):
        with pytest.raises(ValidationFailed) as refused:
            forecast_adjust(actor=cast.admin, period=JAN, category="commit", amount=amount, currency="EUR")
        assert [e.field for e in refused.value.errors] == ["amount"]
    with pytest.raises(ValidationFailed) as refused:
        forecast_adjust(actor=cast.admin, period=JAN, category="commit", amount="1", currency="EUR",
                        owner=cast.sales_south, team=cast.north)  # fmt: skip
    assert [e.field for e in refused.value.errors] == ["owner"]
    assert not ForecastAdjustment.objects.exists()


# --- snapshots -------------------------------------------------------------------------------------


def test_a_snapshot_keeps_the_forecast_and_is_compared_with_what_was_won_since(cast, pipeline_history):
    rep, rep_2 = cast.sales_north, cast.sales_north_2
    snapshot = forecast_snapshot_take(actor=cast.manager_north, first_period=JAN, last_period=MAR, label="Q1 call")
    assert snapshot.taken_by_id == cast.manager_north.pk and snapshot.label == "Q1 call"
    assert (snapshot.first_period, snapshot.last_period, len(snapshot.rows)) == (JAN, MAR, 6)
    assert {
        "period": "2026-01-01", "owner": str(rep.public_id), "team": str(cast.north.public_id),
        "category": "commit", "currency": "EUR", "deals": 2, "amount": "666.66", "weighted": "333.33",
    } in snapshot.rows  # fmt: skip
    kept = list(snapshot.rows)
    assert Event.objects.filter(action="forecastsnapshot.create", record_id=snapshot.public_id).exists()

    # Since then: N2 (committed for January) won in January, N5 (best case, February) won in
    # February, a deal nobody forecast won in March.
    _closed(rep, pipeline_history["n2"], "Won", dt.date(2026, 1, 25))
    _closed(rep_2, pipeline_history["n5"], "Won", dt.date(2026, 2, 10))
    _closed(rep, _deal(rep, "Surprise", "250"), "Won", dt.date(2026, 3, 12))

    compared = {(c.period, c.owner, c.currency): c for c in forecasting.compare_snapshot(cast.manager_north, snapshot)}
    north = str(cast.north.public_id)
    assert {c.team for c in compared.values()} == {north}
    r1, r2 = str(rep.public_id), str(rep_2.public_id)
    figures = {
        key: ([(f.category, f.deals, f.amount, f.weighted) for f in c.forecast], c.won_deals, c.won_amount)
        for key, c in compared.items()
    }
    assert figures == {
        (JAN, r1, "EUR"): (
            [
                ("pipeline", 1, Decimal("1000.00"), Decimal("100.00")),
                ("commit", 2, Decimal("666.66"), Decimal("333.33")),
            ],
            1, Decimal("333.33"),
        ),
        (JAN, r1, "HUF"): ([("commit", 1, Decimal("5000.00"), Decimal("3750.00"))], 0, Decimal("0.00")),
        (FEB, r1, "EUR"): ([("closed", 1, Decimal("1200.00"), Decimal("1200.00"))], 1, Decimal("1200.00")),
        (FEB, r2, "EUR"): ([("best_case", 1, Decimal("2000.00"), Decimal("500.00"))], 1, Decimal("2000.00")),
        (MAR, r1, "EUR"): ([], 1, Decimal("250.00")),
        (MAR, r2, "EUR"): ([("omitted", 1, Decimal("800.00"), Decimal("0.00"))], 0, Decimal("0.00")),
    }  # fmt: skip
    january = compared[(JAN, r1, "EUR")]
    # weighted forecast 100 + 333.33; committed 666.66; won 333.33
    assert (january.weighted, january.commit, january.difference) == (
        Decimal("433.33"), Decimal("666.66"), Decimal("-100.00"),
    )  # fmt: skip
    snapshot.refresh_from_db()
    assert snapshot.rows == kept  # the snapshot itself never changes


def test_comparing_a_snapshot_takes_four_queries(cast, pipeline_history, django_assert_num_queries):
    snapshot = forecast_snapshot_take(actor=cast.manager_north, first_period=JAN, last_period=MAR)
    snapshot = ForecastSnapshot.objects.get(pk=snapshot.pk)
    with django_assert_num_queries(4):
        forecasting.compare_snapshot(cast.manager_north, snapshot)


def test_a_snapshots_rows_are_what_the_actor_could_see(cast, pipeline_history):
    south = forecast_snapshot_take(actor=cast.sales_south, first_period=JAN, last_period=MAR)
    assert south.rows == [
        {
            "period": "2026-01-01", "owner": str(cast.sales_south.public_id), "team": str(cast.south.public_id),
            "category": "pipeline", "currency": "EUR", "deals": 1, "amount": "7000.00", "weighted": "700.00",
        }
    ]  # fmt: skip
    everything = forecast_snapshot_take(actor=cast.admin, first_period=JAN, last_period=MAR)
    assert {row["team"] for row in everything.rows} == {str(cast.north.public_id), str(cast.south.public_id)}
    # What the south rep snapshot covered is all an administrator compares it with.
    _closed(cast.sales_north, pipeline_history["n1"], "Won", dt.date(2026, 1, 9))
    compared = forecasting.compare_snapshot(cast.admin, south)
    assert {c.team for c in compared} == {str(cast.south.public_id)}


def test_the_background_worker_takes_a_snapshot_of_every_deal(cast, pipeline_history):
    snapshot = forecast_snapshot_take(actor=None, first_period=JAN, last_period=MAR, label="monthly")
    assert snapshot.taken_by_id is None and len(snapshot.rows) == 7  # the north team's six rows and the south's
    event = Event.objects.get(action="forecastsnapshot.create", record_id=snapshot.public_id)
    assert event.actor_id is None and event.data["rows"] == 7
    north_view = forecasting.compare_snapshot(cast.manager_north, snapshot)
    assert {c.team for c in north_view} == {str(cast.north.public_id)}


def test_a_snapshot_needs_a_writer_and_a_sensible_range(cast):
    with pytest.raises(PermissionDenied):
        forecast_snapshot_take(actor=cast.readonly_north, first_period=JAN, last_period=MAR)
    with pytest.raises(ValidationFailed) as refused:
        forecast_snapshot_take(actor=cast.manager_north, first_period="2026-03", last_period=JAN, label="x" * 101)
    assert [e.field for e in refused.value.errors] == ["label", "last_period"]
    with pytest.raises(ValidationFailed) as refused:
        forecast_snapshot_take(actor=cast.manager_north, first_period="Q1", last_period=dt.date(2031, 1, 1))
    assert [e.field for e in refused.value.errors] == ["first_period"]
    with pytest.raises(ValidationFailed) as refused:
        forecast_snapshot_take(actor=cast.manager_north, first_period=JAN, last_period=dt.date(2031, 1, 1))
    assert [e.field for e in refused.value.errors] == ["last_period"]
    assert not ForecastSnapshot.objects.exists()
