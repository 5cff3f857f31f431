"""Benchmark: clientela.analytics against the `lifetimes` library, same data, same run.

    .venv/bin/python bench/analytics/run.py              # 10M transactions, 1M customers
    .venv/bin/python bench/analytics/run.py --scale 0.01  # 100k transactions, 10k customers

A BG/NBD + Gamma-Gamma log (``simulate.py``) is written once to a temporary
.npz; each engine then runs in its own process (so peak memory is its own)
and times four phases from in-memory columns (wall clock, and CPU time of the
process, which is the steadier figure on a shared machine): the customer summary (weeks,
per-day purchases), the BG/NBD fit, the Gamma-Gamma fit on repeat buyers and
the CLV of every customer (12 steps of 4.345 weeks at 1% per step: lifetimes'
``customer_lifetime_value(..., time=12, discount_rate=0.01, freq="W")``). Peak
memory is the process's maximum resident set size after each phase
(``resource.getrusage``), which includes the loaded data (shown separately). Building the pandas
frame for lifetimes is not timed.

Prints both engines' phase times, the ratio, peak memory, both parameter sets
and their largest relative difference (must be below 1e-3), and how far the
per-customer CLVs differ.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from simulate import end_date, simulate  # noqa: E402

CUSTOMERS = 1_000_000
STEPS, STEP, RATE = 12, 4.345, 0.01


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def run_clientela(data: dict[str, np.ndarray], end: np.datetime64) -> dict[str, object]:
    from clientela.analytics.bgnbd import fit_bgnbd
    from clientela.analytics.clv import customer_lifetime_value
    from clientela.analytics.gamma_gamma import fit_gamma_gamma, gamma_gamma_expected_spend
    from clientela.analytics.purchase_models import PURCHASE_MODELS
    from clientela.analytics.summary import summarize

    phases: dict[str, dict[str, float]] = {}
    clock = (time.perf_counter(), time.process_time())
    summary = summarize(data["customer"], data["date"], data["amount"], calibration_end=end, period="week")
    clock = _phase(phases, "summary", clock)
    bg = fit_bgnbd(summary.frequency, summary.recency, summary.T)
    clock = _phase(phases, "bgnbd fit", clock)
    gg = fit_gamma_gamma(summary.frequency, summary.monetary)
    clock = _phase(phases, "gamma-gamma fit", clock)
    spend = gamma_gamma_expected_spend(gg.params, summary.frequency, summary.monetary)
    clv = customer_lifetime_value(
        PURCHASE_MODELS["bgnbd"],
        bg.params,
        summary.frequency,
        summary.recency,
        summary.T,
        spend,
        horizon=STEPS * STEP,
        discount_rate=RATE,
        step=STEP,
    )
    _phase(phases, "clv", clock)
    return {
        "phases": phases,
        "customers": len(summary),
        "bgnbd": bg.params,
        "bgnbd_ll": bg.log_likelihood,
        "gammagamma": gg.params,
        "clv": clv[np.argsort(summary.customer)].tolist(),
    }


def run_lifetimes(data: dict[str, np.ndarray], end: np.datetime64) -> dict[str, object]:
    import pandas as pd
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.utils import summary_data_from_transaction_data

    frame = pd.DataFrame(
        {
            "customer": data["customer"],
            "date": data["date"].astype("datetime64[ns]"),
            "amount": data["amount"],
        }
    )
    phases: dict[str, dict[str, float]] = {}
    clock = (time.perf_counter(), time.process_time())
    summary = summary_data_from_transaction_data(
        frame,
        "customer",
        "date",
        monetary_value_col="amount",
        observation_period_end=pd.Timestamp(str(end)),
        freq="D",
        freq_multiplier=7,
    )
    clock = _phase(phases, "summary", clock)
    bgf = BetaGeoFitter().fit(summary["frequency"], summary["recency"], summary["T"])
    clock = _phase(phases, "bgnbd fit", clock)
    repeat = summary[summary["frequency"] > 0]
    ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    clock = _phase(phases, "gamma-gamma fit", clock)
    clv = ggf.customer_lifetime_value(
        bgf,
        summary["frequency"],
        summary["recency"],
        summary["T"],
        summary["monetary_value"],
        time=STEPS,
        discount_rate=RATE,
        freq="W",
    )
    _phase(phases, "clv", clock)
    params = {name: float(value) for name, value in bgf.params_.items()}
    spend = {("gamma" if k == "v" else k): float(v) for k, v in ggf.params_.items()}
    return {
        "phases": phases,
        "customers": int(summary.shape[0]),
        "bgnbd": params,
        "gammagamma": spend,
        "clv": clv.sort_index().to_numpy().tolist(),
    }


def _phase(phases: dict[str, dict[str, float]], name: str, started: tuple[float, float]) -> tuple[float, float]:
    """Record a phase's wall and CPU seconds and the peak memory so far."""
    now = (time.perf_counter(), time.process_time())
    phases[name] = {"seconds": now[0] - started[0], "cpu": now[1] - started[1], "peak_mib": peak_mib()}
    return now


def child(engine: str, path: str, out: str) -> None:
    with np.load(path) as archive:
        data = {name: archive[name] for name in archive.files}
    end = np.datetime64(str(data.pop("end")), "D")
    loaded = peak_mib()
    runner = run_clientela if engine == "clientela" else run_lifetimes
    result = runner(data, end)
    result["loaded_mib"] = loaded
    Path(out).write_text(json.dumps(result))


def generate(customers: int, seed: int, path: str) -> None:
    """Draw the log and save it (in a child process, so the parent stays small)."""
    started = time.perf_counter()
    data = simulate(customers, seed=seed)
    np.savez(path, end=np.array(str(end_date())), **data)
    print(
        f"synthetic BG/NBD log: {data['customer'].size:,} transactions, {customers:,} customers "
        f"({time.perf_counter() - started:.1f} s to draw)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description="clientela.analytics vs lifetimes")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of 1M customers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-lifetimes", action="store_true")
    parser.add_argument("--child", nargs=3, metavar=("ENGINE", "DATA", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--generate", nargs=3, metavar=("CUSTOMERS", "SEED", "DATA"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return 0
    if args.generate:
        generate(int(args.generate[0]), int(args.generate[1]), args.generate[2])
        return 0

    # Every heavy step runs in its own process: the peak resident set size
    # (ru_maxrss) is inherited across fork/exec, so a parent that held the
    # log would inflate the engines' memory figures.
    customers = max(100, int(CUSTOMERS * args.scale))
    engines = ["clientela"] + ([] if args.skip_lifetimes else ["lifetimes"])
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "log.npz")
        _run([sys.executable, __file__, "--generate", str(customers), str(args.seed), path])
        for engine in engines:
            out = os.path.join(tmp, f"{engine}.json")
            _run([sys.executable, __file__, "--child", engine, path, out])
            results[engine] = json.loads(Path(out).read_text())
    report(results)
    return 0


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True)  # noqa: S603 - our own script, fixed arguments


def report(results: dict[str, dict[str, object]]) -> None:
    ours = results["clientela"]
    theirs = results.get("lifetimes")
    phases = list(ours["phases"])  # type: ignore[arg-type]
    print(
        f"\n{'phase':<16}{'wall s':>9}{'wall s':>10}{'ratio':>7}{'CPU s':>9}{'CPU s':>10}{'ratio':>7}"
        f"{'peak MiB':>10}{'peak MiB':>10}"
    )
    print(
        f"{'':<16}{'ours':>9}{'lifetimes':>10}{'':>7}{'ours':>9}{'lifetimes':>10}{'':>7}{'ours':>10}{'lifetimes':>10}"
    )
    totals = {"ours": [0.0, 0.0], "theirs": [0.0, 0.0]}
    for name in phases:
        mine = ours["phases"][name]  # type: ignore[index]
        totals["ours"][0] += mine["seconds"]
        totals["ours"][1] += mine["cpu"]
        if not theirs:
            print(f"{name:<16}{mine['seconds']:>9.3f}{'':>17}{mine['cpu']:>9.3f}{'':>17}{mine['peak_mib']:>10.0f}")
            continue
        other = theirs["phases"][name]  # type: ignore[index]
        totals["theirs"][0] += other["seconds"]
        totals["theirs"][1] += other["cpu"]
        print(
            f"{name:<16}{mine['seconds']:>9.3f}{other['seconds']:>10.3f}{other['seconds'] / mine['seconds']:>7.1f}"
            f"{mine['cpu']:>9.3f}{other['cpu']:>10.3f}{other['cpu'] / mine['cpu']:>7.1f}"
            f"{mine['peak_mib']:>10.0f}{other['peak_mib']:>10.0f}"
        )
    (wall, cpu), (their_wall, their_cpu) = totals["ours"], totals["theirs"]
    if theirs:
        print(
            f"{'end to end':<16}{wall:>9.3f}{their_wall:>10.3f}{their_wall / wall:>7.1f}"
            f"{cpu:>9.3f}{their_cpu:>10.3f}{their_cpu / cpu:>7.1f}"
        )
    else:
        print(f"{'end to end':<16}{wall:>9.3f}{'':>17}{cpu:>9.3f}")
    print(f"(data loaded before timing: {ours['loaded_mib']:.0f} MiB resident)")
    print(f"customers summarised: {ours['customers']:,}")
    if not theirs:
        print("bgnbd", ours["bgnbd"], "gamma-gamma", ours["gammagamma"])
        return
    worst = 0.0
    print(f"\n{'parameter':<12}{'clientela':>16}{'lifetimes':>16}{'rel. diff':>12}")
    for model in ("bgnbd", "gammagamma"):
        for name, value in ours[model].items():  # type: ignore[union-attr]
            other = theirs[model][name]  # type: ignore[index]
            diff = abs(value - other) / abs(other)
            worst = max(worst, diff)
            print(f"{model + '.' + name:<12}{value:>16.6f}{other:>16.6f}{diff:>12.2e}")
    verdict = "OK" if worst < 1e-3 else "FAIL"
    print(f"largest relative parameter difference: {worst:.2e} ({verdict}, limit 1e-3)")
    a = np.asarray(ours["clv"])
    b = np.asarray(theirs["clv"])
    rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-9)
    print(
        f"CLV per customer: median relative difference {np.median(rel):.2e}, "
        f"99th percentile {np.quantile(rel, 0.99):.2e}; totals {a.sum():,.0f} vs {b.sum():,.0f}"
    )


if __name__ == "__main__":
    sys.exit(main())
