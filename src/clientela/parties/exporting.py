"""Export of a filtered list of contacts or organizations to CSV or XLSX.

Spreadsheet-formula neutralisation: a text cell that starts with `=`, `+`, `-`,
`@`, a tab or a carriage return gets a leading apostrophe (`'`), in CSV and in
XLSX, so a spreadsheet program shows it as text instead of running it as a
formula (`=HYPERLINK(...)`, `+cmd|...`, `@SUM(...)`). Phone numbers such as
`+36 1 234 5678` therefore come out as `'+36 1 234 5678`. The import takes that
apostrophe off again, so an exported file imports back unchanged.

Exports are scoped: the queryset is narrowed to what the user may see, and the
user's role must allow exporting (`policy.can_export`). Large lists stream: rows
are read in chunks with their e-mails, phones, tags and organizations prefetched,
so memory and the number of queries per chunk stay flat.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Prefetch, QuerySet
from django.utils.translation import gettext as _

from clientela.core.errors import PermissionDenied
from clientela.core.visibility import can_see, visible
from clientela.parties.entities import DECLARATIONS, ORGANIZATIONS
from clientela.parties.importing.mapping import ADDRESS_FIELDS, CONTACT, targets
from clientela.parties.models import Affiliation, ContactPoint, CustomField

if TYPE_CHECKING:
    from clientela.accounts.models import User

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000
FORMATS = ("csv", "xlsx")
# Characters XML (and so XLSX) cannot hold; dropped from XLSX cells.
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def neutralise(value: str) -> str:
    """Prefix an apostrophe to text a spreadsheet would read as a formula."""
    if value and value[0] in FORMULA_START:
        return "'" + value
    return value


def require_export(user: User) -> None:
    if not user.is_active or not user.policy.can_export:
        raise PermissionDenied("your role may not export records")


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[Any], Any]
    field: str = ""  # the field (or collection: phones, addresses, custom) a person may restrict


def _choice_label(model: type[Model], name: str) -> Callable[[Any], Any]:
    field = model._meta.get_field(name)
    if field.choices:
        labels = dict(field.choices)
        return lambda record: str(labels.get(getattr(record, name), getattr(record, name)))
    return lambda record: getattr(record, name)


def _points(kind: str, primary: bool) -> Callable[[Any], Any]:
    def get(record: Any) -> str:
        values = [p.value for p in record.points.all() if p.kind == kind]  # prefetched, primary first
        return (values[0] if values else "") if primary else "; ".join(values[1:])

    return get


def _first_address(name: str) -> Callable[[Any], Any]:
    def get(record: Any) -> str:
        addresses = list(record.addresses.all())
        return getattr(addresses[0], name) if addresses else ""

    return get


def _primary_affiliation(record: Any, user: User) -> Affiliation | None:
    """The contact's primary organization among those the exporting user may see (as its page lists them)."""
    affiliations = [
        a for a in record.affiliations.all() if a.organization.deleted_at is None and can_see(user, a.organization)
    ]
    return next((a for a in affiliations if a.is_primary), affiliations[0] if affiliations else None)


def _employer(user: User, *, role: bool = False) -> Callable[[Any], str]:
    """The name (or the `role` there) of the contact's primary organization the user may see."""

    def get(record: Any) -> str:
        affiliation = _primary_affiliation(record, user)
        if affiliation is None:
            return ""
        return affiliation.role if role else affiliation.organization.name

    return get


def _custom(definition: CustomField) -> Callable[[Any], Any]:
    def get(record: Any) -> Any:
        value = (record.custom or {}).get(definition.key)
        if isinstance(value, list):
            return "; ".join(str(v) for v in value)
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return value

    return get


def _parent(user: User) -> Callable[[Any], Any]:
    """An organization's parent, by name, when the exporting user may see it (nothing leaks otherwise)."""

    def get(record: Any) -> str:
        parent = record.parent
        if parent is None or parent.deleted_at is not None or not can_see(user, parent):
            return ""
        return parent.name

    return get


def columns(entity: str, definitions: list[CustomField], user: User) -> list[Column]:
    """The exported columns; their headers are the import's labels, so a file round-trips."""
    declared = DECLARATIONS[entity]
    labels = {key: str(t.label) for key, t in targets(entity, definitions).items()}
    result = [Column("ID", lambda r: str(r.public_id))]
    result += [Column(labels[n], _choice_label(declared.model, n), n) for n in declared.value_fields]
    result += [
        Column(labels["email"], _points(ContactPoint.Kind.EMAIL, True)),
        Column(labels["other_emails"], _points(ContactPoint.Kind.EMAIL, False)),
        Column(labels["phone"], _points(ContactPoint.Kind.PHONE, True), "phones"),
        Column(labels["other_phones"], _points(ContactPoint.Kind.PHONE, False), "phones"),
        Column(labels["tags"], lambda r: "; ".join(sorted(t.name for t in r.tags.all()))),
    ]
    result += [Column(labels[n], _first_address(n), "addresses") for n in ADDRESS_FIELDS]
    if ORGANIZATIONS in declared.collections:
        result += [
            Column(labels["organization"], _employer(user)),
            Column(labels["organization_role"], _employer(user, role=True)),
        ]
    else:
        result.append(Column(labels["parent"], _parent(user)))
    result += [
        Column(labels["owner"], lambda r: r.owner.username if r.owner_id else ""),
        Column(labels["team"], lambda r: r.team.name if r.team_id else ""),
    ]
    result += [Column(labels[f"custom.{d.key}"], _custom(d), "custom") for d in definitions]
    result += [
        Column(_("Created"), lambda r: r.created_at),
        Column(_("Updated"), lambda r: r.updated_at),
    ]
    return result


def scoped(user: User, entity: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """The queryset limited to what `user` may see, with what the columns read prefetched."""
    require_export(user)
    queryset = visible(queryset, user).select_related("owner", "team")
    prefetch: list[Any] = ["points", "tags", "addresses"]
    if entity == CONTACT:
        prefetch.append(Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization")))
    else:
        queryset = queryset.select_related("parent")
    return queryset.prefetch_related(*prefetch)


def rows(user: User, entity: str, queryset: QuerySet[Any]) -> Iterator[list[Any]]:
    """The header, then one list of cell values per record (not yet neutralised).

    Checks permission at once (not when the first row is read)."""
    records = scoped(user, entity, queryset)
    definitions = list(CustomField.objects.filter(entity=entity).order_by("position", "id"))
    return _rows(user, entity, columns(entity, definitions, user), records)


def _rows(user: User, entity: str, chosen: list[Column], records: QuerySet[Any]) -> Iterator[list[Any]]:
    """The rows, a chunk at a time; a contact's fields its person restricted are left empty for a
    reader without the privacy permission, and the sensitive fields exported are audited
    (`core.personal_data`)."""
    from clientela.core import personal_data

    yield [c.header for c in chosen]
    chunk: list[Any] = []
    for record in records.iterator(chunk_size=CHUNK):
        chunk.append(record)
        if len(chunk) == CHUNK:
            yield from _chunk_rows(user, entity, chosen, chunk, personal_data)
            chunk = []
    yield from _chunk_rows(user, entity, chosen, chunk, personal_data)


def _chunk_rows(user: User, entity: str, chosen: list[Column], chunk: list[Any], guard: Any) -> Iterator[list[Any]]:
    hidden = guard.guard(user, "parties.contact", chunk, "export") if entity == CONTACT and chunk else {}
    for record in chunk:
        restricted = hidden.get(record.pk, ())
        yield [("" if c.field and c.field in restricted else c.value(record)) for c in chosen]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_chunks(table: Iterable[list[Any]], *, rows_per_chunk: int = 500) -> Iterator[bytes]:
    """CSV (UTF-8 with a byte-order mark, for spreadsheet programs), a chunk of rows at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    buffer: list[str] = []
    for row in table:
        buffer.append(writer.writerow([neutralise(_text(v)) for v in row]))
        if len(buffer) >= rows_per_chunk:
            yield "".join(buffer).encode()
            buffer = []
    if buffer:
        yield "".join(buffer).encode()


def _xlsx_cell(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value.astimezone(dt.UTC).replace(tzinfo=None)
    if isinstance(value, dt.date | int | float) and not isinstance(value, bool):
        return value
    return neutralise(_XML_ILLEGAL.sub("", str(value)))


def xlsx_file(table: Iterable[list[Any]], *, title: str = "Export") -> tempfile.SpooledTemporaryFile:
    """An XLSX workbook (write-only, so memory stays flat) in a temporary file, rewound."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for row in table:
        sheet.append([_xlsx_cell(v) for v in row])
    output = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - returned open
    book.save(output)
    output.seek(0)
    return output
