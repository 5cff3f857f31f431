"""Tallies: figures an app keeps in step with its records, inside the writes themselves.

An app whose pages read precomputed figures (DESIGN.md rule 6) registers a `Tally` for a model
in `AppConfig.ready()`. `core.records` then asks it, around every create, update, trash and
restore of a record of that model and in the write's transaction, what the record counts for
before the write (`count`, with the row locked) and after it, and hands both to `settle`, which
writes the difference. Because the row is locked from the first count to the commit, two
writers of one record settle one after the other, and the figures never drift from the records.
Bulk writers that bypass `core.records` (history loads) settle their records themselves.
"""

from __future__ import annotations

from typing import Any, Protocol

from django.db.models import Model

# What a record counts for: figure key -> its numbers (added key by key between counts).
Counts = dict[Any, tuple[int, ...]]


class Tally(Protocol):
    def count(self, record: Model) -> Counts:
        """What `record`, as it is now in the database and in memory, counts for (nothing when trashed)."""

    def settle(self, before: Counts, after: Counts) -> None:
        """Write `after - before` into the figures."""


_TALLIES: dict[type[Model], list[Tally]] = {}


def register(model: type[Model], tally: Tally) -> None:
    tallies = _TALLIES.setdefault(model, [])
    if tally not in tallies:
        tallies.append(tally)


def tallies_of(model: type[Model]) -> list[Tally]:
    return _TALLIES.get(model, [])


def count(record: Model) -> list[tuple[Tally, Counts]]:
    """What `record` counts for now, by each tally of its model (call with the row locked)."""
    return [(tally, tally.count(record)) for tally in tallies_of(type(record))]


def settle(record: Model, before: list[tuple[Tally, Counts]] | None) -> None:
    """Settle each tally of `record`'s model: `before` from `count` (None: a new record)."""
    previous = dict(before or [])
    for tally in tallies_of(type(record)):
        tally.settle(previous.get(tally, {}), tally.count(record))


def difference(before: Counts, after: Counts) -> Counts:
    """`after - before`, key by key, without the keys whose numbers did not change."""
    changed: Counts = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key), after.get(key)
        width = len(old or new or ())
        delta = tuple((new[i] if new else 0) - (old[i] if old else 0) for i in range(width))
        if any(delta):
            changed[key] = delta
    return changed
