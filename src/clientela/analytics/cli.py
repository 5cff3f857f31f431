"""`clientela analytics ...`: the analyst's command line, no database needed.

Each subcommand lives in `clientela.analytics.commands.<module>` and exposes
`add_arguments(parser)` and `run(args) -> int`. Modules are imported only when
their command runs (or for `--help`), so one command's dependencies never slow
another down.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import importlib
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

# command name -> (module under clientela.analytics.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "rfm": ("rfm", "RFM scores: the seeds' point scheme or quintiles with segments"),
    "fit": ("fit", "maximum-likelihood fit of BG/NBD, Pareto/NBD or Gamma-Gamma"),
    "clv": ("clv", "per-customer P(alive), expected purchases and lifetime value"),
    "profitability": ("profitability", "margins and the five-level profitability hierarchy"),
    "opportunity": ("opportunity", "profit opportunity matrix between two periods"),
    "product-matrix": ("product_matrix", "customer-tier x product profitability matrix"),
    "loyalty-matrix": ("loyalty_matrix", "profitability x loyalty matrix"),
    "spend-whatif": ("spend_whatif", "retention budget allocated by segment -> LTV"),
    "indices": ("indices", "new/retained/lost, retention, churn and repeat sales per period"),
    "survey-indices": ("survey_indices", "loyalty and satisfaction indices from surveys"),
    "churn": ("churn", "calibrated probability of no purchase over a horizon"),
    "recommend": ("recommend", "item-to-item next-product recommendations"),
    "segment": ("segment", "behavioural types, requirement groups and strategies"),
}


class CommandError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def build_parser() -> tuple[argparse.ArgumentParser, argparse._SubParsersAction]:
    parser = argparse.ArgumentParser(
        prog="clientela analytics",
        description="Customer analytics on transaction files (CSV or Parquet).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser, sub


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    _single_threaded_blas()
    _freeze_objects_at_exit()
    with _collector_paused():
        return _run(argv)


def _run(argv: list[str]) -> int:
    parser, sub = build_parser()
    wanted = argv[0] if argv and not argv[0].startswith("-") else None
    for name, (module_name, help_text) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if wanted == name:
            module = importlib.import_module(f"clientela.analytics.commands.{module_name}")
            module.add_arguments(command_parser)
            command_parser.set_defaults(_module=module)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        _check_output(getattr(args, "output", None))
        return int(args._module.run(args) or 0)
    except CommandError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (FileNotFoundError, PermissionError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _single_threaded_blas() -> None:
    """One BLAS thread, unless the environment says otherwise (set before numpy loads).

    The models' matrices are 4 x 4, too small for BLAS to share out, yet
    OpenBLAS keeps its idle threads spinning between calls: during a fit
    they burn a second core (0.2 s of CPU in a 0.35 s fit) that polars or
    the other threads could use, for no gain in time.
    """
    if "numpy" not in sys.modules:
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a command runs, as it was afterwards.

    Importing numpy, polars and scipy creates about a million objects, which
    the collector, triggered by allocations, walks again and again: 0.1 to
    0.2 s of a one-second command. A command makes next to no reference
    cycles, and those few are collected once the collector is back on.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _freeze_objects_at_exit() -> None:
    """Spare the interpreter's shutdown its garbage collections over every object.

    At exit Python collects garbage repeatedly while it tears the modules down;
    with numpy, polars and scipy loaded that is about 0.07 s of every run, for
    nothing (the process is ending, and nothing of ours needs a finaliser then).
    So the objects are frozen (`gc.freeze`, ignored by the collector) first.
    """
    atexit.unregister(gc.freeze)  # once, however often main() runs in a process
    atexit.register(gc.freeze)


def _check_output(path: str | None) -> None:
    """Fail before any work when --output names a file in a directory that does not exist."""
    if not path or path == "-":
        return
    target = Path(path)
    if target.is_dir():
        raise CommandError(f"cannot write {path}: it is a directory")
    folder = target.parent
    if not folder.is_dir():
        raise CommandError(f"cannot write {path}: no such directory: {folder}")


if __name__ == "__main__":
    sys.exit(main())
