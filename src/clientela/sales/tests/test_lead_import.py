"""Importing leads from CSV and XLSX files with the foundation's reader and mapping: headers in
the seed languages, errors by row and column, all or nothing, valid rows only, dry runs,
duplicates skipped, visibility and permission respected."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest

from clientela.core.errors import PermissionDenied
from clientela.core.models import Event
from clientela.parties.importing.mapping import MappingError
from clientela.parties.importing.rows import VALID_ROWS_ONLY
from clientela.parties.tests.importing_files import write_csv, write_xlsx
from clientela.sales import actions
from clientela.sales.importing import MAX_ROWS, import_leads
from clientela.sales.models import Lead, LeadSource

HUNGARIAN = ["Vezetéknév", "Keresztnév", "Cég", "E-mail", "Telefon", "Forrás", "Összeg", "Pénznem", "Ország"]
GOOD = [
    ["Kovács", "Anna", "Kovács Kft.", "anna@kovacs.example", "+36 1 234 5678", "Website", "12 500,50", "HUF", "HU"],
    ["Nagy", "Béla", "Nagy Bt.", "bela@nagy.example", "", "", "1000", "eur", "hu"],
]
BAD = [
    ["", "Cili", "", "cili@example.test", "", "", "", "", ""],  # no last name
    ["Tóth", "Ede", "", "not-an-email", "", "", "abc", "ZZZ", ""],  # three bad cells
]


def _file(tmp_path, rows, header=HUNGARIAN, name="leads.csv"):
    return write_csv(tmp_path / name, rows, header=header, delimiter=";")


def test_a_hungarian_file_is_mapped_read_and_written_with_one_event_per_lead(tmp_path, cast):
    report = import_leads(_file(tmp_path, GOOD), actor=cast.sales_north)

    assert report.mapping["Vezetéknév"] == "last_name"
    assert report.mapping["Forrás"] == "source"
    assert (report.created, report.failed, report.written) == (2, 0, True)
    anna = Lead.objects.get(email="anna@kovacs.example")
    assert anna.estimated_amount == Decimal("12500.50")
    assert anna.phone_normalized == "+3612345678"
    assert anna.source == LeadSource.WEBSITE
    assert Lead.objects.get(email="bela@nagy.example").source == LeadSource.IMPORT
    assert anna.owner == cast.sales_north and anna.team == cast.north
    assert Lead.objects.get(email="bela@nagy.example").currency == "EUR"
    events = Event.objects.filter(action="lead.create", record_id__in=Lead.objects.values("public_id"))
    assert events.count() == 2
    assert {event.source for event in events} == {"import"}


def test_all_or_nothing_writes_nothing_and_names_each_bad_cell_by_row_and_column(tmp_path, cast):
    report = import_leads(_file(tmp_path, GOOD + BAD), actor=cast.sales_north)

    assert not report.written and Lead.objects.count() == 0
    assert report.failed == 2
    by_cell = {(e.row, e.column) for e in report.errors}
    assert (4, "Vezetéknév") in by_cell
    assert {(5, "E-mail"), (5, "Összeg"), (5, "Pénznem")} <= by_cell


def test_valid_rows_only_writes_the_good_rows_and_reports_the_others(tmp_path, cast):
    report = import_leads(_file(tmp_path, BAD + GOOD), actor=cast.sales_north, mode=VALID_ROWS_ONLY)

    assert (report.created, report.failed) == (2, 2)
    assert Lead.objects.count() == 2


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path, cast):
    report = import_leads(_file(tmp_path, GOOD), actor=cast.sales_north, dry_run=True)

    assert report.created == 2 and not report.written
    assert Lead.objects.count() == 0
    assert [row.outcome for row in report.preview] == ["create", "create"]


def test_an_e_mail_already_a_leads_is_skipped_and_a_repeat_in_the_file_is_an_error(tmp_path, cast):
    actions.lead_create(actor=cast.sales_north, values={"last_name": "Kovács", "email": "ANNA@kovacs.example"})
    repeated = ["Nagy", "Bea", "", "bela@nagy.example", "", "", "", "", ""]

    report = import_leads(_file(tmp_path, [*GOOD, repeated]), actor=cast.sales_north, mode=VALID_ROWS_ONLY)

    assert (report.created, report.skipped, report.failed) == (1, 1, 1)
    assert report.errors[0].row == 4 and "row 3" in report.errors[0].message
    assert Lead.objects.filter(email__iexact="anna@kovacs.example").count() == 1


def test_an_e_mail_of_a_lead_the_importer_cannot_see_is_not_revealed_by_a_skip(tmp_path, cast):
    actions.lead_create(actor=cast.sales_south, values={"last_name": "Kovács", "email": "anna@kovacs.example"})

    report = import_leads(_file(tmp_path, GOOD[:1]), actor=cast.sales_north)

    assert (report.created, report.skipped) == (1, 0)


def test_owner_and_team_are_read_by_username_and_name_within_the_importers_reach(tmp_path, cast):
    header = ["Last name", "Owner", "Team"]
    mine = import_leads(_file(tmp_path, [["Kovács", "sales_north", "North"]], header), actor=cast.manager_north)
    assert mine.created == 1
    assert Lead.objects.get().owner == cast.sales_north

    theirs = import_leads(_file(tmp_path, [["Nagy", "sales_south", ""]], header, "b.csv"), actor=cast.sales_north)
    assert theirs.failed == 1 and theirs.errors[0].column == "Owner"


def test_overrides_map_a_column_and_a_file_without_a_last_name_column_is_refused(tmp_path, cast):
    path = _file(tmp_path, [["Kovács", "anna@kovacs.example"]], ["Who", "Mail to"])
    with pytest.raises(MappingError):
        import_leads(path, actor=cast.sales_north)

    report = import_leads(path, actor=cast.sales_north, mapping={"Who": "last_name", "Mail to": "email"})
    assert report.created == 1


def test_a_closed_status_is_an_error_of_its_row(tmp_path, cast):
    report = import_leads(_file(tmp_path, [["Kovács", "converted"]], ["Last name", "Status"]), actor=cast.sales_north)
    assert report.failed == 1 and report.errors[0].column == "Status"


def test_xlsx_files_are_read_the_same_way(tmp_path, cast):
    path = write_xlsx(tmp_path / "leads.xlsx", GOOD, header=HUNGARIAN)
    assert import_leads(path, actor=cast.sales_north).created == 2


def test_a_role_that_may_not_import_is_refused(tmp_path, cast):
    with pytest.raises(PermissionDenied):
        import_leads(_file(tmp_path, GOOD), actor=cast.readonly_north)
    assert Lead.objects.count() == 0


def test_a_file_longer_than_the_limit_is_refused_before_anything_is_written(tmp_path, cast, monkeypatch):
    from clientela.parties.importing.reading import ImportFileError
    from clientela.sales import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 1)
    with pytest.raises(ImportFileError):
        import_leads(_file(tmp_path, GOOD), actor=cast.sales_north)
    assert Lead.objects.count() == 0
    assert MAX_ROWS > 1


# --- the page --------------------------------------------------------------------------------


def _client(user):
    from django.test import Client

    from clientela.testing.cast import PASSWORD

    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _upload(path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv")


def test_the_page_checks_a_file_lets_the_mapping_be_changed_then_imports_it(tmp_path, cast, settings):
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path / "media"
    client = _client(cast.sales_north)
    url = reverse("sales:lead_import")
    path = write_csv(tmp_path / "fair.csv", [["Kovács", "anna@kovacs.example"]], header=["Who", "Mail to"])

    refused = client.post(url, {"file": _upload(path), "mode": "all-or-nothing", "action": "check"})
    assert refused.status_code == 400
    assert "No column gives the last name" in refused.content.decode()
    token = refused.context["token"]
    assert [header for _index, header in refused.context["columns"]] == ["Who", "Mail to"]

    checked = client.post(url, {"token": token, "mode": "all-or-nothing", "action": "check",
                                "map-0": "last_name", "map-1": "email"})  # fmt: skip
    assert checked.status_code == 200
    assert "1 would be created" in checked.content.decode()
    assert Lead.objects.count() == 0

    imported = client.post(url, {"token": token, "mode": "all-or-nothing", "action": "import",
                                 "map-0": "last_name", "map-1": "email"})  # fmt: skip
    assert "Imported 1 lead." in imported.content.decode()
    assert Lead.objects.get().email == "anna@kovacs.example"
    assert not list((tmp_path / "media" / "lead-imports").iterdir())  # the imported file is gone

    again = client.post(url, {"token": token, "mode": "all-or-nothing", "action": "import"})
    assert again.status_code == 400 and Lead.objects.count() == 1


def test_the_page_shows_errors_by_row_and_column_escaped(tmp_path, cast, settings):
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path / "media"
    path = write_csv(tmp_path / "bad.csv", [["<b>x</b>", "<script>1</script>"]], header=["Last name", "E-mail"])
    response = _client(cast.sales_north).post(
        reverse("sales:lead_import"), {"file": _upload(path), "mode": "all-or-nothing", "action": "import"}
    )
    body = response.content.decode()
    assert response.status_code == 400
    assert "nothing was imported" in body
    assert "<script>1</script>" not in body and "&lt;script&gt;" in body
    assert Lead.objects.count() == 0


def test_a_token_of_another_session_is_unknown(tmp_path, cast, settings):
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path / "media"
    url = reverse("sales:lead_import")
    path = _file(tmp_path, GOOD)
    token = _client(cast.sales_north).post(url, {"file": _upload(path), "mode": "all-or-nothing"}).context["token"]

    stolen = _client(cast.sales_north_2).post(url, {"token": token, "mode": "all-or-nothing", "action": "import"})
    assert stolen.status_code == 400 and Lead.objects.count() == 0


def test_a_role_that_may_not_import_does_not_get_the_page(cast):
    from django.urls import reverse

    assert _client(cast.readonly_north).get(reverse("sales:lead_import")).status_code == 403
    assert _client(cast.sales_north).get(reverse("sales:lead_import")).status_code == 200


def test_the_worker_deletes_uploads_left_for_a_day(tmp_path, settings):
    import os
    import time

    from clientela.sales import tasks

    settings.MEDIA_ROOT = tmp_path
    directory = tmp_path / "lead-imports"
    directory.mkdir()
    (directory / "fresh.csv").write_text("x")
    old = directory / "old.csv"
    old.write_text("x")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))

    assert tasks.purge_lead_import_files() == "1 lead import files deleted"
    assert [p.name for p in directory.iterdir()] == ["fresh.csv"]


def test_the_command_imports_a_file_and_fails_naming_each_bad_row(tmp_path, cast):
    from django.core.management import CommandError, call_command

    out = io.StringIO()
    call_command("import_leads", str(_file(tmp_path, GOOD)), "--as", "sales_north", stdout=out)
    assert "created 2" in out.getvalue()

    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_leads", str(_file(tmp_path, BAD, name="bad.csv")), "--as", "sales_north", stdout=out)
    assert "row 3, column E-mail" in out.getvalue()
    assert Lead.objects.count() == 2
