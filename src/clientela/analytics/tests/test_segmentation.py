"""Segmentation rules: the ten behavioural types, requirement groups, strategies, rules files, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clientela.analytics.cli import main
from clientela.analytics.segmentation import (
    DEFAULT_BEHAVIOUR,
    DEFAULT_STRATEGY,
    RuleError,
    RuleSet,
    classify,
    emotional_bond,
    load_rules,
    segment,
)

NAN = np.nan
BEHAVIOUR_CASES = [
    # consistency, bond, promotion_share, nps, complaints, no_alternative -> type
    (0.9, 0.8, 0.1, 10, 0, NAN, "truly loyal"),
    (0.9, 0.0, 0.9, NAN, NAN, NAN, "vampire"),
    (0.9, NAN, 0.4, NAN, NAN, NAN, "bought loyalty"),
    (0.9, -0.4, 0.0, 7, 0, 1, "hostage"),
    (0.9, -0.4, 0.0, 7, 0, 0, "bad habit"),
    (0.9, -0.8, 0.0, 2, 0, NAN, "terrorist"),
    (0.1, -0.8, 0.0, NAN, 3, NAN, "terrorist"),
    (0.1, 0.9, 0.0, 10, NAN, NAN, "fan"),
    (0.2, 0.0, 0.8, NAN, NAN, NAN, "waiting for a better offer"),
    (0.2, 0.1, 0.1, NAN, NAN, NAN, "opportunist"),
    (0.0, NAN, NAN, NAN, NAN, NAN, "indifferent"),
    (0.9, 0.0, 0.0, NAN, NAN, NAN, "indifferent"),
    (0.9, NAN, 0.0, NAN, NAN, NAN, "unclassified"),
]


def test_each_behavioural_type_has_a_case_that_reaches_it() -> None:
    columns = list(zip(*BEHAVIOUR_CASES, strict=True))
    names = ["consistency", "bond", "promotion_share", "nps", "complaints", "no_alternative"]
    signals = {name: np.array(values, dtype=np.float64) for name, values in zip(names, columns[:6], strict=True)}
    result = classify(signals, DEFAULT_BEHAVIOUR, len(BEHAVIOUR_CASES))
    assert result.tolist() == list(columns[6])
    assert set(result.tolist()) == {rule.name for rule in DEFAULT_BEHAVIOUR}
    assert len(set(result.tolist()) - {"unclassified"}) == 10


def test_the_bond_averages_satisfaction_nps_and_loyalty_less_complaints() -> None:
    bond = emotional_bond(
        satisfaction=np.array([10.0, 1.0, NAN, NAN]),
        nps=np.array([10.0, NAN, NAN, NAN]),
        loyalty_answer=np.array([0.5, NAN, NAN, NAN]),
        complaints=np.array([0.0, 1.0, 2.0, NAN]),
        size=4,
    )
    assert bond[0] == pytest.approx((1 + 1 + 0.5) / 3)
    assert bond[1] == pytest.approx(-1.0)
    assert bond[2] == pytest.approx(-0.5)
    assert np.isnan(bond[3])


def test_strategies_follow_the_post_segmentation_table() -> None:
    signals = {
        "bad_payer": np.array([1.0, 0, 0, 0, 0]),
        "payment_delay_days": np.array([NAN, NAN, NAN, NAN, NAN]),
        "growth": np.array([0.5, 0.5, 0.0, 0.0, 0.0]),
        "margin": np.array([10.0, 10.0, 10.0, 10.0, 10.0]),
        "predicted_value_rank": np.array([1.0, 1.0, 0.9, 0.5, 0.1]),
        "consistency": np.array([0.1, 0.1, 0.1, 0.8, 0.1]),
        "tenure_years": np.array([5.0, 5.0, 5.0, 3.0, 0.5]),
    }
    assert classify(signals, DEFAULT_STRATEGY, 5).tolist() == [
        "let them go",
        "don't lose them",
        "build better relations",
        "protect them",
        "don't invest much",
    ]


def test_requirement_groups_combine_the_two_dimensions() -> None:
    signals = {
        "requirements_specific": np.array([1.0, NAN, NAN, NAN]),
        "popular_share": np.array([0.9, 0.9, 0.1, NAN]),
        "requirements_non_uniform": np.array([NAN, 1.0, NAN, NAN]),
        "spend_cv": np.array([0.5, 0.5, 2.0, 0.5]),
    }
    empty = {name: np.full(4, NAN) for name in ("consistency", "bond", "promotion_share", "nps", "complaints")}
    empty.update(
        {name: np.full(4, NAN) for name in ("no_alternative", "bad_payer", "payment_delay_days", "growth", "margin")}
    )
    empty.update({name: np.full(4, NAN) for name in ("predicted_value_rank", "tenure_years")})
    result = segment({**empty, **signals}, RuleSet(), 4)
    assert result.requirement_group.tolist() == [
        "II: specific, uniform",
        "III: general, non-uniform",
        "IV: specific, non-uniform",
        "unknown",
    ]


def test_a_rules_file_replaces_only_the_lists_it_gives(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[behaviour]]\nname = "fan"\nwhen = { bond = { min = 0.9 } }\n\n[[behaviour]]\nname = "other"\n',
        encoding="utf-8",
    )
    rules = load_rules(path)
    assert [rule.name for rule in rules.behaviour] == ["fan", "other"]
    assert rules.strategy == DEFAULT_STRATEGY
    assert classify({"bond": np.array([0.95, 0.5])}, rules.behaviour, 2).tolist() == ["fan", "other"]


def test_a_rules_file_with_an_unknown_bound_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"behaviour": [{"name": "x", "when": {"bond": {"atleast": 1}}}]}), encoding="utf-8")
    with pytest.raises(RuleError, match="unknown keys"):
        load_rules(path)


def test_cli_segment_writes_types_groups_strategies_and_signals(tmp_path: Path) -> None:
    rows = [("regular", f"2024-{m:02d}-10", 50.0, "P1", True) for m in range(1, 13)]
    rows += [("occasional", "2024-06-10", 20.0, "P2", False)]
    source = tmp_path / "tx.csv"
    pl.DataFrame(rows, schema=["customer_id", "date", "amount", "product_id", "promotion"], orient="row").write_csv(
        source
    )
    signals = tmp_path / "signals.csv"
    signals.write_text("customer_id,nps,bad_payer\noccasional,10,no\nregular,,yes\n", encoding="utf-8")
    out = tmp_path / "segments.csv"
    argv = ["segment", "--input", str(source), "--as-of", "2024-12-31", "--signals", str(signals)]
    assert main([*argv, "--output", str(out)]) == 0
    frame = pl.read_csv(out)
    assert frame.columns[:4] == ["customer_id", "behaviour_type", "requirement_group", "strategy"]
    by_customer = {row["customer_id"]: row for row in frame.iter_rows(named=True)}
    assert by_customer["regular"]["behaviour_type"] == "vampire"
    assert by_customer["regular"]["strategy"] == "let them go"
    assert by_customer["regular"]["promotion_share"] == 1.0
    assert by_customer["occasional"]["behaviour_type"] == "fan"
    assert by_customer["occasional"]["requirement_group"] == "IV: specific, non-uniform"
    assert by_customer["regular"]["requirement_group"] == "I: general, uniform"


def test_cli_segment_reports_a_bad_rules_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "tx.csv"
    source.write_text("customer_id,date,amount\na,2024-01-01,1\n", encoding="utf-8")
    rules = tmp_path / "rules.json"
    rules.write_text('{"behaviour": [{"name": "x", "when": {"mood": {"min": 1}}}]}', encoding="utf-8")
    assert main(["segment", "--input", str(source), "--as-of", "2024-12-31", "--rules", str(rules)]) == 2
    assert "unknown signal 'mood'" in capsys.readouterr().err
