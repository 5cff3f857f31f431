"""The values passed between the import's steps."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime as dt
    import uuid

# (value as given, normalised form, label)
Point = tuple[str, str, str]

CREATE = "create"
UPDATE = "update"
SKIP = "skip"
UNCHANGED = "unchanged"
ERROR = "error"

MATCH_UPDATE = "update"
MATCH_SKIP = "skip"
MATCH_CREATE = "create"
MATCH_CHOICES = (MATCH_UPDATE, MATCH_SKIP, MATCH_CREATE)

ALL_OR_NOTHING = "all-or-nothing"
VALID_ROWS_ONLY = "valid-rows-only"
MODE_CHOICES = (ALL_OR_NOTHING, VALID_ROWS_ONLY)


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one row: the row number as a spreadsheet shows it (header = 1),
    the column as named in the file's header, and a message for the user."""

    row: int
    column: str
    message: str

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.message]


@dataclass(slots=True)
class ValidatedRow:
    """A row that passed validation: clean values ready to be written."""

    row: int
    # Model field values, cleaned with the model's rules (owner/team as instances). Organizations:
    # matching adds "parent", the organization the `parent` cell names (pk, public_id and name loaded).
    values: dict[str, Any]
    emails: list[Point] = field(default_factory=list)
    phones: list[Point] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    address: dict[str, Any] | None = None
    # Contacts: the organization named in the row (matched by normalised name) and the role there.
    organization: str = ""
    organization_role: str = ""
    # Organizations: the parent as the row gives it (a tax id or a name), resolved by matching.
    parent: str = ""
    # The columns to name when an error concerns matching or a field.
    columns: dict[str, str] = field(default_factory=dict)
    # Filled by matching: the existing record's primary key, or an error.
    existing_id: int | None = None
    match_column: str = ""
    organization_id: int | None = None
    # Rows built by code rather than read from a file (the demo loader) may give more than a
    # file row holds: the new record's public id and creation time, further addresses, and
    # further (not primary) affiliations as (organization pk, its name, role), the organization
    # above then resolved by the caller (organization_id set). The import leaves them empty.
    public_id: uuid.UUID | None = None
    created_at: dt.datetime | None = None
    more_addresses: tuple[dict[str, Any], ...] = ()
    more_organizations: tuple[tuple[int, str, str], ...] = ()

    def column(self, target: str) -> str:
        """The file's header for `target`, or the target's label when no column fills it."""
        found = self.columns.get(target)
        if found is None:
            found = str(self.columns.get(f"label:{target}", target))
        return found


@dataclass
class BatchResult:
    """What one batch write did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    # row number -> outcome (create, update, unchanged, skip, error)
    outcomes: dict[int, str] = field(default_factory=dict)
    # time spent matching and writing, for the benchmark's phases
    seconds: dict[str, float] = field(default_factory=dict)
