"""Reading an uploaded file as a header and numbered rows of text cells.

CSV: UTF-8 with or without a byte-order mark; the delimiter is the one of
`,` `;` tab `|` that the header line uses most. XLSX: the first worksheet, read
with openpyxl in read-only mode (constant memory). Row numbers are the ones a
spreadsheet program shows (the header is row 1); empty rows are skipped but
counted, so the numbers stay true.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

DELIMITERS = (",", ";", "\t", "|")
SAMPLE_BYTES = 64 * 1024
# A cell of a CSV file may hold up to this many characters (the csv module's default is 128 KiB).
MAX_CELL = 1024 * 1024


class ImportFileError(Exception):
    """The file cannot be read at all; the message says why, in one line."""


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how spreadsheets name columns."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


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

    def rows(self) -> Iterator[tuple[int, list[str]]]:  # pragma: no cover - overridden
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self) -> Table:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CsvTable(Table):
    kind = "csv"

    def __init__(self, binary: IO[bytes], size: int | None) -> None:
        self._binary = binary
        sample = binary.read(SAMPLE_BYTES)
        if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ImportFileError(_("The file is UTF-16 text; save it as CSV UTF-8 and try again."))
        if not sample.strip(b"\xef\xbb\xbf \r\n\t"):
            raise ImportFileError(_("The file is empty."))
        first_line = sample.split(b"\n", 1)[0]
        try:
            header_text = first_line.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ImportFileError(_("The file is not UTF-8 text; save it as CSV UTF-8 and try again.")) from None
        self.delimiter = sniff_delimiter(header_text)
        self.total = self._estimate_rows(sample, size)
        binary.seek(0)
        csv.field_size_limit(MAX_CELL)
        self._reader = csv.reader(self._lines(binary), delimiter=self.delimiter)
        try:
            self.headers = _clean_headers(next(self._reader))
        except (StopIteration, csv.Error) as error:
            raise ImportFileError(_("The header row cannot be read: %(error)s") % {"error": error}) from None

    @staticmethod
    def _lines(binary: IO[bytes]) -> Iterator[str]:
        """Decoded line by line, so a bad byte is reported on its own line."""
        for number, raw in enumerate(binary, start=1):
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
                        yield number, cells
                        break
        except csv.Error as error:
            raise ImportFileError(
                _("Row %(row)s cannot be read: %(error)s") % {"row": number + 1, "error": error}
            ) from None

    def close(self) -> None:
        self._binary.close()


class XlsxTable(Table):
    kind = "xlsx"

    def __init__(self, path: Path) -> None:
        import openpyxl

        try:
            self._book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
            raise ImportFileError(
                _("The file is not a readable XLSX workbook (%(error)s).") % {"error": error}
            ) from None
        sheet = self._book.worksheets[0]
        self._sheet = sheet
        self._first = sheet.min_row or 1
        self._iter = sheet.iter_rows(values_only=True)
        try:
            header = next(self._iter)
        except StopIteration:
            raise ImportFileError(_("The file is empty.")) from None
        self.headers = _clean_headers(list(header))
        self.total = max((sheet.max_row or 0) - self._first, 0)

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        for number, values in enumerate(self._iter, start=self._first + 1):
            cells = [cell_text(v) for v in values]
            if any(c.strip() for c in cells):
                yield number, cells

    def close(self) -> None:
        self._book.close()


def open_table(path: str | Path, *, name: str | None = None) -> Table:
    """Open a CSV or XLSX file by its content (an XLSX file is a ZIP archive)."""
    path = Path(path)
    try:
        binary = path.open("rb")
    except FileNotFoundError:
        raise ImportFileError(_("No such file: %(path)s") % {"path": path}) from None
    except OSError as error:
        raise ImportFileError(_("The file cannot be opened: %(error)s") % {"error": error.strerror}) from None
    try:
        is_zip = binary.read(4) == b"PK\x03\x04"
        if not is_zip:
            binary.seek(0)
            return CsvTable(binary, path.stat().st_size)
    except BaseException:
        binary.close()
        raise
    binary.close()
    return XlsxTable(path)
