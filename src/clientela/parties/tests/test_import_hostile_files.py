"""Hostile and broken files are refused quickly, in little memory, with a message naming the limit."""

from __future__ import annotations

import struct
import zipfile

import pytest

from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing import reading
from clientela.parties.importing.reading import ImportFileError, open_table, read_sample
from clientela.testing import hostile_files as hostile

from .importing_files import write_csv, write_xlsx

CANNOT_READ = "This file cannot be read as CSV or XLSX: "


def _sample(path):
    return read_sample(path, rows=20, max_chars=1_000_000)


def _read_all(path) -> list:
    with open_table(path) as table:
        return list(table.rows())


def test_a_workbook_with_more_shared_strings_than_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS", 1000)
    path = hostile.huge_shared_strings(tmp_path / "strings.xlsx", 5000)
    with pytest.raises(ImportFileError, match="more than 1,000 different texts"):
        _read_all(path)


def test_shared_strings_holding_too_much_text_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS_BYTES", 1000)
    path = hostile.huge_shared_strings(tmp_path / "strings.xlsx", 5000)
    with pytest.raises(ImportFileError, match="shared strings"):
        _read_all(path)


def test_a_preview_reads_only_the_shared_strings_its_rows_use(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_SHARED_STRINGS", 10_000)
    path = hostile.huge_shared_strings(tmp_path / "strings.xlsx", 500_000, used=1)
    sample = _sample(path)  # the table is far over the limit, but the rows shown need only its start
    assert sample.headers == ["x"] and sample.rows == [(2, ["x"])]


def test_a_sheet_that_unpacks_far_over_the_limit_is_refused_before_it_is_read(tmp_path):
    path = hostile.huge_sheet(tmp_path / "sheet.xlsx", 1024**3)  # 1 GB of rows in a ~1.5 MB file
    assert path.stat().st_size < 2 * 1024 * 1024
    with pytest.raises(ImportFileError, match="unpacks to more than 200 MB"):
        open_table(path)


def test_a_member_that_unpacks_to_more_than_it_declares_is_stopped_at_its_declared_size(tmp_path):
    path = hostile.huge_sheet(tmp_path / "sheet.xlsx", 8 * 1024 * 1024)
    data = bytearray(path.read_bytes())
    directory = data.rfind(b"PK\x01\x02")  # the sheet is the last member: declare it 1 kB
    struct.pack_into("<L", data, directory + 24, 1024)
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFileError, match=CANNOT_READ):
        _read_all(path)


def test_the_bytes_unpacked_are_counted_as_they_are_read(tmp_path, monkeypatch):
    """The guard behind the declared sizes: were they wrong, reading would stop at the limit all the same."""
    path = hostile.huge_sheet(tmp_path / "sheet.xlsx", 4 * 1024 * 1024)
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 1024 * 1024)
    monkeypatch.setattr(reading, "_open_archive", zipfile.ZipFile)  # the declared sizes not looked at
    with pytest.raises(ImportFileError, match="unpacks to more than 1 MB"):
        _read_all(path)


def test_an_archive_listing_too_many_parts_is_refused_before_zipfile_reads_its_directory(tmp_path):
    path = write_xlsx(tmp_path / "ok.xlsx", [["Anna"]], header=["First name"])
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 60_000, 60_000)
    path.write_bytes(bytes(data))
    with pytest.raises(ImportFileError, match="more than 10,000 parts"):
        open_table(path)


def test_a_csv_file_with_200000_columns_is_refused_naming_the_limit(tmp_path):
    path = hostile.wide_csv(tmp_path / "wide.csv", 200_000)
    with pytest.raises(ImportFileError, match=r"Row 1 has a value in column SG \(column 501\); at most 500 columns"):
        _sample(path)


def test_a_csv_row_wider_than_the_limit_is_refused_with_its_row(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["a", *([""] * 600)], ["b", *([""] * 510), "far"]], header=["Name"])
    with pytest.raises(ImportFileError, match=r"Row 3 has a value in column SR \(column 512\)"):
        _read_all(path)


def test_a_wide_workbook_is_refused_naming_the_row_and_column(tmp_path):
    path = hostile.wide_workbook(tmp_path / "wide.xlsx", 600)
    with pytest.raises(ImportFileError, match=r"Row 1 has a value in column SG \(column 501\)"):
        open_table(path)


def test_a_200_mb_cell_is_refused_after_its_first_32767_characters(tmp_path):
    path = hostile.huge_cell(tmp_path / "cell.xlsx", 200_000_000)  # ~0.2 MB on disk
    with pytest.raises(ImportFileError, match="Row 2, column A: the cell holds more than 32,767 characters"):
        _sample(path)


def test_a_csv_cell_over_the_limit_is_refused_with_its_row(tmp_path):
    path = hostile.long_cell_csv(tmp_path / "cell.csv", 40_000)
    with pytest.raises(ImportFileError, match="Row 2: a cell holds more than 32,767 characters"):
        _read_all(path)


def test_a_cell_of_exactly_32767_characters_is_read(tmp_path):
    path = hostile.long_cell_csv(tmp_path / "cell.csv", 32_767)
    assert len(_read_all(path)[0][1][0]) == 32_767


def test_a_csv_line_over_the_limit_is_refused_before_it_is_held(tmp_path):
    path = tmp_path / "line.csv"
    path.write_bytes(b"Name\n" + b"a;" * (1024 * 1024 + 10) + b"\n")
    with pytest.raises(ImportFileError, match="Line 2 is longer than 2 MB"):
        _read_all(path)


def test_a_tag_of_megabytes_is_refused(tmp_path):
    sheet = hostile.sheet_xml([f'<row r="1"><c r="A1" x="{"a" * 3_000_000}"/></row>'])
    path = hostile.write_workbook(tmp_path / "tag.xlsx", sheet)
    with pytest.raises(ImportFileError, match="has a tag of more than 1 MB"):
        open_table(path)


def test_a_sheet_of_more_rows_than_a_spreadsheet_has_is_refused(tmp_path):
    path = hostile.write_workbook(
        tmp_path / "rows.xlsx", hostile.sheet_xml([hostile.inline_row(1, ["Name"]), '<row r="1048577"/>'])
    )
    with pytest.raises(ImportFileError, match="row numbered over 1,048,576"):
        _read_all(path)


def test_a_preview_stops_at_its_scan_limit_however_many_empty_rows_there_are(tmp_path):
    path = hostile.huge_sheet(tmp_path / "empty.xlsx", 150 * 1024 * 1024)  # 26 million empty rows
    sample = read_sample(path, rows=20, max_chars=1_000_000, scan_bytes=1024 * 1024)
    assert sample.headers == ["Name"] and sample.rows == [] and sample.cut
    blank = tmp_path / "blank.csv"
    blank.write_bytes(b"Name\n" + b"\n" * (8 * 1024 * 1024) + b"Anna\n")
    sample = read_sample(blank, rows=20, max_chars=1_000_000, scan_bytes=1024 * 1024)
    assert sample.rows == [] and sample.cut


def test_a_preview_keeps_rows_within_its_character_budget(tmp_path):
    path = write_csv(tmp_path / "x.csv", [["a" * 400, "b"], ["c" * 400, "d"], ["e", "f"]], header=["A", "B"])
    sample = read_sample(path, rows=20, max_chars=600)
    assert [number for number, _cells in sample.rows] == [2] and sample.cut
    assert read_sample(path, rows=2, max_chars=10_000).rows[1] == (3, ["c" * 400, "d"])


@pytest.mark.parametrize("make", [hostile.billion_laughs, hostile.external_entity], ids=["billion-laughs", "xxe"])
def test_a_workbook_with_entities_cannot_be_read_and_says_so(tmp_path, make):
    path = make(tmp_path / "entities.xlsx")
    with pytest.raises(ImportFileError, match=CANNOT_READ + ".*declares a document type or entities"):
        open_table(path)


def test_an_entity_without_a_declaration_cannot_be_read_either(tmp_path):
    path = hostile.write_workbook(tmp_path / "x.xlsx", hostile.sheet_xml([hostile.inline_row(1, ["&secret;"])]))
    with pytest.raises(ImportFileError, match=CANNOT_READ + ".*undefined entity"):
        open_table(path)


def test_broken_workbooks_cannot_be_read_and_say_so(tmp_path):
    truncated = write_xlsx(tmp_path / "t.xlsx", [["Anna"]], header=["First name"])
    truncated.write_bytes(truncated.read_bytes()[:300])
    not_a_workbook = tmp_path / "n.xlsx"
    with zipfile.ZipFile(not_a_workbook, "w") as archive:
        archive.writestr("hello.txt", "hi")
    bad_xml = hostile.write_workbook(tmp_path / "b.xlsx", b"<worksheet><sheetData><row>")
    old_excel = tmp_path / "old.xls"
    old_excel.write_bytes(reading.CFB_MAGIC + b"\0" * 600)
    for path in (truncated, not_a_workbook, bad_xml, old_excel):
        with pytest.raises(ImportFileError, match=CANNOT_READ):
            _read_all(path)


def test_the_whole_import_gets_the_same_clear_message(cast, tmp_path):
    path = hostile.billion_laughs(tmp_path / "x.xlsx")
    with pytest.raises(ImportFileError, match=CANNOT_READ):
        run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", dry_run=True))
