"""`clientela analytics ...`: the analyst's command line, no database needed.

Each subcommand lives in `clientela.analytics.commands.<module>` and exposes
`add_arguments(parser)` and `run(args) -> int`. Modules are imported only when
their command runs (or for `--help`), so one command's dependencies never slow
another down.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
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
