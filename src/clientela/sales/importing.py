"""Importing leads from a CSV or XLSX file, with the foundation's importer.

The steps are the contact import's (`parties/importing`), reused through the lead's entity
declaration (`sales/entities.py`):

- the file is read by `parties.importing.reading` (UTF-8 CSV with any common delimiter, XLSX
  streamed, within the same limits against hostile files);
- columns are mapped by `parties.importing.mapping` from the header, in English and the seed
  languages, using the declaration's labels and synonyms; the user overrides any of it;
- each row is cleaned by the lead actions' own rules (`rules.clean_lead`), choice cells read by
  value or by label in any language, errors named by row and column as the file has them;
- a row whose e-mail is already a visible lead's is skipped, and a row repeating an e-mail of
  an earlier row of the file is an error on the later row;
- writing goes through `actions.leads_import_batch`: one creation event per lead. All or
  nothing (one transaction, nothing written if any row has an error) or valid rows only;
  a dry run checks everything and writes nothing.

Lead files are small beside contact files (a trade fair's list, a bought list): the import
runs while the page or the API call waits, up to `MAX_ROWS` rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.utils.translation import gettext as _

from clientela.core.errors import ValidationFailed
from clientela.parties.importing.mapping import (
    FIELD,
    MappingError,
    Target,
    header_key,
    own_targets,
    people_targets,
    resolve,
)
from clientela.parties.importing.reading import ImportFileError, Table, open_table
from clientela.parties.importing.rows import ALL_OR_NOTHING, CREATE, ERROR, MODE_CHOICES, SKIP, RowError
from clientela.parties.importing.validating import choice_aliases, unquote
from clientela.parties.rules import require_import
from clientela.sales import actions, queries
from clientela.sales.entities import LEAD
from clientela.sales.rules import clean_lead, require_open_status

if TYPE_CHECKING:
    from clientela.accounts.models import User

MAX_ROWS = 20_000
PREVIEW_ROWS = 20
MAX_KEPT_ERRORS = 1_000
BATCH = 500  # rows whose e-mails are looked up at once
UPLOADS = "lead-imports"  # where the page keeps a file between its check and its import, under MEDIA_ROOT


@dataclass
class PreviewRow:
    row: int
    outcome: str  # CREATE, SKIP or ERROR
    values: dict[str, str]


@dataclass
class LeadImportReport:
    mode: str
    dry_run: bool
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)  # header -> target key ("" = ignored)
    rows: int = 0
    created: int = 0
    skipped: int = 0  # rows whose e-mail is already a lead's
    failed: int = 0  # rows with at least one error
    errors: list[RowError] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        return self.failed == 0


def upload_directory() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOADS


def lead_targets() -> dict[str, Target]:
    """Every field a row can fill: the lead's own (declared) fields, its owner and team."""
    return {**own_targets(LEAD), **people_targets()}


def _amount_text(raw: str) -> str:
    """An amount as spreadsheets write it in the seed languages: "12 500,50" -> "12500.50"."""
    text = raw.replace("\u00a0", "").replace("\u202f", "").replace(" ", "")
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    elif "," in text and "." in text:  # "12,500.50" or "12.500,50": the last one is the decimal mark
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        text = text.replace(thousands, "").replace(decimal_mark, ".")
    return text


class _RowReader:
    """Turns one row's cells into clean lead values, or errors named by the file's columns."""

    def __init__(self, actor: User, headers: list[str], mapping: dict[str, str], available: dict[str, Target]):
        self.actor = actor
        self.columns = [(index, mapping[header], header) for index, header in enumerate(headers) if mapping[header]]
        self.header_of = {key: header for _i, key, header in self.columns}
        self.labels = {key: str(target.label) for key, target in available.items()}
        self.aliases = {
            key: choice_aliases(LEAD.model, key)
            for _i, key, _h in self.columns
            if available[key].kind == FIELD and LEAD.model_field(key).choices
        }

    def read(self, number: int, cells: list[str]) -> tuple[dict[str, Any], list[RowError]]:
        values: dict[str, Any] = {}
        for index, key, _header in self.columns:
            raw = cells[index].strip() if index < len(cells) else ""
            if not raw:
                continue
            raw = unquote(raw)
            aliases = self.aliases.get(key)
            if aliases is not None:
                raw = aliases.get(header_key(raw), raw)
            if key == "estimated_amount":
                raw = _amount_text(raw)
            values[key] = raw
        try:
            cleaned = clean_lead(self.actor, values, None)
            require_open_status(cleaned)
            return cleaned, []
        except ValidationFailed as failed:  # the row's cells as given, for the preview
            return values, [RowError(number, self.column(e.field), str(e.message)) for e in failed.errors]

    def column(self, key: str) -> str:
        """The file's header of the column that fills `key`, else the field's label."""
        return self.header_of.get(key) or self.labels.get(key, key)


def _shown(values: dict[str, Any]) -> dict[str, str]:
    shown: dict[str, str] = {}
    for key, value in values.items():
        if value in (None, ""):
            continue
        if key in ("owner", "team"):
            value = getattr(value, "username", None) or getattr(value, "name", value)
        elif isinstance(value, Decimal):
            value = format(value, "f")
        shown[key] = str(value)
    return shown


def import_leads(
    path: str | Path | Table,
    *,
    actor: User,
    mapping: dict[str, Any] | None = None,
    mode: str = ALL_OR_NOTHING,
    dry_run: bool = False,
) -> LeadImportReport:
    """Import the leads of the file at `path`. Raises ImportFileError for a file that cannot be
    read, MappingError for a mapping that cannot be used (no column gives the last name, two
    columns fill one field), ValueError for an unknown mode, PermissionDenied for an actor whose
    role may not import."""
    if mode not in MODE_CHOICES:
        raise ValueError(f"mode must be one of: {', '.join(MODE_CHOICES)}")
    require_import(actor)
    report = LeadImportReport(mode=mode, dry_run=dry_run)
    opened = path if isinstance(path, Table) else open_table(path)
    with opened as table:
        available = lead_targets()
        report.headers = list(table.headers)
        report.mapping = resolve(LEAD.name, report.headers, mapping, available)
        if LEAD.name_field not in report.mapping.values():
            raise MappingError(
                _("No column gives the %(field)s; choose the column that does.")
                % {"field": str(available[LEAD.name_field].label).lower()}
            )
        reader = _RowReader(actor, report.headers, report.mapping, available)
        valid: list[tuple[int, dict[str, Any]]] = []
        first_row_of: dict[str, int] = {}  # an e-mail, folded -> the first row that has it
        pending: list[tuple[int, dict[str, Any]]] = []
        for number, cells in table.rows():
            report.rows += 1
            if report.rows > MAX_ROWS:
                raise ImportFileError(
                    _("The file has more than %(count)s rows; split it into smaller files.")
                    % {"count": f"{MAX_ROWS:,}"}
                )
            values, errors = reader.read(number, cells)
            email = (values.get("email") or "").lower()
            if not errors and email:
                first = first_row_of.setdefault(email, number)
                if first != number:
                    message = _("the same e-mail as row %(row)d") % {"row": first}
                    errors = [RowError(number, reader.column("email"), message)]
            if errors:
                _failed(report, number, errors, values)
                continue
            pending.append((number, values))
            if len(pending) >= BATCH:
                valid.extend(_without_known(actor, pending, report))
                pending = []
        valid.extend(_without_known(actor, pending, report))
    for number, values in valid[: max(0, PREVIEW_ROWS - len(report.preview))]:
        report.preview.append(PreviewRow(number, CREATE, _shown(values)))
    report.preview.sort(key=lambda row: row.row)
    del report.preview[PREVIEW_ROWS:]
    if dry_run:
        report.created = len(valid)  # what an import would create
    elif valid and (report.ok or mode != ALL_OR_NOTHING):
        report.created = actions.leads_import_batch(actor=actor, rows=[values for _n, values in valid])
        report.written = True
    return report


def _failed(report: LeadImportReport, number: int, errors: list[RowError], values: dict[str, Any]) -> None:
    report.failed += 1
    room = MAX_KEPT_ERRORS - len(report.errors)
    report.errors.extend(errors[: max(room, 0)])
    if len(report.preview) < PREVIEW_ROWS:
        report.preview.append(PreviewRow(number, ERROR, _shown(values)))


def _without_known(
    actor: User, rows: list[tuple[int, dict[str, Any]]], report: LeadImportReport
) -> list[tuple[int, dict[str, Any]]]:
    """The rows whose e-mail is no visible lead's yet; the others are counted as skipped."""
    emails = {values["email"].lower() for _n, values in rows if values.get("email")}
    known = queries.lead_emails_known(actor, emails) if emails else set()
    kept: list[tuple[int, dict[str, Any]]] = []
    for number, values in rows:
        if (values.get("email") or "").lower() in known:
            report.skipped += 1
            if len(report.preview) < PREVIEW_ROWS:
                report.preview.append(PreviewRow(number, SKIP, _shown(values)))
        else:
            kept.append((number, values))
    return kept


__all__ = ["ImportFileError", "LeadImportReport", "MappingError", "import_leads", "lead_targets", "open_table"]
