"""Reading an uploaded file as a header and numbered rows of text cells.

CSV: UTF-8 with or without a byte-order mark; the delimiter is the one of
`,` `;` tab `|` that the header line uses most. XLSX: the first worksheet, streamed
part by part through expat (no DTD, no entities) in constant memory; the shared
strings are read as far as the rows read so far need them. Row numbers are the ones a
spreadsheet program shows (the header is row 1); empty rows are skipped but counted,
so the numbers stay true.

A hostile or broken file must cost the server little and get a clear message: every
limit below is checked while reading, before the work it guards is done, and every
error of the parsers becomes an ImportFileError ("This file cannot be read as CSV or
XLSX: ..."), never a crash. docs/import-export.md lists the limits.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import posixpath
import struct
import zipfile
import zlib
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, NoReturn
from xml.parsers import expat

from django.utils.formats import number_format
from django.utils.translation import gettext as _

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024

# The limits. A file over one is refused with a message naming it.
MAX_COLUMNS = 500  # columns of a row that hold a value
MAX_CELL = 32_767  # characters in one cell: Excel's own limit
MAX_LINE_BYTES = 2 * 1024 * 1024  # one line of a CSV file
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an XLSX file's parts, unpacked, together
MAX_ZIP_MEMBERS = 10_000  # parts of an XLSX file (a workbook has a few dozen)
MAX_PART_BYTES = 16 * 1024 * 1024  # the workbook's small parts (workbook, relationships, styles), unpacked
MAX_SHARED_STRINGS = 2_000_000  # distinct texts of a workbook (its shared-strings table)
MAX_SHARED_STRINGS_BYTES = 64 * 1024 * 1024  # their text together, in UTF-8
MAX_XML_STRETCH = 1024 * 1024  # bytes of XML without a '>': no tag or text of a workbook is that long
MAX_SHEET_ROWS = 1_048_576  # row numbers of a sheet: Excel's own limit
MAX_ROW_CELLS = 16_384  # cells of a sheet's row, empty ones too: Excel's own limit
# A preview (`read_sample`) reads at most this much of a CSV file or of a sheet's XML, however
# many of the rows in it are empty: it never parses a whole large file to show twenty rows.
PREVIEW_SCAN_BYTES = 4 * 1024 * 1024

CHUNK_BYTES = 64 * 1024  # read and parsed at a time
CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an .xls workbook, or an encrypted .xlsx


class ImportFileError(Exception):
    """The file cannot be read at all; the message says why, in one line."""


def unreadable(detail: object) -> ImportFileError:
    return ImportFileError(_("This file cannot be read as CSV or XLSX: %(detail)s") % {"detail": detail})


def _number(value: int) -> str:
    return number_format(value, force_grouping=True)


def _megabytes(size: int) -> str:
    return _number(-(-size // (1024 * 1024)))


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def too_many_columns(row: int, index: int) -> ImportFileError:
    return ImportFileError(
        _(
            "Row %(row)s has a value in column %(column)s (column %(number)s); "
            "at most %(limit)s columns can be imported."
        )
        % {"row": row, "column": column_letter(index), "number": _number(index + 1), "limit": _number(MAX_COLUMNS)}
    )


def cell_too_long(row: int, index: int | None = None) -> ImportFileError:
    values = {"row": row, "limit": _number(MAX_CELL)}
    if index is None:
        return ImportFileError(
            _("Row %(row)s: a cell holds more than %(limit)s characters, the most a cell may hold (as in Excel).")
            % values
        )
    return ImportFileError(
        _(
            "Row %(row)s, column %(column)s: the cell holds more than %(limit)s characters, "
            "the most a cell may hold (as in Excel)."
        )
        % {**values, "column": column_letter(index)}
    )


def _within_columns(row: int, cells: list[str]) -> list[str]:
    """The row's cells, empty ones past MAX_COLUMNS dropped; a value past it is refused."""
    if len(cells) <= MAX_COLUMNS:
        return cells
    for index in range(MAX_COLUMNS, len(cells)):
        if cells[index].strip():
            raise too_many_columns(row, index)
    return cells[:MAX_COLUMNS]


def _clean_headers(raw: list[Any]) -> list[str]:
    headers: list[str] = []
    seen: dict[str, int] = {}
    for index, value in enumerate(raw):
        header = cell_text(value).strip().lstrip("\ufeff")
        if not header:
            header = _("(column %(letter)s)") % {"letter": column_letter(index)}
        if header in seen:
            seen[header] += 1
            header = f"{header} ({seen[header]})"
        else:
            seen[header] = 1
        headers.append(header)
    return headers


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: dates in ISO form, whole numbers without ".0"."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def sniff_delimiter(header_line: str) -> str:
    """The candidate the header line uses most (outside quotes); "," when none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


class Table:
    """An opened file: `headers`, `total` (an estimate of data rows, for progress) and `rows()`."""

    kind: str
    headers: list[str]
    total: int
    delimiter: str = ""
    cut: bool = False  # reading stopped at the scan limit it was opened with, before the end

    def rows(self) -> Iterator[tuple[int, list[str]]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class StoredTable(Table):
    """Rows read before and kept (an import job's sample, for the mapping page's preview)."""

    kind = "stored"

    def __init__(self, headers: list[str], rows: Iterable[tuple[int, list[str]] | list[Any]]) -> None:
        self.headers = list(headers)
        self._rows = [(int(number), [str(cell) for cell in cells]) for number, cells in rows]
        self.total = len(self._rows)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        yield from self._rows


class CsvTable(Table):
    kind = "csv"

    def __init__(
        self, binary: IO[bytes], size: int | None, *, count_rows: bool = True, scan_bytes: int | None = None
    ) -> None:
        self._binary = binary
        self._scan_bytes = scan_bytes
        sample = binary.read(SAMPLE_BYTES)
        if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFileError(_("The file is UTF-16 text; save it as CSV UTF-8 and try again."))
        if not sample.strip(b"\xef\xbb\xbf \r\n\t"):
            raise ImportFileError(_("The file is empty."))
        first_line = sample.split(b"\n", 1)[0]
        try:
            header_text = first_line.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            # A header line longer than the sample may end in a character cut in two: that one is no error.
            if b"\n" in sample or error.reason != "unexpected end of data":
                raise ImportFileError(_("The file is not UTF-8 text; save it as CSV UTF-8 and try again.")) from None
            header_text = first_line[: error.start].decode("utf-8-sig")
        self.delimiter = sniff_delimiter(header_text)
        self.total = self._estimate_rows(sample, size) if count_rows else 0
        binary.seek(0)
        # The limit is the csv module's, process-wide; every reader of imports wants the same.
        csv.field_size_limit(MAX_CELL)
        self._reader = csv.reader(self._lines(binary), delimiter=self.delimiter)
        try:
            header = next(self._reader)
        except StopIteration:
            raise ImportFileError(_("The file is empty.")) from None
        except csv.Error as error:
            raise self._csv_error(1, error) from None
        self.headers = _clean_headers(_within_columns(1, header))

    @staticmethod
    def _csv_error(row: int, error: csv.Error) -> ImportFileError:
        if "field larger than field limit" in str(error):
            return cell_too_long(row)
        return ImportFileError(_("Row %(row)s cannot be read: %(error)s") % {"row": row, "error": error})

    def _lines(self, binary: IO[bytes]) -> Iterator[str]:
        """Decoded line by line, so a bad byte is reported on its own line; no line longer than
        MAX_LINE_BYTES; with a scan limit, no further than it."""
        number = 0
        scanned = 0
        while raw := binary.readline(MAX_LINE_BYTES + 1):
            number += 1
            scanned += len(raw)
            if self._scan_bytes is not None and scanned > self._scan_bytes and number > 1:
                self.cut = True
                return
            if len(raw) > MAX_LINE_BYTES:
                raise ImportFileError(
                    _("Line %(line)s is longer than %(limit)s MB, more than a row to import may hold.")
                    % {"line": number, "limit": _megabytes(MAX_LINE_BYTES)}
                )
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise ImportFileError(
                    _("Line %(line)s is not UTF-8 text; save the file as CSV UTF-8 and try again.") % {"line": number}
                ) from None
            yield line.removeprefix("\ufeff") if number == 1 else line

    def _estimate_rows(self, sample: bytes, size: int | None) -> int:
        if size is None or size <= len(sample):
            return max(sample.count(b"\n") - (0 if sample.endswith(b"\n") else -1) - 1, 0)
        lines = sample.count(b"\n")
        chunk = self._binary.read(1024 * 1024)
        while chunk:
            lines += chunk.count(b"\n")
            chunk = self._binary.read(1024 * 1024)
        return max(lines - 1, 0)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        number = 1
        try:
            for number, cells in enumerate(self._reader, start=2):
                for cell in cells:
                    if cell and not cell.isspace():
                        yield number, _within_columns(number, cells)
                        break
        except csv.Error as error:
            raise self._csv_error(number + 1, error) from None

    def close(self) -> None:
        self._binary.close()


# --- XLSX --------------------------------------------------------------------------------

# What a broken archive or part makes the standard library raise (zipfile, zlib, expat, int()...).
_BROKEN = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    zlib.error,
    expat.ExpatError,
    EOFError,
    OSError,
    ValueError,
    KeyError,
    IndexError,
    struct.error,
    OverflowError,
    NotImplementedError,  # a compression method zipfile does not know
    RuntimeError,  # an encrypted member
)


@contextmanager
def _as_unreadable() -> Iterator[None]:
    try:
        yield
    except _BROKEN as error:
        raise unreadable(str(error) or type(error).__name__) from None


def _too_large() -> ImportFileError:
    return ImportFileError(
        _(
            "The workbook unpacks to more than %(limit)s MB, the most an XLSX file to import may hold. "
            "Save it as CSV UTF-8 (which has no such limit) or split it."
        )
        % {"limit": _megabytes(MAX_UNPACKED_BYTES)}
    )


class _Budget:
    """The bytes the workbook's parts may still unpack to; counted as they are read, whatever the
    archive declares (zipfile stops at the declared size, this is the second guard)."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def spend(self, size: int) -> None:
        self.left -= size
        if self.left < 0:
            raise _too_large()


def _local(name: str) -> str:
    """An XML name without its namespace prefix (`x:row` -> `row`)."""
    return name.rpartition(":")[2]


class _LocalNames(dict[str, str]):
    """`_local` remembered per name: the handlers of a large part ask millions of times."""

    def __missing__(self, name: str) -> str:
        self[name] = local = _local(name)
        return local


def _column_index(reference: str) -> int:
    """`C7` -> 2: the column of a cell reference."""
    index = 0
    for char in reference:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        elif "a" <= char <= "z":
            index = index * 26 + ord(char) - 96
        else:
            break
    if not index:
        raise ValueError(f"a cell reference without a column: {reference[:20]}")
    return index - 1


class _Part:
    """One XML part of the workbook, fed to expat a chunk at a time: no DTD, no entities."""

    def __init__(self, archive: zipfile.ZipFile, name: str, budget: _Budget, scan_bytes: int | None = None) -> None:
        self.name = name
        self._budget = budget
        self._scan_bytes = scan_bytes
        self._scanned = 0
        self.cut = False  # stopped at `scan_bytes`
        self._stretch = 0
        self.parser = expat.ParserCreate()
        # A workbook never declares a document type: refusing any is what keeps entity
        # expansion ("billion laughs") and external entities out.
        self.parser.StartDoctypeDeclHandler = self._refuse
        self.parser.EntityDeclHandler = self._refuse
        self.parser.ExternalEntityRefHandler = self._refuse
        self.done = False
        self._member = archive.open(name)

    def _refuse(self, *_args: object) -> NoReturn:
        raise unreadable(
            _("%(part)s declares a document type or entities, which a workbook never does") % {"part": self.name}
        )

    def feed(self) -> None:
        """Parse the next chunk (the handlers see what it holds); at the end, close."""
        if self._scan_bytes is not None and self._scanned >= self._scan_bytes:
            self.cut = True
            self.close()
            return
        chunk = self._member.read(CHUNK_BYTES)
        self._scanned += len(chunk)
        self._budget.spend(len(chunk))
        self._check_stretch(chunk)
        try:
            self.parser.Parse(chunk, not chunk)
        except expat.ExpatError as error:
            raise unreadable(
                _("%(part)s, line %(line)s: %(error)s")
                % {"part": self.name, "line": error.lineno, "error": expat.ErrorString(error.code)}
            ) from None
        if not chunk:
            self.close()

    def _check_stretch(self, chunk: bytes) -> None:
        """expat holds a whole tag (attributes and all) before it reports it: a tag of hundreds of
        megabytes would be held whole, so no stretch of XML may go on that long without a '>'.
        A chunk is smaller than the limit, so only stretches across chunks need counting."""
        first = chunk.find(b">")
        if first < 0:
            self._stretch += len(chunk)
        else:
            self._stretch += first
        if self._stretch > MAX_XML_STRETCH:
            raise unreadable(
                _("%(part)s has a tag of more than %(limit)s MB")
                % {"part": self.name, "limit": _megabytes(MAX_XML_STRETCH)}
            )
        if first >= 0:
            self._stretch = len(chunk) - chunk.rfind(b">") - 1

    def close(self) -> None:
        self.done = True
        self._member.close()


def _walk(archive: zipfile.ZipFile, name: str, budget: _Budget) -> Iterator[tuple[tuple[str, ...], dict[str, str]]]:
    """Each element of a small part: (the local names from the root down to it, its attributes)."""
    if archive.getinfo(name).file_size > MAX_PART_BYTES:
        raise ImportFileError(
            _("The workbook's part %(part)s is larger than %(limit)s MB.")
            % {"part": name, "limit": _megabytes(MAX_PART_BYTES)}
        )
    part = _Part(archive, name, budget)
    stack: list[str] = []
    found: list[tuple[tuple[str, ...], dict[str, str]]] = []

    def start(tag: str, attributes: dict[str, str]) -> None:
        stack.append(_local(tag))
        found.append((tuple(stack), attributes))

    def end(_tag: str) -> None:
        stack.pop()

    part.parser.StartElementHandler = start
    part.parser.EndElementHandler = end
    try:
        while not part.done:
            part.feed()
            yield from found
            found.clear()
    finally:
        part.close()


def _relationships(
    archive: zipfile.ZipFile, owner: str, names: set[str], budget: _Budget
) -> list[tuple[str, str, str]]:
    """(id, type, target part) of each internal relationship of the part `owner` ("" for the package)."""
    directory, file_name = posixpath.split(owner)
    rels = posixpath.join(directory, "_rels", f"{file_name}.rels")
    if rels not in names:
        return []
    found: list[tuple[str, str, str]] = []
    for path, attributes in _walk(archive, rels, budget):
        if path[-1] != "Relationship" or attributes.get("TargetMode") == "External":
            continue
        target = attributes.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(directory, target))
        found.append((attributes.get("Id", ""), attributes.get("Type", ""), target))
    return found


@dataclass
class _Book:
    sheet: str
    strings: str | None
    styles: str | None
    epoch: dt.datetime


def _find_book(archive: zipfile.ZipFile, budget: _Budget) -> _Book:
    """The first worksheet, the shared strings and styles, and the date system, from the package's relationships."""
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH

    names = set(archive.namelist())
    workbook = next(
        (t for _id, kind, t in _relationships(archive, "", names, budget) if kind.endswith("/officeDocument")),
        "xl/workbook.xml",
    )
    if workbook not in names:
        raise unreadable(_("it is a ZIP archive without a workbook"))
    related = {rid: (kind, target) for rid, kind, target in _relationships(archive, workbook, names, budget)}
    epoch = WINDOWS_EPOCH
    sheet = None
    for path, attributes in _walk(archive, workbook, budget):
        if path[-1] == "workbookPr" and attributes.get("date1904", "").lower() in ("1", "true"):
            epoch = MAC_EPOCH
        elif path[-1] == "sheet" and sheet is None:
            rid = next((v for k, v in attributes.items() if ":" in k and _local(k) == "id"), "")
            kind, target = related.get(rid, ("", ""))
            if kind.endswith("/worksheet") and target in names:
                sheet = target
    if sheet is None:
        raise unreadable(_("the workbook has no worksheet"))

    def part(suffix: str) -> str | None:
        return next((t for kind, t in related.values() if kind.endswith(suffix) and t in names), None)

    return _Book(sheet=sheet, strings=part("/sharedStrings"), styles=part("/styles"), epoch=epoch)


def _date_styles(archive: zipfile.ZipFile, part: str | None, budget: _Budget) -> tuple[set[int], set[int]]:
    """The cell styles (indexes) whose number format is a date, and those that are a duration."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format

    if part is None:
        return set(), set()
    custom: dict[int, str] = {}
    formats: list[int] = []
    for path, attributes in _walk(archive, part, budget):
        if path[-2:] == ("numFmts", "numFmt"):
            custom[int(attributes.get("numFmtId") or -1)] = attributes.get("formatCode", "")
        elif path[-2:] == ("cellXfs", "xf"):
            formats.append(int(attributes.get("numFmtId") or 0))
    dates: set[int] = set()
    durations: set[int] = set()
    for index, format_id in enumerate(formats):
        code = custom.get(format_id) or BUILTIN_FORMATS.get(format_id)
        if is_date_format(code):
            dates.add(index)
        if is_timedelta_format(code):
            durations.add(index)
    return dates, durations


class _SharedStrings:
    """The workbook's shared-strings table, read as far as the cells asked for so far need.

    Kept compactly (UTF-8 bytes and their end offsets) within MAX_SHARED_STRINGS entries and
    MAX_SHARED_STRINGS_BYTES; an entry longer than MAX_CELL is not kept, and the cell that
    uses it is refused with its row and column.
    """

    def __init__(self, archive: zipfile.ZipFile, name: str | None, budget: _Budget) -> None:
        self._data = bytearray()
        self._ends = array("Q")
        self._too_long: set[int] = set()
        self._parts: list[str] = []
        self._length = 0
        self._in_entry = False
        self._collecting = False
        self._phonetic = 0
        self._part: _Part | None = None
        self._names = _LocalNames()
        if name is not None:
            self._part = _Part(archive, name, budget)
            parser = self._part.parser
            parser.StartElementHandler = self._start
            parser.EndElementHandler = self._end
            parser.CharacterDataHandler = self._text

    def _start(self, tag: str, _attributes: dict[str, str]) -> None:
        name = self._names[tag]
        if name == "si":
            self._in_entry, self._parts, self._length = True, [], 0
        elif name == "rPh":  # a phonetic reading, not part of the text
            self._phonetic += 1
        elif name == "t" and self._in_entry and not self._phonetic:
            self._collecting = True

    def _end(self, tag: str) -> None:
        name = self._names[tag]
        if name == "t":
            self._collecting = False
        elif name == "rPh":
            self._phonetic -= 1
        elif name == "si":
            self._in_entry = False
            self._keep()

    def _text(self, data: str) -> None:
        if self._collecting and self._length <= MAX_CELL:
            self._length += len(data)
            if self._length > MAX_CELL:
                self._parts = []
            else:
                self._parts.append(data)

    def _keep(self) -> None:
        ends = self._ends
        if len(ends) >= MAX_SHARED_STRINGS:
            raise ImportFileError(
                _(
                    "The workbook has more than %(limit)s different texts (its shared strings); "
                    "save it as CSV UTF-8 or split it."
                )
                % {"limit": _number(MAX_SHARED_STRINGS)}
            )
        data = self._data
        if self._length > MAX_CELL:
            self._too_long.add(len(ends))
        else:  # as openpyxl reads them: the escape of an escaped underscore undone
            parts = self._parts
            text = parts[0] if len(parts) == 1 else "".join(parts)
            data += text.replace("x005F_", "").encode()
            if len(data) > MAX_SHARED_STRINGS_BYTES:
                raise ImportFileError(
                    _(
                        "The workbook's different texts (its shared strings) hold more than %(limit)s MB together; "
                        "save it as CSV UTF-8 or split it."
                    )
                    % {"limit": _megabytes(MAX_SHARED_STRINGS_BYTES)}
                )
        ends.append(len(data))

    def get(self, index: int) -> str | None:
        """The text of entry `index`; None when it is longer than MAX_CELL."""
        while index >= len(self._ends) and self._part is not None and not self._part.done:
            self._part.feed()
        if not 0 <= index < len(self._ends):
            raise ValueError(f"a cell refers to shared string {index}, which the workbook does not have")
        if index in self._too_long:
            return None
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode("utf-8")

    def close(self) -> None:
        if self._part is not None:
            self._part.close()


class _Sheet:
    """A worksheet's rows, parsed as they are asked for: a reader that stops after twenty rows
    has parsed little more than twenty rows."""

    def __init__(
        self,
        archive: zipfile.ZipFile,
        book: _Book,
        strings: _SharedStrings,
        styles: tuple[set[int], set[int]],
        budget: _Budget,
        scan_bytes: int | None = None,
    ) -> None:
        self._strings = strings
        self._dates, self._durations = styles
        self._epoch = book.epoch
        self._ready: deque[tuple[int, list[str]]] = deque()
        self.last_row: int | None = None  # from the sheet's <dimension>, when it has one
        self._row = 0
        self._cells: dict[int, str] = {}
        self._column = -1
        self._type = "n"
        self._style = 0
        self._in_cell = False
        self._inline = False
        self._phonetic = 0
        self._collecting = False
        self._parts: list[str] = []
        self._length = 0
        self._names = _LocalNames()
        self._row_cells = 0
        self._part = _Part(archive, book.sheet, budget, scan_bytes)
        parser = self._part.parser
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text

    @property
    def cut(self) -> bool:
        return self._part.cut

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        while True:
            while self._ready:
                yield self._ready.popleft()
            if self._part.done:
                return
            self._part.feed()

    def _start(self, tag: str, attributes: dict[str, str]) -> None:
        name = self._names[tag]
        if name == "c":
            reference = attributes.get("r")
            self._column = _column_index(reference) if reference else self._column + 1
            self._type = attributes.get("t", "n")
            self._style = int(attributes.get("s") or 0)
            self._in_cell, self._parts, self._length = True, [], 0
            self._row_cells += 1
            if self._row_cells > MAX_ROW_CELLS:
                raise unreadable(
                    _("row %(row)s has more than %(limit)s cells, more than a spreadsheet may have")
                    % {"row": self._row, "limit": _number(MAX_ROW_CELLS)}
                )
        elif name == "v" and self._in_cell and self._type != "inlineStr":
            self._collecting = True
        elif name == "is" and self._in_cell:
            self._inline = True
        elif name == "rPh":
            self._phonetic += 1
        elif name == "t" and self._inline and not self._phonetic and self._type == "inlineStr":
            self._collecting = True
        elif name == "row":
            number = attributes.get("r")
            self._row = int(number) if number else self._row + 1
            if self._row > MAX_SHEET_ROWS:
                raise unreadable(
                    _("the sheet has a row numbered over %(limit)s, more than a spreadsheet may have")
                    % {"limit": _number(MAX_SHEET_ROWS)}
                )
            self._cells, self._column, self._row_cells = {}, -1, 0
        elif name == "dimension":
            last = attributes.get("ref", "").rpartition(":")[2].lstrip("$ABCDEFGHIJKLMNOPQRSTUVWXYZ")
            self.last_row = int(last) if last.isdigit() else None

    def _text(self, data: str) -> None:
        if self._collecting:
            self._length += len(data)
            if self._length > MAX_CELL:
                raise cell_too_long(self._row, self._column)
            self._parts.append(data)

    def _end(self, tag: str) -> None:
        name = self._names[tag]
        if name in ("v", "t"):
            self._collecting = False
        elif name == "is":
            self._inline = False
        elif name == "rPh":
            self._phonetic -= 1
        elif name == "c":
            self._in_cell = False
            text = self._value("".join(self._parts))
            if text:
                if self._column >= MAX_COLUMNS:
                    raise too_many_columns(self._row, self._column)
                self._cells[self._column] = text
        elif name == "row":
            cells = self._cells
            if any(text.strip() for text in cells.values()):
                self._ready.append((self._row, [cells.get(i, "") for i in range(max(cells) + 1)]))
            self._cells = {}
        elif name == "sheetData":  # what follows (merged cells, print settings...) is not read
            self._part.close()

    def _value(self, raw: str) -> str:
        """A cell's value as text, as openpyxl reads it (data only, dates by their number format)."""
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        kind = self._type
        if kind in ("inlineStr", "str", "e"):
            return raw
        if not raw:
            return ""
        try:
            if kind == "s":
                text = self._strings.get(int(raw))
                if text is None:
                    raise cell_too_long(self._row, self._column)
                return text
            if kind == "b":
                return cell_text(bool(int(raw)))
            if kind == "d":
                return cell_text(from_ISO8601(raw))
            value: Any = float(raw) if "." in raw or "E" in raw or "e" in raw else int(raw)
        except (ValueError, OverflowError) as error:
            raise unreadable(
                _("row %(row)s, column %(column)s: %(error)s")
                % {"row": self._row, "column": column_letter(self._column), "error": error}
            ) from None
        if self._style in self._dates:
            try:
                value = from_excel(value, self._epoch, timedelta=self._style in self._durations)
            except (OverflowError, ValueError):
                return "#VALUE!"
        return cell_text(value)

    def close(self) -> None:
        self._part.close()


def _check_archive(binary: IO[bytes], size: int) -> None:
    """Before zipfile reads the archive's directory: refuse one that lists too many parts."""
    tail_size = min(size, 22 + 65_535)
    binary.seek(size - tail_size)
    tail = binary.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise unreadable(_("it starts like an XLSX file (a ZIP archive) but its end is missing"))
    entries, directory_size = struct.unpack("<HL", tail[at + 10 : at + 16])
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:  # ZIP64: the figures are in its own end record
        locator = size - tail_size + at - 20
        if locator >= 0:
            binary.seek(locator)
            found = binary.read(20)
            if found[:4] == b"PK\x06\x07":
                binary.seek(struct.unpack("<Q", found[8:16])[0])
                record = binary.read(56)
                if record[:4] == b"PK\x06\x06" and len(record) == 56:
                    entries, directory_size = struct.unpack("<QQ", record[32:48])
    if entries > MAX_ZIP_MEMBERS or directory_size > MAX_PART_BYTES:
        raise ImportFileError(
            _("The workbook has more than %(limit)s parts, far more than a spreadsheet has.")
            % {"limit": _number(MAX_ZIP_MEMBERS)}
        )


def _open_archive(path: Path) -> zipfile.ZipFile:
    with path.open("rb") as binary:
        _check_archive(binary, path.stat().st_size)
    archive = zipfile.ZipFile(path)
    try:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise ImportFileError(
                _("The workbook has more than %(limit)s parts, far more than a spreadsheet has.")
                % {"limit": _number(MAX_ZIP_MEMBERS)}
            )
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise _too_large()
        for member in members:
            if member.flag_bits & 0x1:
                raise unreadable(_("it is encrypted; save it without a password"))
            if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise unreadable(
                    _("%(part)s is compressed in a way spreadsheets do not use") % {"part": member.filename}
                )
    except BaseException:
        archive.close()
        raise
    return archive


class XlsxTable(Table):
    kind = "xlsx"

    def __init__(self, path: Path, *, scan_bytes: int | None = None) -> None:
        self._closers: list[Callable[[], None]] = []
        try:
            with _as_unreadable():
                archive = _open_archive(path)
                self._closers.append(archive.close)
                budget = _Budget(MAX_UNPACKED_BYTES)
                book = _find_book(archive, budget)
                styles = _date_styles(archive, book.styles, budget)
                strings = _SharedStrings(archive, book.strings, budget)
                self._closers.append(strings.close)
                sheet = self._sheet = _Sheet(archive, book, strings, styles, budget, scan_bytes)
                self._closers.append(sheet.close)
                self._rows = sheet.rows()
                first = next(self._rows, None)
            if first is None:
                raise ImportFileError(_("The file is empty."))
            header_row, header = first
            self.headers = _clean_headers(header)
            self.total = max((sheet.last_row or 0) - header_row, 0)
        except BaseException:
            self.close()
            raise

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        with _as_unreadable():
            yield from self._rows
        self.cut = self._sheet.cut

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers = []


def open_table(
    path: str | Path, *, name: str | None = None, count_rows: bool = True, scan_bytes: int | None = None
) -> Table:
    """Open a CSV or XLSX file by its content (an XLSX file is a ZIP archive).

    `count_rows=False`: skip counting a CSV file's lines for `total` (a preview needs no total).
    `scan_bytes`: read no more than this of the CSV file or the sheet's XML (`cut` says it stopped).
    """
    path = Path(path)
    try:
        binary = path.open("rb")
    except FileNotFoundError:
        raise ImportFileError(_("No such file: %(path)s") % {"path": path}) from None
    except OSError as error:
        raise ImportFileError(_("The file cannot be opened: %(error)s") % {"error": error.strerror}) from None
    try:
        magic = binary.read(8)
        if magic.startswith(CFB_MAGIC):
            raise unreadable(
                _("it is an old Excel workbook (.xls) or a password-protected one; save it as XLSX without a password")
            )
        if not magic.startswith(b"PK\x03\x04"):
            binary.seek(0)
            return CsvTable(binary, path.stat().st_size, count_rows=count_rows, scan_bytes=scan_bytes)
    except BaseException:
        binary.close()
        raise
    binary.close()
    return XlsxTable(path, scan_bytes=scan_bytes)


@dataclass
class Sample:
    """The start of a file: its headers and first rows, and whether rows were left out for their size."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    cut: bool = False


def read_sample(path: str | Path, *, rows: int, max_chars: int, scan_bytes: int = PREVIEW_SCAN_BYTES) -> Sample:
    """The header and the first `rows` rows, at most `max_chars` characters of cells in all, found
    in the first `scan_bytes` of the file (of the sheet); reading stops there, however large the file."""
    with open_table(path, count_rows=False, scan_bytes=scan_bytes) as table:
        taken: list[tuple[int, list[str]]] = []
        size = 0
        cut = False
        for number, cells in table.rows():
            size += sum(len(cell) for cell in cells)
            if size > max_chars:
                cut = True
                break
            taken.append((number, cells))
            if len(taken) >= rows:
                break
        return Sample(headers=list(table.headers), rows=taken, cut=cut or table.cut)
