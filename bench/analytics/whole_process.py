"""Benchmark: `clientela analytics clv` against lifetimes + pandas as whole processes, file in, file out.

    .venv/bin/python bench/analytics/whole_process.py           # 830,000 rows, 300,000 customers
    .venv/bin/python bench/analytics/whole_process.py --quick   # 83,000 rows, 30,000 customers

A synthetic BG/NBD log (``simulate.py``, its purchase rate scaled so that
``--customers`` make about ``--rows`` transactions, then thinned to exactly
``--rows``; every customer keeps at least one row) is written once as a CSV
``customer_id,date,amount`` in date order, and kept for later runs (``--data``;
by default in the temporary directory). Then each engine runs as a command,
the way an analyst runs it, from reading the CSV to writing the output CSV:

- ``clientela analytics clv --input LOG --calibration-end END --horizon 52
  --discount-rate D --new-customers population --output OUT`` (the console
  script beside this interpreter);
- ``lifetimes_clv.py`` with the same arguments: pandas ``read_csv``,
  ``summary_data_from_transaction_data``, ``BetaGeoFitter``,
  ``GammaGammaFitter``, P(alive), expected purchases, expected spend and
  ``customer_lifetime_value``, ``to_csv``.

D = 0.2293% a week is lifetimes' 1% a month; ``population`` gives customers
without repeat purchases the population's mean spend, as lifetimes does. The
commands run in turn, ``--repeat`` rounds; for each, the best wall time is
shown with that run's CPU time (user + system, from
``resource.getrusage(RUSAGE_CHILDREN)`` before and after) and peak resident
set size (the child's own, from ``os.wait4``), and the median wall time of
the rounds, after one round that is not timed. Python runs with its bytecode
cache, as an installed package does (in ``PYTHONPYCACHEPREFIX``, a folder
beside the log, even where the environment sets ``PYTHONDONTWRITEBYTECODE``,
which would recompile clientela's own modules on every run and nothing of
pandas or lifetimes). This process imports nothing heavy, so the children's
figures are their own. ``--baseline SRC`` adds the same command run on the clientela
package found in SRC (say, a copy of an earlier ``src/``) and checks that
both write the same bytes.

Beside it, the in-process figures of ``run.py`` on the same log (summary,
BG/NBD fit, Gamma-Gamma fit and CLV of every customer, from columns already
in memory: no reading, no writing), each engine in its own process. Last,
the two output files are compared customer by customer.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROWS, CUSTOMERS = 830_000, 300_000
QUICK_ROWS, QUICK_CUSTOMERS = 83_000, 30_000
HORIZON_WEEKS = 52
WEEKLY_RATE = 1.01 ** (1 / 4.345) - 1  # 1% a month, over lifetimes' monthly step of 4.345 weeks
LIFETIMES = "lifetimes+pandas"


@dataclass(frozen=True)
class Run:
    """One run of a command: wall and CPU seconds, peak resident MiB."""

    wall: float
    cpu: float
    peak_mib: float


@dataclass(frozen=True)
class Command:
    """A command to time, the file it writes and its environment."""

    name: str
    argv: list[str]
    output: Path
    env: dict[str, str] | None = None


# --- the log file ------------------------------------------------------------------


def default_data_path(rows: int, customers: int, seed: int) -> Path:
    return Path(tempfile.gettempdir()) / "clientela-bench" / f"clv-{rows}-{customers}-{seed}.csv"


def generate(path: Path, rows: int, customers: int, seed: int) -> None:
    """Draw the log and write it as CSV (in a child process: numpy and polars stay out of this one)."""
    import numpy as np
    import polars as pl

    sys.path.insert(0, str(HERE))
    from simulate import end_date

    started = time.perf_counter()
    data = draw_log(rows, customers, seed)
    order = np.argsort(data["date"], kind="stable")  # a log is written as it happens
    frame = pl.DataFrame(
        {
            "customer_id": pl.Series(data["customer"][order]).cast(pl.String).str.zfill(7),
            "date": pl.Series(data["date"][order]).cast(pl.Date),
            "amount": data["amount"][order],
        }
    ).with_columns(customer_id="C" + pl.col("customer_id"))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    frame.write_csv(partial)
    partial.replace(path)
    path.with_suffix(".end").write_text(str(end_date()))
    print(
        f"wrote {path}: {frame.height:,} transactions, {customers:,} customers ({time.perf_counter() - started:.1f} s)"
    )


def draw_log(rows: int, customers: int, seed: int) -> dict:
    """A BG/NBD log of exactly `rows` rows and `customers` customers."""
    import numpy as np
    from simulate import TRUE_PARAMS, simulate

    if rows < customers:
        raise SystemExit("--rows must be at least --customers (every customer buys once)")
    # Scale the purchase rate (alpha) until a sample buys 2% more than needed; thin the rest.
    alpha = TRUE_PARAMS["bgnbd"]["alpha"]
    sample = min(customers, 20_000)
    target = rows / customers * 1.02
    for _ in range(40):
        drawn = simulate(sample, seed=seed, params=_params(alpha))["customer"].size / sample
        if abs(drawn / target - 1) < 0.01:
            break
        alpha *= (drawn - 1) / (target - 1)
    data = simulate(customers, seed=seed, params=_params(alpha))
    while data["customer"].size < rows:
        alpha *= 0.9
        data = simulate(customers, seed=seed, params=_params(alpha))
    rng = np.random.default_rng(seed + 1)
    _, first = np.unique(data["customer"], return_index=True)  # the row each customer keeps
    spare = np.setdiff1d(np.arange(data["customer"].size), first)
    keep = np.sort(np.r_[first, rng.choice(spare, rows - first.size, replace=False)])
    return {name: values[keep] for name, values in data.items()}


def _params(alpha: float) -> dict[str, dict[str, float]]:
    from simulate import TRUE_PARAMS

    return {"bgnbd": {**TRUE_PARAMS["bgnbd"], "alpha": alpha}, "gammagamma": TRUE_PARAMS["gammagamma"]}


def calibration_end(log: Path, given: str | None) -> str:
    """--calibration-end, else the end of the simulated window (written beside the log)."""
    if given:
        return given
    marker = log.with_suffix(".end")
    if marker.exists():
        return marker.read_text().strip()
    raise SystemExit(f"{log} was not generated here: give --calibration-end")


# --- the commands ------------------------------------------------------------------


def commands(log: Path, end: str, folder: Path, *, lifetimes: bool, baseline: Path | None) -> list[Command]:
    """clientela (and its baseline) and the lifetimes pipeline, with the same arguments."""
    script = Path(sys.executable).with_name("clientela")
    entry = [str(script)] if script.exists() else [sys.executable, "-m", "clientela.cli"]
    clv = [*entry, "analytics", "clv", "--new-customers", "population"]
    env = _environment(log.parent / "pycache")
    output = folder / "clientela.csv"
    found = [Command("clientela", [*clv, *_arguments(log, end, output)], output, env)]
    if baseline is not None:
        output = folder / "baseline.csv"
        found.append(
            Command(
                "clientela baseline",
                [*clv, *_arguments(log, end, output)],
                output,
                {**env, "PYTHONPATH": str(baseline.resolve())},
            )
        )
    if lifetimes:
        output = folder / "lifetimes.csv"
        argv = [sys.executable, str(HERE / "lifetimes_clv.py"), *_arguments(log, end, output)]
        found.append(Command(LIFETIMES, argv, output, env))
    return found


def _environment(cache: Path) -> dict[str, str]:
    """This environment, with Python's bytecode cache on (in `cache`)."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPYCACHEPREFIX": str(cache)}


def _arguments(log: Path, end: str, output: Path) -> list[str]:
    return [
        *("--input", str(log), "--calibration-end", end, "--horizon", str(HORIZON_WEEKS)),
        *("--discount-rate", f"{WEEKLY_RATE:.6g}", "--output", str(output)),
    ]


def time_command(command: Command) -> Run:
    """Run a command to completion: wall, CPU (children's rusage before and after) and its own peak RSS."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own commands, fixed arguments
        command.argv, env=command.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stderr is not None
    errors = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stderr.close()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        text = errors.decode(errors="replace")
        raise SystemExit(f"failed ({process.returncode}): {' '.join(command.argv)}\n{text}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Run(wall=wall, cpu=cpu, peak_mib=usage.ru_maxrss / 1024.0)


def time_in_turn(found: list[Command], rounds: int) -> dict[str, list[Run]]:
    """Every command once per round, in turn, so that a busy spell of the machine hits all of them.

    A first round is not timed: it fills the bytecode cache and the page cache.
    """
    for command in found:
        time_command(command)
    runs: dict[str, list[Run]] = {command.name: [] for command in found}
    for _ in range(rounds):
        for command in found:
            runs[command.name].append(time_command(command))
    return runs


# --- in-process figures (run.py's phases on the same log) ----------------------------


def in_process(engine: str, log: str, end: str, out: str) -> None:
    """run.py's timed phases on the log's columns (reading and coding them is not timed)."""
    import numpy as np
    import polars as pl

    sys.path.insert(0, str(HERE))
    from run import peak_mib, run_clientela, run_lifetimes

    frame = pl.read_csv(log, schema_overrides={"customer_id": pl.String, "date": pl.Date})
    data = {
        "customer": frame["customer_id"].rank("dense").cast(pl.Int64).to_numpy() - 1,
        "date": frame["date"].to_numpy().astype("datetime64[D]"),
        "amount": frame["amount"].to_numpy(),
    }
    del frame
    loaded = peak_mib()
    runner = run_clientela if engine == "clientela" else run_lifetimes
    result = runner(data, np.datetime64(end, "D"))
    result.pop("clv")
    result["loaded_mib"] = loaded
    Path(out).write_text(json.dumps(result))


def in_process_figures(engine: str, log: Path, end: str, folder: Path) -> dict:
    out = folder / f"in-process-{engine}.json"
    command = [sys.executable, __file__, "--in-process", engine, str(log), end, str(out)]
    subprocess.run(command, check=True)  # noqa: S603 - this script, fixed arguments
    return json.loads(out.read_text())


# --- comparing the outputs -----------------------------------------------------------


def compare(ours: Path, theirs: Path) -> str:
    """Customers in both outputs and how far each column differs (relative to lifetimes)."""
    import numpy as np
    import polars as pl

    mine = pl.read_csv(ours, schema_overrides={"customer_id": pl.String})
    other = pl.read_csv(theirs, schema_overrides={"customer_id": pl.String})
    both = mine.join(other, on="customer_id", suffix="_lt")
    lines = [f"customers: {mine.height:,} (clientela), {other.height:,} (lifetimes), {both.height:,} in both"]
    for name in ("frequency", "recency", "T", "monetary", "p_alive", "expected_purchases", "expected_avg_spend", "clv"):
        a, b = both[name].to_numpy(), both[name + "_lt"].to_numpy()
        rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-9)
        lines.append(
            f"{name:<20} relative difference: median {np.median(rel):.1e}, 99th pct {np.quantile(rel, 0.99):.1e}"
        )
    lines.append("(clv: lifetimes discounts month by month, clientela week by week)")
    return "\n".join(lines)


# --- the report ----------------------------------------------------------------------


def report(runs: dict[str, list[Run]], figures: dict[str, dict]) -> None:
    best = {name: min(found, key=lambda run: run.wall) for name, found in runs.items()}
    rounds = len(next(iter(runs.values())))
    print(f"\nwhole process, file in and file out (best of {rounds}; median wall of the {rounds} runs):")
    print(f"{'':<20}{'wall s':>9}{'CPU s':>9}{'peak MiB':>10}{'median s':>10}")
    for name, run in best.items():
        median = statistics.median(other.wall for other in runs[name])
        print(f"{name:<20}{run.wall:>9.2f}{run.cpu:>9.2f}{run.peak_mib:>10.0f}{median:>10.2f}")
    if LIFETIMES in best:
        reference = best[LIFETIMES]
        for name, run in best.items():
            if name != LIFETIMES:
                print(f"lifetimes / {name}: {reference.wall / run.wall:.1f}x wall, {reference.cpu / run.cpu:.1f}x CPU")
    if not figures:
        return
    print("\nin process, columns in memory (run.py: summary, BG/NBD, Gamma-Gamma, CLV):")
    print(f"{'':<20}{'wall s':>9}{'CPU s':>9}{'peak MiB':>10}")
    totals = {}
    for engine, result in figures.items():
        phases = result["phases"].values()
        totals[engine] = (sum(p["seconds"] for p in phases), sum(p["cpu"] for p in phases))
        peak = max(p["peak_mib"] for p in phases)
        print(f"{engine:<20}{totals[engine][0]:>9.2f}{totals[engine][1]:>9.2f}{peak:>10.0f}")
    if len(totals) == 2:
        (wall, cpu), (their_wall, their_cpu) = totals["clientela"], totals["lifetimes"]
        print(f"lifetimes / clientela: {their_wall / wall:.1f}x wall, {their_cpu / cpu:.1f}x CPU")


def main() -> int:
    parser = argparse.ArgumentParser(description="clientela analytics clv vs lifetimes + pandas, whole processes")
    parser.add_argument("--rows", type=int, help=f"transactions (default {ROWS:,})")
    parser.add_argument("--customers", type=int, help=f"customers (default {CUSTOMERS:,})")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROWS:,} rows, {QUICK_CUSTOMERS:,} customers")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, metavar="CSV", help="the log (generated there when missing)")
    parser.add_argument("--calibration-end", metavar="DATE", help="default: the end of the simulated window")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of runs; the best is shown (default 3)")
    parser.add_argument("--skip-lifetimes", action="store_true")
    parser.add_argument("--skip-in-process", action="store_true")
    parser.add_argument("--baseline", type=Path, metavar="SRC", help="also time the clientela package in SRC")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="write the output files in DIR and keep them")
    parser.add_argument("--generate", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--in-process", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        path, rows, customers, seed = args.generate
        generate(Path(path), int(rows), int(customers), int(seed))
        return 0
    if args.in_process:
        in_process(*args.in_process)
        return 0

    rows = args.rows or (QUICK_ROWS if args.quick else ROWS)
    customers = args.customers or (QUICK_CUSTOMERS if args.quick else CUSTOMERS)
    log = args.data or default_data_path(rows, customers, args.seed)
    if not log.exists():
        command = [sys.executable, __file__, "--generate", str(log), str(rows), str(customers), str(args.seed)]
        subprocess.run(command, check=True)  # noqa: S603 - this script, fixed arguments
    end = calibration_end(log, args.calibration_end)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        found = commands(log, end, folder, lifetimes=not args.skip_lifetimes, baseline=args.baseline)
        runs = time_in_turn(found, max(args.repeat, 1))
        figures = {}
        if not args.skip_in_process:
            for engine in ["clientela"] + ([] if args.skip_lifetimes else ["lifetimes"]):
                figures[engine] = in_process_figures(engine, log, end, folder)
        print(f"\n{log}: calibration end {end}, horizon {HORIZON_WEEKS} weeks, {WEEKLY_RATE:.4%} a week")
        report(runs, figures)
        if args.baseline:
            same = filecmp.cmp(folder / "clientela.csv", folder / "baseline.csv", shallow=False)
            print(f"\nclientela and its baseline wrote {'the same bytes' if same else 'DIFFERENT files'}")
        if not args.skip_lifetimes:
            print("\n" + compare(folder / "clientela.csv", folder / "lifetimes.csv"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
