"""Seed the benchmark database with deals, fast (COPY), for the sales benchmark.

    .venv/bin/python bench/api/seed.py --contacts 1000000      # first: people and contacts
    .venv/bin/python bench/sales/seed.py --open 100000 --closed 1000000

Adds to the API benchmark's database (`DATABASE_URL`, default clientela_bench) `--open`
open deals spread over the default pipeline's open stages, and `--closed` won and lost
deals closed over the last three years, each with its stage history (StageChange rows, the
input of the learned probabilities), linked to the seeded contacts and owned by the bench's
sales users. Fixture data for measuring reads: no events are written. Re-running with the
same counts keeps what is there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))

from seed import DEFAULT_URL, ensure_database, ensure_people, setup_django

DEAL_COLUMNS = (
    "id", "public_id", "created_at", "updated_at", "created_by_id", "updated_by_id", "owner_id", "team_id", "version",
    "name", "contact_id", "pipeline_id", "stage_id", "amount", "currency", "expected_close_date", "probability",
    "forecast_category", "products_of_interest", "competitors", "lost_reason_id", "lost_note", "description",
    "stage_entered_at", "closed_on",
)  # fmt: skip
CHANGE_COLUMNS = (
    "deal_id",
    "pipeline_id",
    "from_stage_id",
    "to_stage_id",
    "changed_at",
    "actor_id",
    "seconds_in_previous",
)
CURRENCIES = (("EUR", 500, 80_000), ("HUF", 200_000, 30_000_000), ("PLN", 2_000, 300_000))
# The chance that a deal which reached the i-th open stage moves on to the next one (else it is lost).
ADVANCE = (0.55, 0.65, 0.75, 0.8)


def _history(rng: random.Random, open_stages: list, won, lost, start: dt.datetime, closing: bool):
    """A deal's path: the stages it entered with when; closed deals end won or lost."""
    path = [(open_stages[0], start)]
    moment = start
    index = 0
    target = len(open_stages) if closing else rng.randrange(len(open_stages))
    while index < target:
        moment += dt.timedelta(days=rng.uniform(2, 30))
        if closing and rng.random() > ADVANCE[min(index, len(ADVANCE) - 1)]:
            return path + [(lost, moment)]
        index += 1
        if index < len(open_stages):
            path.append((open_stages[index], moment))
    if closing:
        moment += dt.timedelta(days=rng.uniform(1, 20))
        path.append((won, moment))
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--closed", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    import os

    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from clientela.sales import queries
    from clientela.sales.models import Outcome

    call_command("migrate", verbosity=0)
    owners, admin_id = ensure_people()
    pipeline = queries.default_pipeline()
    assert pipeline is not None, "the migration makes a default pipeline"
    stages = list(pipeline.stages.all())
    open_stages = [s for s in stages if s.outcome == Outcome.OPEN]
    won = next(s for s in stages if s.outcome == Outcome.WON)
    lost = next(s for s in stages if s.outcome == Outcome.LOST)
    reasons = list(queries.lost_reasons().values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE closed_on IS NULL), count(*) FILTER (WHERE closed_on IS NOT NULL)"
            " FROM sales_deal"
        )
        have_open, have_closed = cursor.fetchone()
        cursor.execute("SELECT min(id), max(id) FROM parties_contact")
        first_contact, last_contact = cursor.fetchone()
    if (have_open, have_closed) == (args.open, args.closed):
        print(f"{have_open:,} open and {have_closed:,} closed deals already there")
        if queries.figures_missing():
            rebuild_figures()
        return
    assert first_contact is not None, "seed the contacts first (bench/api/seed.py)"
    rng = random.Random(args.seed)
    now = timezone.now()
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE sales_stagechange, sales_deal RESTART IDENTITY CASCADE")
        raw = cursor.connection
        deals = raw.cursor().copy(f"COPY sales_deal ({', '.join(DEAL_COLUMNS)}) FROM STDIN")
        changes_rows: list[tuple] = []
        with deals as copy:
            for n in range(1, args.open + args.closed + 1):
                closing = n > args.open
                owner_id, team_id = rng.choice(owners)
                currency, low, high = rng.choice(CURRENCIES)
                amount = Decimal(rng.randint(low, high))
                if closing:
                    start = now - dt.timedelta(days=rng.uniform(60, 3 * 365))
                else:
                    start = now - dt.timedelta(days=rng.uniform(1, 150))
                path = _history(rng, open_stages, won, lost, start, closing)
                stage, entered = path[-1]
                while entered > now:  # an open path drawn into the future ends today
                    path.pop()
                    stage, entered = path[-1]
                closed_on = entered.date() if stage.outcome != Outcome.OPEN else None
                category = {"won": "closed", "lost": "omitted"}.get(
                    stage.outcome, rng.choice(("pipeline", "best_case", "commit"))
                )
                copy.write_row((
                    n, uuid.UUID(int=rng.getrandbits(128), version=4), start, entered, admin_id, admin_id, owner_id,
                    team_id, len(path), f"Deal {n}", rng.randint(first_contact, last_contact), pipeline.pk, stage.pk,
                    amount, currency, (start + dt.timedelta(days=rng.uniform(20, 120))).date(), stage.probability,
                    category, "", "", rng.choice(reasons) if stage.outcome == Outcome.LOST else None, "", "", entered,
                    closed_on,
                ))  # fmt: skip
                previous = None
                for to_stage, moment in path:
                    seconds = None if previous is None else int((moment - previous[1]).total_seconds())
                    changes_rows.append(
                        (n, pipeline.pk, previous[0].pk if previous else None, to_stage.pk, moment, owner_id, seconds)
                    )
                    previous = (to_stage, moment)
                if n % 100_000 == 0:
                    print(f"  {n:>9,} deals  {n / (time.perf_counter() - started):,.0f} deals/s", flush=True)
        cursor.execute("SELECT setval(pg_get_serial_sequence('sales_deal', 'id'), %s)", [args.open + args.closed])
        with raw.cursor().copy(f"COPY sales_stagechange ({', '.join(CHANGE_COLUMNS)}) FROM STDIN") as copy:
            for row in changes_rows:
                copy.write_row(row)
        cursor.execute("ANALYZE sales_deal")
        cursor.execute("ANALYZE sales_stagechange")
    print(
        f"seeded {args.open:,} open and {args.closed:,} closed deals with {len(changes_rows):,} stage changes "
        f"in {time.perf_counter() - started:.1f} s"
    )
    rebuild_figures()


def rebuild_figures() -> None:
    """The deals were written behind the actions' back (COPY): the kept sales figures are rebuilt."""
    from clientela.sales import actions

    started = time.perf_counter()
    written = actions.figures_rebuild()
    rows = ", ".join(f"{count:,} {kind} rows" for kind, count in written.items())
    print(f"sales figures rebuilt in {time.perf_counter() - started:.1f} s: {rows}")


if __name__ == "__main__":
    main()
