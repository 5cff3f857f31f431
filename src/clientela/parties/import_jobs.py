"""The whole import: read, validate, match, write, report.

Modes:
- all-or-nothing: one transaction around the whole import; the file is read to the
  end so the error report is complete, and if any row has an error the transaction
  is rolled back: nothing is written.
- valid-rows-only: each batch is written (and committed) on its own; rows with
  errors are reported and left out.
A dry run reads, validates and matches everything and writes nothing.

A job run by the worker passes a `Ledger` (its lease, `import_lease.JobLedger`): each
valid-rows-only batch is ledgered in the transaction that writes it, and the all-or-nothing
transaction marks the job written just before it commits; a job resumed after its worker
stopped skips the rows ledgered before and carries their counts over.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import itertools
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from django.db import connection, transaction
from django.utils import translation

from clientela.core.context import acting_via
from clientela.parties import actions, rules
from clientela.parties.importing import bulkwrite, matching
from clientela.parties.importing.mapping import CONTACT, ENTITIES, Target, resolve, targets
from clientela.parties.importing.reading import ImportFileError, Table, open_table
from clientela.parties.importing.rows import (
    ALL_OR_NOTHING,
    CREATE,
    ERROR,
    MATCH_CHOICES,
    MATCH_UPDATE,
    MODE_CHOICES,
    SKIP,
    UNCHANGED,
    UPDATE,
    BatchResult,
    RowError,
    ValidatedRow,
)
from clientela.parties.importing.validating import RowValidator

if TYPE_CHECKING:
    from clientela.accounts.models import User
    from clientela.parties.models import ImportJob

BATCH_SIZE = 5000
MAX_KEPT_ERRORS = 100_000
PREVIEW_ROWS = 20
# Validate and write in two threads on PostgreSQL (see _can_pipeline); False turns it off.
PIPELINE = True
# Writing threads (each with its own connection, so its own server process) in valid-rows-only
# mode, where every batch commits on its own; an all-or-nothing import has one transaction, so one.
WRITERS = 2
SWITCH_INTERVAL = 0.0005  # seconds; Python's default is 0.005
# Allocations between two runs of Python's cyclic garbage collector during an import (default 700).
GC_THRESHOLD = 200_000


@dataclass
class ImportOptions:
    entity: str
    mapping: dict[str, Any] | None = None  # {header: target} overrides of the auto-mapping
    mode: str = ALL_OR_NOTHING
    match: str = MATCH_UPDATE
    dry_run: bool = False
    batch_size: int = BATCH_SIZE
    preview_rows: int = PREVIEW_ROWS
    max_rows: int | None = None  # stop after this many data rows (for a quick preview)
    job: str | None = None  # the ImportJob's public id, kept in every event's data

    def check(self) -> None:
        if self.entity not in ENTITIES:
            raise ValueError(f"entity must be one of: {', '.join(ENTITIES)}")
        if self.mode not in MODE_CHOICES:
            raise ValueError(f"mode must be one of: {', '.join(MODE_CHOICES)}")
        if self.match not in MATCH_CHOICES:
            raise ValueError(f"match must be one of: {', '.join(MATCH_CHOICES)}")


@dataclass
class PreviewRow:
    row: int
    outcome: str
    values: dict[str, str]
    errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportReport:
    entity: str
    mode: str
    match: str
    dry_run: bool
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    rows_total: int = 0  # an estimate until the end
    rows_done: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    failed: int = 0  # rows with at least one error
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0
    written: bool = False
    finished: bool = False
    preview: list[PreviewRow] = field(default_factory=list)
    seconds: dict[str, float] = field(
        default_factory=lambda: dict.fromkeys(("read", "validate", "match", "prepare", "write"), 0.0)
    )

    @property
    def ok(self) -> bool:
        return self.failed == 0

    def counts(self) -> dict[str, int]:
        return {"create": self.created, "update": self.updated, "unchanged": self.unchanged, "skip": self.skipped,
                "error": self.failed}  # fmt: skip


class Ledger(Protocol):
    """What a resumable run is told and tells (`import_lease.JobLedger`, for a job's lease)."""

    def committed(self, row: int) -> bool:
        """Whether the row was written (committed) by an earlier run of the job: it is skipped."""
        ...

    def carry_into(self, report: ImportReport) -> None:
        """Put the earlier runs' counts and errors into the new report."""
        ...

    def commit_batch(self, numbers: list[int], errors: list[RowError], result: BatchResult) -> None:
        """Ledger a valid-rows-only batch, inside the transaction that writes it (may raise, to roll it back)."""
        ...

    def commit_all(self, report: ImportReport) -> None:
        """Mark an all-or-nothing import written, inside its transaction, just before it commits."""
        ...


class _RollBack(Exception):
    pass


def _display(target: Target | None, value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "username"):
        return value.username
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)


def _preview_values(row: ValidatedRow) -> dict[str, str]:
    shown: dict[str, str] = {key: _display(None, value) for key, value in row.values.items()}
    if row.emails:
        shown["email"] = "; ".join(p[0] for p in row.emails)
    if row.phones:
        shown["phone"] = "; ".join(p[0] for p in row.phones)
    if row.tags:
        shown["tags"] = "; ".join(row.tags)
    if row.address:
        shown.update({k: str(v) for k, v in row.address.items() if k != "label" and v})
    if row.organization:
        shown["organization"] = row.organization
        if row.organization_role:
            shown["organization_role"] = row.organization_role
    for key, value in row.custom.items():
        shown[f"custom.{key}"] = _display(None, value)
    return shown


def _batches(rows: Iterator[tuple[int, list[str]]], size: int, seconds: dict[str, float]) -> Iterator[list]:
    while True:
        started = time.perf_counter()
        batch = list(itertools.islice(rows, size))
        seconds["read"] += time.perf_counter() - started
        if not batch:
            return
        yield batch


def run_import(
    path: str | Path | Table,
    *,
    actor: User,
    options: ImportOptions,
    progress: Callable[[ImportReport], None] | None = None,
    ledger: Ledger | None = None,
) -> ImportReport:
    """Import the file at `path`; raises ImportFileError / MappingError for a file that
    cannot be used at all, PermissionDenied for an actor who may not import. With a `ledger`
    (a job run by the worker) the rows it says were written are skipped, and what this run
    writes is ledgered with it."""
    options.check()
    rules.require_import(actor)
    report = ImportReport(entity=options.entity, mode=options.mode, match=options.match, dry_run=options.dry_run)
    # A Table: rows read before (the mapping page's preview of an import job's stored sample).
    opened = path if isinstance(path, Table) else open_table(path)
    with opened as table, acting_via("import"), _fewer_collections():
        available = targets(options.entity)
        report.headers = table.headers
        report.mapping = resolve(options.entity, table.headers, options.mapping, available)
        report.rows_total = table.total if options.max_rows is None else min(table.total, options.max_rows)
        validator = RowValidator(
            actor=actor, entity=options.entity, headers=table.headers, mapping=report.mapping, available=available
        )
        if ledger is not None:
            ledger.carry_into(report)
        rows: Iterator[tuple[int, list[str]]] = table.rows()
        if options.max_rows is not None:
            rows = itertools.islice(rows, options.max_rows)
        skip = ledger.committed if ledger is not None else None
        batches = _validated(rows, validator, options.batch_size, report.seconds, skip)
        writer = _Writer(actor, options, report, available, progress, ledger)
        if _can_pipeline(options):
            _pipelined(writer, batches)
        else:
            writer.run(batches)
    report.rows_total = report.rows_done
    report.errors.sort(key=lambda e: e.row)  # batches may have been written out of order
    report.finished = True
    if progress is not None:
        progress(report)
    return report


_gc_lock = threading.Lock()
_gc_users = [0]
_saved_threshold: list[int] = []


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run Python's cyclic garbage collector less often while importing.

    An import makes millions of short-lived lists, dicts and rows, almost none of them
    in reference cycles (reference counting frees them); with the default threshold
    the collector runs every 700 allocations and rescans the batches in flight each
    time, which cost more than a third of the import's Python time. Cycles are still
    collected, in larger steps. The threshold is process-wide: it is restored when the
    last import running in the process ends.
    """
    with _gc_lock:
        _gc_users[0] += 1
        if _gc_users[0] == 1:
            _saved_threshold[:] = gc.get_threshold()
            gc.set_threshold(GC_THRESHOLD, *_saved_threshold[1:])
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users[0] -= 1
            if _gc_users[0] == 0:
                gc.set_threshold(*_saved_threshold)


# A validated batch: (the batch's row numbers, its valid rows, its errors, and — when
# the pipeline prepared it already — what writing it takes).
Validated = tuple[list[int], list[ValidatedRow], list[RowError], Any]


def _validated(
    rows: Iterator[tuple[int, list[str]]],
    validator: RowValidator,
    size: int,
    seconds: dict[str, float],
    skip: Callable[[int], bool] | None = None,
) -> Iterator[Validated]:
    """Batches of validated rows; the rows `skip` names (written by an earlier run of the job) are
    validated all the same — so a later row that repeats one is still a duplicate within the
    file, as in a run that was never interrupted — but left out of the batches."""
    for batch in _batches(rows, size, seconds):
        started = time.perf_counter()
        numbers: list[int] = []
        valid: list[ValidatedRow] = []
        errors: list[RowError] = []
        for number, cells in batch:
            row, row_errors = validator.validate(number, cells)
            if skip is not None and skip(number):
                continue
            numbers.append(number)
            if row is not None:
                valid.append(row)
            else:
                errors.extend(row_errors)
        seconds["validate"] += time.perf_counter() - started
        if numbers:
            yield numbers, valid, errors, None


class _Writer:
    """Matches and writes validated batches, counts, reports progress.

    In all-or-nothing mode it holds one transaction around every batch; after the
    first error it only matches (so the error report is complete) and at the end
    rolls everything back.
    """

    def __init__(
        self,
        actor: User,
        options: ImportOptions,
        report: ImportReport,
        available: dict[str, Target],
        progress: Callable[[ImportReport], None] | None,
        ledger: Ledger | None = None,
    ) -> None:
        self.actor = actor
        self.options = options
        self.report = report
        self.progress = progress
        self.ledger = ledger
        self.definitions = {t.custom.key: t.custom for t in available.values() if t.custom is not None}
        entity = options.entity
        self.write = actions.contacts_import_batch if entity == CONTACT else actions.organizations_import_batch
        self.lock = threading.Lock()  # the report, when several threads write

    def drain(self, batches: Iterable[Validated]) -> None:
        """Handle batches, each on its own (valid-rows-only or a dry run); several threads may drain at once."""
        for item in batches:
            self.handle(*item)

    def run(self, batches: Iterable[Validated]) -> None:
        if self.options.dry_run or self.options.mode != ALL_OR_NOTHING:
            self.drain(batches)
            self.settle()
            return
        try:
            with transaction.atomic():
                for item in batches:
                    self.handle(*item)
                if not self.report.ok:
                    raise _RollBack
                self.settle()
                if self.ledger is not None and self.report.written:
                    self.ledger.commit_all(self.report)
        except _RollBack:
            self.report.written = False

    def settle(self) -> None:
        """After writing: the search index's pending entries merged, as part of the import's work."""
        if self.report.written:
            started = time.perf_counter()
            bulkwrite.settle(self.options.entity)
            self.report.seconds["write"] += time.perf_counter() - started

    def handle(self, numbers: list[int], valid: list[ValidatedRow], errors: list[RowError], prepared: Any) -> None:
        options, report = self.options, self.report
        writing = not options.dry_run and (options.mode != ALL_OR_NOTHING or (report.ok and not errors))
        if writing and self.ledger is not None and options.mode != ALL_OR_NOTHING:
            # The batch's records and its ledger entry commit together, or neither does.
            with transaction.atomic():
                result, phases = self.outcome(writing, valid, prepared)
                self.ledger.commit_batch(numbers, errors + result.errors, result)
        else:
            result, phases = self.outcome(writing, valid, prepared)
        with self.lock:
            for phase, seconds in phases.items():
                report.seconds[phase] += seconds
            report.written = report.written or writing
            _count(report, numbers, valid, errors + result.errors, result, options.preview_rows)
            report.rows_done += len(numbers)
            if self.progress is not None:
                self.progress(report)

    def outcome(self, writing: bool, valid: list[ValidatedRow], prepared: Any) -> tuple[BatchResult, dict[str, float]]:
        """Write the batch's valid rows (or, when nothing is written, only match them): what each
        row came to, and the seconds each phase took."""
        options = self.options
        phases: dict[str, float] = {}
        if writing and prepared is not None:
            result = actions.records_import_write(actor=self.actor, prepared=prepared)
            phases["write"] = result.seconds.get("write", 0.0)
        elif writing:
            result = self.write(actor=self.actor, rows=valid, match=options.match, job=options.job)
            phases = {phase: result.seconds.get(phase, 0.0) for phase in ("match", "prepare", "write")}
        elif prepared is not None:
            plan = prepared.plan
            result = BatchResult(errors=plan.errors, skipped=len(plan.skips), created=len(plan.creates),
                                 updated=len(plan.updates), outcomes=plan.outcomes)  # fmt: skip
        else:
            started = time.perf_counter()
            plan = matching.plan_batch(self.actor, options.entity, valid, options.match, self.definitions)
            result = BatchResult(errors=plan.errors, skipped=len(plan.skips), created=len(plan.creates),
                                 updated=len(plan.updates), outcomes=plan.outcomes)  # fmt: skip
            phases["match"] = time.perf_counter() - started
        return result, phases


def _can_pipeline(options: ImportOptions) -> bool:
    """Validate in this thread while another writes, when that is safe and worth it.

    Only on PostgreSQL (the server works while Python validates the next batch)
    and outside a transaction: the writer has its own connection, which would not
    see the caller's uncommitted rows. The result is the same either way: a row
    never matches a record written by this import (such a row is flagged as a
    duplicate within the file), so when a batch is written does not matter.
    """
    return (
        PIPELINE
        and not options.dry_run
        and options.max_rows is None
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    )


_DONE = object()
_ABORT = object()


class _Aborted(Exception):
    """The reading thread failed; the writer stops (and rolls back an all-or-nothing import)."""


def _pipelined(writer: _Writer, batches: Iterator[Validated]) -> None:
    """Validated batches go through a small queue to writing threads.

    All-or-nothing: one thread, whose `writer.run` holds the one transaction. Valid-rows-only:
    WRITERS threads, each committing the batches it takes, so the database's work on one batch
    overlaps its work on the next; the search index is settled once they are all done.
    """
    options, seconds = writer.options, writer.report.seconds
    together = options.mode == ALL_OR_NOTHING
    count = 1 if together else max(1, WRITERS)
    handoff: queue.Queue[Any] = queue.Queue(maxsize=2 * count)
    failure: list[BaseException] = []
    language = translation.get_language()

    def consume() -> Iterator[Validated]:
        while (item := handoff.get()) is not _DONE:
            if item is _ABORT:
                raise _Aborted
            yield item

    def work(context: contextvars.Context) -> None:
        try:
            with translation.override(language):
                context.run(writer.run if together else writer.drain, consume())
        except BaseException as error:  # handed to the caller's thread below
            failure.append(error)
        finally:
            connection.close()

    # One copy of the caller's context per thread: a context runs in one thread at a time.
    threads = [
        threading.Thread(target=work, args=(contextvars.copy_context(),), name=f"import-writer-{n}", daemon=True)
        for n in range(count)
    ]

    def hand(item: Any) -> bool:
        """Queue `item` for the writers; False when none is left to take it."""
        while any(t.is_alive() for t in threads):
            try:
                handoff.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    # A writer holds the GIL only briefly between database round trips; a short switch
    # interval hands it over sooner when the reading thread is busy.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    for thread in threads:
        thread.start()
    end: Any = _DONE
    try:
        for numbers, valid, errors, _prepared in batches:
            if failure:  # a writer failed; its error is raised below
                end = _ABORT
                break
            if together and (errors or not writer.report.ok):
                hand((numbers, valid, errors, None))  # nothing more will be written: the writer only matches
                continue
            # Matching and building the new rows happen here, so the writers only write.
            prepared = actions.records_import_prepare(
                actor=writer.actor, entity=options.entity, rows=valid, match=options.match, job=options.job
            )
            seconds["match"] += prepared.result.seconds.get("match", 0.0)
            seconds["prepare"] += prepared.result.seconds.get("prepare", 0.0)
            hand((numbers, valid, errors, prepared))
    except BaseException:
        end = _ABORT
        raise
    finally:
        for _thread in threads:
            if not hand(end):
                break
        for thread in threads:
            thread.join()
        sys.setswitchinterval(interval)
    if failure and not isinstance(failure[0], _Aborted):
        raise failure[0]
    if not together:
        writer.settle()


def _count(
    report: ImportReport,
    numbers: list[int],
    valid: list[ValidatedRow],
    errors: list[RowError],
    result: BatchResult,
    preview_rows: int,
) -> None:
    report.created += result.created
    report.updated += result.updated
    report.unchanged += result.unchanged
    report.skipped += result.skipped
    failed_rows = {e.row for e in errors}
    report.failed += len(failed_rows)
    report.error_count += len(errors)
    room = MAX_KEPT_ERRORS - len(report.errors)
    if room > 0:
        report.errors.extend(sorted(errors, key=lambda e: e.row)[:room])
    # Batches may be counted out of order (several writers): the preview keeps the first rows.
    if numbers and preview_rows and (len(report.preview) < preview_rows or numbers[0] < report.preview[-1].row):
        by_row = {row.row: row for row in valid}
        for number in numbers[:preview_rows]:
            row = by_row.get(number)
            outcome = ERROR if number in failed_rows else result.outcomes.get(number, CREATE)
            report.preview.append(
                PreviewRow(
                    row=number,
                    outcome=outcome,
                    values=_preview_values(row) if row is not None else {},
                    errors=[e for e in errors if e.row == number],
                )
            )
        report.preview.sort(key=lambda p: p.row)
        del report.preview[preview_rows:]


OUTCOMES = (CREATE, UPDATE, UNCHANGED, SKIP, ERROR)


def original_rows(job: ImportJob, numbers: set[int]) -> tuple[list[str], dict[int, list[str]]]:
    """The uploaded file's headers and the rows numbered `numbers` (file rows, as the errors
    name them), for an error report that shows each bad row as it was; nothing once the file
    was purged or cannot be read any more."""
    if not job.file or not numbers:
        return [], {}
    try:
        with open_table(job.file.path) as table:
            found: dict[int, list[str]] = {}
            for number, cells in table.rows():
                if number in numbers:
                    found[number] = cells
                    if len(found) == len(numbers):
                        break
            return list(table.headers), found
    except (OSError, ImportFileError):
        return [], {}
