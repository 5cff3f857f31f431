"""Exports: formulas neutralised in CSV and XLSX, scoped to the user, permission checked, round trip."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.models import Contact
from clientela.testing import factories

PAYLOADS = ['=HYPERLINK("http://evil.test","x")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\tx", "\rx"]
XSS = "<script>alert(1)</script>"


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def risky(cast):
    contacts = []
    for index, payload in enumerate(PAYLOADS):
        contact = factories.contact(
            cast.sales_north,
            first_name=payload,
            last_name=f"Risky{index}",
            title=XSS,
            emails=[f"risky{index}@example.test"],
        )
        if payload != payload.strip():  # the actions strip text; older data may still start with a tab or CR
            Contact.objects.filter(pk=contact.pk).update(first_name=payload)
        contacts.append(contact)
    return contacts


def test_csv_export_neutralises_every_formula_payload(client, cast, risky):
    client.force_login(cast.sales_north)
    response = client.get(reverse("imports:export"), {"entity": "contact", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv_rows(response)
    header = rows[0]
    firsts = {row[header.index("Last name")]: row[header.index("First name")] for row in rows[1:]}
    for index, payload in enumerate(PAYLOADS):
        assert firsts[f"Risky{index}"] == "'" + payload
    titles = {row[header.index("Title")] for row in rows[1:]}
    assert titles == {XSS}  # plain text in a CSV file, never HTML


def test_xlsx_export_neutralises_every_formula_payload(client, cast, risky):
    client.force_login(cast.sales_north)
    response = client.get(reverse("imports:export"), {"entity": "contact", "format": "xlsx"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    firsts = {row[header.index("Last name")]: row[header.index("First name")] for row in rows[1:]}
    for index, payload in enumerate(PAYLOADS):
        # The standard library's XML parser reads a carriage return back as a line feed, lxml (which
        # openpyxl uses when it is installed) keeps it; the apostrophe is what matters
        assert firsts[f"Risky{index}"] in ("'" + payload, "'" + payload.replace("\r", "\n"))
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type != "f"


def test_export_never_contains_another_teams_contacts(client, cast):
    factories.contact(cast.sales_north, last_name="Northman")
    factories.contact(cast.sales_south, last_name="Southman")
    client.force_login(cast.sales_north)
    rows = _csv_rows(client.get(reverse("imports:export"), {"entity": "contact"}))
    names = {row[rows[0].index("Last name")] for row in rows[1:]}
    assert names == {"Northman"}


def test_export_applies_the_list_filters(client, cast):
    factories.contact(cast.sales_north, last_name="Customer", lifecycle_stage="customer", tags=["vip"])
    factories.contact(cast.sales_north, last_name="Prospect", lifecycle_stage="prospect")
    client.force_login(cast.sales_north)
    rows = _csv_rows(client.get(reverse("imports:export"), {"entity": "contact", "stage": "customer"}))
    assert [row[rows[0].index("Last name")] for row in rows[1:]] == ["Customer"]
    rows = _csv_rows(client.get(reverse("imports:export"), {"entity": "contact", "tag": "vip", "q": "custom"}))
    assert len(rows) == 2


def test_a_role_without_export_rights_gets_403(client, cast):
    factories.contact(cast.sales_north, last_name="Northman")
    client.force_login(cast.readonly_north)
    assert client.get(reverse("imports:export"), {"entity": "contact"}).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("imports:export"), {"entity": "contact"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_unknown_entity_or_format_is_a_404(client, cast):
    client.force_login(cast.sales_north)
    assert client.get(reverse("imports:export"), {"entity": "deals"}).status_code == 404
    assert client.get(reverse("imports:export"), {"entity": "contact", "format": "pdf"}).status_code == 404


def test_export_queries_do_not_grow_with_the_number_of_contacts(client, cast, django_assert_max_num_queries):
    org = factories.organization(cast.sales_north, name="Acme")
    for index in range(30):
        factories.contact(
            cast.sales_north,
            last_name=f"P{index}",
            tags=["a", "b"],
            phones=["+36 1 234 5678"],
            organizations=[{"organization": org, "role": "x"}],
        )
    client.force_login(cast.sales_north)
    with django_assert_max_num_queries(15):
        rows = _csv_rows(client.get(reverse("imports:export"), {"entity": "contact"}))
    assert len(rows) == 31
    assert {row[rows[0].index("Organization")] for row in rows[1:]} == {"Acme"}


def test_organizations_export_too(client, cast):
    factories.organization(cast.sales_north, name="=Acme", tax_id="HU123")
    client.force_login(cast.sales_north)
    rows = _csv_rows(client.get(reverse("imports:export"), {"entity": "organization"}))
    assert rows[1][rows[0].index("Name")] == "'=Acme"


def test_an_export_imports_back_unchanged(cast, tmp_path):
    for index, payload in enumerate(PAYLOADS[:4]):  # the ones the actions can store (they strip tabs and CRs)
        factories.contact(cast.sales_north, first_name=payload, last_name=f"Risky{index}", title=XSS)
    factories.contact(
        cast.sales_north,
        last_name="Plain",
        emails=["a@example.test", "b@example.test"],
        phones=["+36 1 234 5678"],
        tags=["x", "y"],
        gender="male",
    )
    path = tmp_path / "export.csv"
    call_command("export", "contacts", "--as", "sales_north", "--output", str(path), stderr=io.StringIO())
    versions = dict(Contact.objects.values_list("pk", "version"))
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact"))
    assert report.errors == [] and report.created == 0 and report.updated == 0
    assert report.unchanged == 5
    assert dict(Contact.objects.values_list("pk", "version")) == versions


def test_export_command_writes_csv_to_stdout_and_xlsx_to_a_file(cast, tmp_path):
    factories.contact(cast.sales_north, last_name="Northman")
    factories.contact(cast.sales_south, last_name="Southman")
    out = io.StringIO()
    call_command("export", "contacts", "--as", "sales_north", stdout=out)
    assert "Northman" in out.getvalue() and "Southman" not in out.getvalue()
    target = tmp_path / "c.xlsx"
    err = io.StringIO()
    call_command("export", "contacts", "--as", "admin", "--output", str(target), "--q", "south", stderr=err)
    rows = list(load_workbook(target).worksheets[0].iter_rows(values_only=True))
    assert [r[rows[0].index("Last name")] for r in rows[1:]] == ["Southman"]
    assert "exported 1 contacts" in err.getvalue()


def test_export_command_refuses_a_role_without_export_rights(cast):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="may not export"):
        call_command("export", "contacts", "--as", "readonly_north", stdout=io.StringIO())
    with pytest.raises(CommandError, match="no user named"):
        call_command("export", "contacts", "--as", "ghost", stdout=io.StringIO())


def test_organizations_export_their_parent_and_import_back_unchanged(cast, tmp_path):
    group = factories.organization(cast.sales_north, name="Acme Group", tax_id="HU-100")
    factories.organization(cast.sales_north, name="Acme Trading", tax_id="HU-101", parent=group)
    path = tmp_path / "orgs.csv"
    call_command("export", "organizations", "--as", "sales_north", "--output", str(path), stderr=io.StringIO())
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    parents = {row[rows[0].index("Name")]: row[rows[0].index("Parent organization")] for row in rows[1:]}
    assert parents == {"Acme Group": "", "Acme Trading": "Acme Group"}
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="organization"))
    assert report.errors == [] and report.unchanged == 2


def test_a_parent_the_exporter_cannot_see_is_left_out(cast, tmp_path):
    from clientela.parties import actions

    hidden = factories.organization(cast.sales_south, name="Southern Holding")
    child = factories.organization(cast.sales_north, name="Northern Branch")
    actions.organization_update(actor=cast.admin, organization=child, values={"parent": hidden})
    path = tmp_path / "orgs.csv"
    call_command("export", "organizations", "--as", "sales_north", "--output", str(path), stderr=io.StringIO())
    text = path.read_text(encoding="utf-8-sig")
    assert "Northern Branch" in text and "Southern Holding" not in text


def test_an_organization_the_exporter_cannot_see_is_left_out_of_a_contacts_row(cast, tmp_path):
    hidden = factories.organization(cast.sales_south, name="Southern Employer")
    mine = factories.organization(cast.sales_north, name="Northern Employer")
    factories.contact(
        cast.admin,
        last_name="Northman",
        owner=cast.sales_north,
        team=cast.north,
        organizations=[{"organization": hidden, "role": "Secret role", "is_primary": True}, {"organization": mine}],
    )
    path = tmp_path / "contacts.csv"
    call_command("export", "contacts", "--as", "sales_north", "--output", str(path), stderr=io.StringIO())
    text = path.read_text(encoding="utf-8-sig")
    assert "Northman" in text and "Northern Employer" in text
    assert "Southern Employer" not in text and "Secret role" not in text
