"""`clientela analytics fit | clv | churn | recommend` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from clientela.analytics.cli import main
from clientela.analytics.tests import _cdnow


@pytest.fixture(scope="module")
def cdnow_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _cdnow.write_csv(tmp_path_factory.mktemp("cdnow") / "cdnow.csv")


def run_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict:
    assert main(argv) == 0
    return json.loads(capsys.readouterr().out)


PUBLISHED = {
    "bgnbd": ({"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, -9582.4, 2357, 3),
    "pareto": ({"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, -9595.0, 2357, 3),
    "gammagamma": ({"p": 6.25, "q": 3.74, "gamma": 15.44}, None, 946, 2),
}


@pytest.mark.parametrize("model", sorted(PUBLISHED))
def test_fit_reproduces_the_published_cdnow_estimates(model, cdnow_csv, capsys) -> None:
    params, ll, n, digits = PUBLISHED[model]
    argv = [
        "fit",
        "--model",
        model,
        "--input",
        str(cdnow_csv),
        "--calibration-end",
        "1997-09-30",
        "--period",
        "week",
        "--json",
    ]
    result = run_json(capsys, argv)
    assert set(result) == {"model", "n", "params", "stderr", "log_likelihood"}
    assert result["model"] == model and result["n"] == n
    assert {k: round(v, digits) for k, v in result["params"].items()} == params
    assert set(result["stderr"]) == set(params)
    if ll is not None:
        assert round(result["log_likelihood"], 1) == ll


def test_fit_prints_a_table_without_json(cdnow_csv, capsys) -> None:
    assert main(["fit", "--model", "bgnbd", "--input", str(cdnow_csv), "--calibration-end", "1997-09-30"]) == 0
    out = capsys.readouterr().out
    assert "customers fitted: 2357" in out and "alpha" in out and "-9582.4" in out


def test_clv_with_a_holdout_writes_every_customer(cdnow_csv, tmp_path, capsys) -> None:
    out = tmp_path / "clv.csv"
    argv = [
        "clv", "--input", str(cdnow_csv), "--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30",
        "--period", "week", "--horizon", "39", "--discount-rate", "0.002", "--model", "bgnbd", "--output", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    table = pl.read_csv(out)
    assert table.columns == [
        "customer_id", "frequency", "recency", "T", "monetary", "p_alive",
        "expected_purchases", "expected_avg_spend", "clv", "actual_purchases",
    ]  # fmt: skip
    assert table.height == 2357
    assert table["actual_purchases"].sum() == 1882
    assert (table["clv"] >= 0).all() and ((table["p_alive"] >= 0) & (table["p_alive"] <= 1)).all()
    first = table.filter(pl.col("customer_id") == 1).row(0, named=True)
    assert round(first["expected_purchases"], 3) == 1.226  # the paper's example customer
    assert "a customer acquired now is worth" in capsys.readouterr().err


def test_clv_with_a_constant_margin_and_the_pareto_model(cdnow_csv, tmp_path) -> None:
    out = tmp_path / "clv.csv"
    base = ["clv", "--input", str(cdnow_csv), "--calibration-end", "1997-09-30", "--horizon", "52"]
    assert main([*base, "--model", "pareto", "--output", str(out)]) == 0
    revenue = pl.read_csv(out)
    assert main([*base, "--model", "pareto", "--margin", "0.25", "--output", str(out)]) == 0
    margin = pl.read_csv(out)
    assert "margin_ratio" in margin.columns
    assert np.allclose(margin["clv"].to_numpy(), 0.25 * revenue["clv"].to_numpy())


def test_churn_reports_auc_of_the_model_and_of_p_alive(cdnow_csv, tmp_path, capsys) -> None:
    out = tmp_path / "churn.csv"
    argv = [
        "churn", "--input", str(cdnow_csv), "--calibration-end", "1997-09-30", "--holdout-end", "1998-06-30",
        "--horizon", "13", "--output", str(out), "--json",
    ]  # fmt: skip
    report = run_json(capsys, argv)
    evaluation = report["evaluation"]
    assert evaluation["auc_model"] > 0.77 > evaluation["auc_bgnbd_p_no_purchase"] - 0.02
    assert evaluation["auc_p_alive"] < 0.5
    table = pl.read_csv(out)
    assert table.height == 2357 and "churn_probability" in table.columns and "churned" in table.columns


def test_model_commands_explain_bad_input(cdnow_csv, capsys) -> None:
    common = ["--input", str(cdnow_csv)]
    assert main(["fit", "--model", "bgnbd", *common, "--calibration-end", "1997-13-01"]) == 2
    assert "--calibration-end" in capsys.readouterr().err
    assert main(["fit", "--model", "bgnbd", *common, "--calibration-end", "1990-01-01"]) == 2
    assert "no purchases" in capsys.readouterr().err
    clv = ["clv", *common, "--calibration-end", "1997-09-30", "--horizon", "10"]
    assert main([*clv, "--holdout-end", "1997-01-01"]) == 2
    assert "before --calibration-end" in capsys.readouterr().err
    churn = ["churn", *common, "--calibration-end", "1997-09-30", "--horizon", "52", "--holdout-end", "1998-06-30"]
    assert main([*churn, "--output", "/dev/null"]) == 2
    assert "at least one horizon" in capsys.readouterr().err
    assert main(["recommend", *common, "--output", "/dev/null"]) == 2
    assert "product_id" in capsys.readouterr().err


def basket_csv(path: Path, customers: int = 600, seed: int = 1) -> Path:
    """Customers with favourite categories of products: co-purchases carry signal."""
    rng = np.random.default_rng(seed)
    lines = ["customer_id,date,amount,product_id"]
    for c in range(customers):
        favourite = rng.integers(0, 6)
        for _ in range(rng.integers(2, 9)):
            day = np.datetime64("2023-01-01") + int(rng.integers(0, 730))
            category = favourite if rng.random() < 0.85 else rng.integers(0, 6)
            product = category * 8 + min(int(rng.geometric(0.3)) - 1, 7)
            lines.append(f"c{c},{day},{10 + product},p{product:02d}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_recommend_beats_popularity_on_baskets_with_taste(tmp_path, capsys) -> None:
    source = basket_csv(tmp_path / "baskets.csv")
    out = tmp_path / "recs.csv"
    argv = [
        "recommend", "--input", str(source), "--calibration-end", "2023-12-31", "--holdout-end", "2024-12-31",
        "--k", "5", "--output", str(out), "--json",
    ]  # fmt: skip
    report = run_json(capsys, argv)
    assert report["model"]["customers"] > 100
    assert report["model"]["precision"] > report["popularity"]["precision"]
    recs = pl.read_csv(out)
    assert recs.columns == ["customer_id", "rank", "product_id", "score"]
    assert recs.group_by("customer_id").len()["len"].max() == 5
    assert recs.filter(pl.col("customer_id") == "c0")["rank"].to_list() == [1, 2, 3, 4, 5]


def test_tiny_logs_still_get_values(tmp_path, capsys) -> None:
    # Two customers, no repeat purchase: no Gamma-Gamma fit is possible, so spend falls
    # back to the observed mean per purchase day, with a warning.
    source = tmp_path / "tiny.csv"
    source.write_text("customer_id,date,amount\nx,2024-01-01,5\ny,2024-01-02,7\nx,2024-03-01,9\n")
    out = tmp_path / "clv.csv"
    argv = ["clv", "--input", str(source), "--calibration-end", "2024-02-28", "--horizon", "8", "--output", str(out)]
    assert main(argv) == 0
    assert "warning: no Gamma-Gamma spend model" in capsys.readouterr().err
    table = pl.read_csv(out)
    assert table["expected_avg_spend"].to_list() == [6.0, 6.0]
    assert (table["clv"] >= 0).all()


def test_churn_json_has_null_where_auc_is_undefined(tmp_path, capsys) -> None:
    source = tmp_path / "small.csv"
    rows = ["customer_id,date,amount"]
    for c, days in enumerate([[0, 10, 20], [0, 30], [5], [40, 50]]):
        rows += [f"c{c},{np.datetime64('2024-01-01') + d},10" for d in days]
    source.write_text("\n".join(rows) + "\n")
    argv = [
        "churn", "--input", str(source), "--calibration-end", "2024-03-01", "--holdout-end", "2024-04-30",
        "--period", "day", "--horizon", "30", "--output", str(tmp_path / "c.csv"), "--json",
    ]  # fmt: skip
    report = run_json(capsys, argv)
    # Nobody buys in the holdout: every customer churned, so no AUC exists.
    assert report["evaluation"]["churn_rate"] == 1.0
    assert report["evaluation"]["auc_model"] is None
