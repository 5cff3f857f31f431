"""An import matches only the records its user can see: a record of another team the user cannot
see looks exactly like a record that does not exist, in the preview, the dry run, the report and
the import itself (which creates the row, as the API does)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.rows import VALID_ROWS_ONLY
from clientela.parties.models import Contact, ImportJob, Organization
from clientela.parties.preview_jobs import read_import_file
from clientela.testing import factories
from clientela.testing.api import ApiClient

from .importing_files import write_csv

HEADER = ["First name", "Last name", "E-mail", "Phone", "Title"]
FIELDS = ["first_name", "last_name", "email", "phone", "title"]
HIDDEN = "zofia.nowak@przyklad.pl"  # a South customer, out of North's sight
MISSING = "jan.kowalski@przyklad.pl"  # nobody's


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def south_customer(cast) -> Contact:
    return factories.contact(
        cast.sales_south, first_name="Zofia", last_name="Nowak", emails=[HIDDEN], phones=["+48 22 123 45 67"],
        title="Prezes",
    )  # fmt: skip


def _file(tmp_path, email: str, phone: str = ""):
    return write_csv(tmp_path / f"{email or phone}.csv", [["Zofia", "Nowak", email, phone, "CEO"]], header=HEADER)


def _report(path, actor, **options):
    report = run_import(path, actor=actor, options=ImportOptions(entity="contact", **options))
    return (
        report.counts(),
        [(e.row, e.column, e.message) for e in report.errors],
        [(p.row, p.outcome, [(e.column, e.message) for e in p.errors]) for p in report.preview],
    )


def _preview_page(client, tmp_path, email: str) -> str:
    """The mapping page's preview of a one-row file, with the e-mail and the job's own ids taken out."""
    upload = SimpleUploadedFile("people.csv", _file(tmp_path, email).read_bytes())
    client.post(reverse("imports:index"), {"entity": "contact", "file": upload})
    job = ImportJob.objects.filter(read_at__isnull=True).get()
    read_import_file.call(str(job.public_id), "en")
    page = client.post(
        reverse("imports:mapping", args=[job.public_id]),
        {"mode": "valid-rows-only", "match": "update", **{f"map-{i}": key for i, key in enumerate(FIELDS)}},
        headers={"HX-Request": "true"},
    ).content.decode()
    return re.sub(re.escape(str(job.public_id)), "JOB", page.replace(email, "EMAIL"))


def test_the_preview_shows_a_row_matching_an_invisible_contact_exactly_like_a_row_matching_nothing(
    client, cast, tmp_path, south_customer
):
    client.force_login(cast.sales_north)
    hidden = _preview_page(client, tmp_path, HIDDEN)
    missing = _preview_page(client, tmp_path, MISSING)
    assert hidden == missing
    assert "Would create 1, update 0, skip 0; 0 with errors." in hidden and "cannot change" not in hidden


@pytest.mark.parametrize("match", ["update", "skip"])
def test_a_dry_run_reports_an_invisible_match_like_a_missing_one(cast, tmp_path, south_customer, match):
    hidden = _report(_file(tmp_path, HIDDEN), cast.sales_north, dry_run=True, match=match)
    missing = _report(_file(tmp_path, MISSING), cast.sales_north, dry_run=True, match=match)
    assert (
        hidden
        == missing
        == ({"create": 1, "update": 0, "unchanged": 0, "skip": 0, "error": 0}, [], [(2, "create", [])])
    )


def test_a_match_by_phone_the_user_cannot_see_is_no_match_either(cast, tmp_path, south_customer):
    hidden = _report(_file(tmp_path, "", "+48 22 123 45 67"), cast.sales_north, dry_run=True)
    missing = _report(_file(tmp_path, "", "+48 22 765 43 21"), cast.sales_north, dry_run=True)
    assert hidden == missing and hidden[0]["create"] == 1


def test_the_import_creates_the_row_as_the_api_does_and_leaves_the_other_teams_record_alone(
    cast, tmp_path, south_customer
):
    hidden = _report(_file(tmp_path, HIDDEN), cast.sales_north, mode=VALID_ROWS_ONLY)
    missing = _report(_file(tmp_path, MISSING), cast.sales_north, mode=VALID_ROWS_ONLY)
    assert hidden == missing and hidden[1] == []
    mine = Contact.objects.get(primary_email=HIDDEN, team=cast.north)
    assert (mine.title, mine.owner) == ("CEO", cast.sales_north)
    south_customer.refresh_from_db()
    assert (south_customer.title, south_customer.version) == ("Prezes", 1)


def test_the_api_likewise_creates_a_contact_whose_email_only_another_team_has(cast, south_customer):
    api = ApiClient(cast.sales_north).post("/contacts", {"last_name": "Nowak", "emails": [{"value": HIDDEN}]})
    assert api.status_code == 201


def test_a_user_who_sees_the_record_still_updates_it(cast, tmp_path, south_customer):
    counts, errors, _preview = _report(_file(tmp_path, HIDDEN), cast.manager_south, mode=VALID_ROWS_ONLY)
    assert counts["update"] == 1 and errors == []
    south_customer.refresh_from_db()
    assert south_customer.title == "CEO"


def test_an_organization_of_another_team_matches_neither_by_tax_id_nor_by_name(cast, tmp_path):
    factories.organization(cast.sales_south, name="Południe Sp. z o.o.", tax_id="PL-5260250274")
    header = ["Name", "Tax id", "Industry"]

    def report(name: str, tax_id: str):
        path = write_csv(tmp_path / f"{name}{tax_id}.csv", [[name, tax_id, "Energy"]], header=header)
        return _report_of(path, cast.sales_north)

    assert report("Anything", "PL-5260250274") == report("Anything", "PL-1111111111")
    assert report("Południe Sp. z o.o.", "") == report("Północ", "")
    assert report("Południe Sp. z o.o.", "")[0]["create"] == 1


def _report_of(path, actor):
    report = run_import(path, actor=actor, options=ImportOptions(entity="organization", dry_run=True))
    assert not Organization.objects.filter(name="Anything").exists()
    return report.counts(), [(e.row, e.message) for e in report.errors]
