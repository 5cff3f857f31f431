"""The CDNOW 1/10 sample, a test-only data source shipped inside the `lifetimes` package.

Located without importing `lifetimes` (which is old and slow to import and
must never be a run-time dependency). Tests that need it skip with a reason
when the package is not installed (the project's setup installs it for tests).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

CALIBRATION_END = "1997-09-30"
HOLDOUT_END = "1998-06-30"


def dataset(name: str) -> Path:
    """Path of ``lifetimes/datasets/<name>``, or skip the test."""
    spec = importlib.util.find_spec("lifetimes")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("the lifetimes package (test-only source of the CDNOW data) is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / name
    if not path.exists():
        pytest.skip(f"{path} is missing from the installed lifetimes package")
    return path


def transactions() -> dict[str, np.ndarray]:
    """CDNOW_sample.txt as columns: customer (0-based code), id (1-based), date, amount, quantity."""
    raw = np.loadtxt(dataset("CDNOW_sample.txt"))
    ids = raw[:, 1].astype(np.int64)
    text = raw[:, 2].astype(np.int64).astype(str)
    dates = np.array([f"{d[:4]}-{d[4:6]}-{d[6:]}" for d in text], dtype="datetime64[D]")
    return {
        "customer": ids - 1,
        "id": ids,
        "date": dates,
        "amount": raw[:, 4],
        "quantity": raw[:, 3].astype(np.int64),
    }


def published_summary() -> np.ndarray:
    """cdnow_customers_summary_with_transactions.csv: ID, x, t_x, T, mean repeat spend (2 dp)."""
    return np.genfromtxt(dataset("cdnow_customers_summary_with_transactions.csv"), delimiter=",", skip_header=1)


def write_csv(path: Path) -> Path:
    """The CDNOW transaction log as a CSV the analytics CLI reads."""
    columns = transactions()
    with path.open("w", encoding="utf-8") as handle:
        handle.write("customer_id,date,amount,quantity\n")
        for ident, day, amount, quantity in zip(
            columns["id"], columns["date"], columns["amount"], columns["quantity"], strict=True
        ):
            handle.write(f"{ident},{day},{amount:.2f},{quantity}\n")
    return path
