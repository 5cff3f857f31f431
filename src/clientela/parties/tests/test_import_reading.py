"""Reading files: encodings, delimiters, XLSX, row numbers, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.reading import ImportFileError, column_letter, open_table
from clientela.parties.models import Contact
from clientela.parties.tests.importing_files import write_csv, write_xlsx


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed_from_the_header(tmp_path, delimiter):
    path = write_csv(tmp_path / "x.csv", [["Anna", "Kovács; Szabó", "a@example.test"]], delimiter=delimiter)
    with open_table(path) as table:
        assert table.delimiter == delimiter
        assert table.headers[:3] == ["First name", "Last name", "E-mail"]
        assert list(table.rows()) == [(2, ["Anna", "Kovács; Szabó", "a@example.test"])]


def test_a_bom_and_semicolons_import_like_a_plain_file(cast, tmp_path):
    path = write_csv(
        tmp_path / "excel.csv", [["Zoë", "Ünal", "zoe@example.test", "+90 532 123 45 67"]], delimiter=";", bom=True
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact"))
    assert report.errors == [] and report.created == 1
    contact = Contact.objects.get()
    assert (contact.first_name, contact.last_name, contact.primary_email) == ("Zoë", "Ünal", "zoe@example.test")


def test_row_numbers_count_blank_lines_and_multi_line_cells_like_a_spreadsheet(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text('First name,Last name\nA,"two\nlines"\n\nB,C\n', encoding="utf-8")
    with open_table(path) as table:
        assert [number for number, _cells in table.rows()] == [2, 4]


def test_an_xlsx_workbook_imports_with_dates_and_numbers(cast, tmp_path):
    header = ["First name", "Last name", "E-mail", "Birth date", "Children"]
    path = write_xlsx(
        tmp_path / "people.xlsx",
        [
            ["Anna", "Nagy", "anna@example.test", dt.datetime(1980, 5, 17), 2],
            [None, None, None, None, None],
            ["Béla", "Kiss", "bela@example.test", "1975-01-02", 3.0],
        ],
        header=header,
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact"))
    assert report.errors == [] and report.created == 2
    anna = Contact.objects.get(last_name="Nagy")
    assert anna.birth_date == dt.date(1980, 5, 17) and anna.children == 2
    assert Contact.objects.get(last_name="Kiss").children == 3


def test_xlsx_errors_name_the_spreadsheet_row(cast, tmp_path):
    header = ["First name", "Last name", "E-mail"]
    path = write_xlsx(
        tmp_path / "x.xlsx", [["A", "B", "a@example.test"], [], ["C", "", "c@example.test"]], header=header
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", dry_run=True))
    assert [(e.row, e.column, e.message) for e in report.errors] == [(4, "Last name", "is required")]


def test_a_file_that_is_not_utf8_is_refused_with_one_clear_line(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("Last name\nM\xfcller\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="not UTF-8"), open_table(path) as table:
        list(table.rows())


def test_an_empty_file_and_a_broken_workbook_are_refused(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ImportFileError, match="empty"):
        open_table(empty)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ImportFileError, match="XLSX"):
        open_table(broken)


def test_missing_and_repeated_headers_get_names_a_person_can_find():
    from clientela.parties.importing.reading import _clean_headers

    assert _clean_headers(["Name", "", "Name"]) == ["Name", "(column B)", "Name (2)"]
    assert [column_letter(i) for i in (0, 25, 26, 701)] == ["A", "Z", "AA", "ZZ"]
