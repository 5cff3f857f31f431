"""Rows matched against existing records: update, skip or create; scope respected."""

from __future__ import annotations

import pytest

from clientela.core.errors import PermissionDenied
from clientela.core.models import Event
from clientela.parties import actions
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.rows import VALID_ROWS_ONLY
from clientela.parties.models import Contact, Organization
from clientela.testing import factories

from .importing_files import write_csv

HEADER = ["First name", "Last name", "E-mail", "Phone", "Title", "Tags"]


def _import(path, actor, **options):
    return run_import(path, actor=actor, options=ImportOptions(entity="contact", **options))


def test_a_row_with_a_known_email_updates_that_contact_with_one_event(cast, tmp_path):
    contact = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@example.test"])
    path = write_csv(
        tmp_path / "x.csv", [["", "Kovács", "ANNA@example.test", "+36 1 111 2222", "CFO", "vip"]], header=HEADER
    )
    report = _import(path, cast.sales_north)
    assert (report.updated, report.created, report.errors) == (1, 0, [])
    contact.refresh_from_db()
    assert contact.title == "CFO" and contact.first_name == "Anna" and contact.version == 2
    assert contact.primary_phone == "+36 1 111 2222" and "111 2222" in contact.search_text
    event = Event.objects.filter(record_id=contact.public_id).order_by("-id").first()
    assert event.action == "contact.update" and event.source == "import" and event.version == 2
    assert event.changes == {
        "title": ["", "CFO"],
        "phones": [[], ["+36 1 111 2222"]],
        "tags": [[], ["vip"]],
    }


def test_importing_the_same_row_again_changes_nothing(cast, tmp_path):
    factories.contact(cast.sales_north, last_name="Kovács", emails=["anna@example.test"], title="CFO")
    path = write_csv(tmp_path / "x.csv", [["", "Kovács", "anna@example.test", "", "CFO", ""]], header=HEADER)
    events = Event.objects.count()
    report = _import(path, cast.sales_north)
    assert (report.unchanged, report.updated) == (1, 0)
    assert Event.objects.count() == events


def test_a_row_without_email_matches_by_phone(cast, tmp_path):
    contact = factories.contact(cast.sales_north, last_name="Tel", emails=[], phones=["+36 (1) 234-5678"])
    path = write_csv(tmp_path / "x.csv", [["", "Tel", "", "+36 1 234 5678", "Boss", ""]], header=HEADER)
    report = _import(path, cast.sales_north)
    assert report.updated == 1
    contact.refresh_from_db()
    assert contact.title == "Boss"


def test_a_row_with_another_email_is_a_new_person_even_with_the_same_phone(cast, tmp_path):
    factories.contact(cast.sales_north, last_name="Parent", emails=["mum@example.test"], phones=["+36 1 234 5678"])
    path = write_csv(tmp_path / "x.csv", [["", "Child", "kid@example.test", "+36 1 234 5678", "", ""]], header=HEADER)
    assert _import(path, cast.sales_north).created == 1


def test_skip_leaves_matches_alone_and_create_makes_new_records(cast, tmp_path):
    factories.contact(cast.sales_north, last_name="Kovács", emails=["anna@example.test"])
    path = write_csv(tmp_path / "x.csv", [["", "Other", "anna@example.test", "", "CEO", ""]], header=HEADER)
    skipped = _import(path, cast.sales_north, match="skip")
    assert (skipped.skipped, skipped.created, skipped.updated) == (1, 0, 0)
    assert not Contact.objects.filter(title="CEO").exists()
    created = _import(path, cast.sales_north, match="create")
    assert created.created == 1
    assert Contact.objects.filter(primary_email="anna@example.test").count() == 2


def test_a_sales_user_cannot_update_another_teams_contact_by_import(cast, tmp_path):
    south = factories.contact(cast.sales_south, last_name="Southman", emails=["south@example.test"], title="Old")
    path = write_csv(tmp_path / "x.csv", [["", "Southman", "south@example.test", "", "Hacked", ""]], header=HEADER)
    report = _import(path, cast.sales_north, mode=VALID_ROWS_ONLY)
    # The South contact is out of sight, so the row is a new North contact, as through the API.
    assert report.errors == [] and (report.updated, report.created) == (0, 1)
    south.refresh_from_db()
    assert south.title == "Old" and south.version == 1
    mine = Contact.objects.get(primary_email="south@example.test", team=cast.north)
    assert mine.title == "Hacked" and mine.owner == cast.sales_north


def test_a_row_matching_two_contacts_is_an_error(cast, tmp_path):
    factories.contact(cast.sales_north, last_name="One", emails=["twin@example.test"])
    factories.contact(cast.sales_north, last_name="Two", emails=["twin@example.test"])
    path = write_csv(tmp_path / "x.csv", [["", "X", "twin@example.test", "", "", ""]], header=HEADER)
    report = _import(path, cast.sales_north, dry_run=True)
    assert [e.message for e in report.errors] == ["matches 2 existing contacts; merge them first"]


def test_trashed_contacts_do_not_match(cast, tmp_path):
    contact = factories.contact(cast.sales_north, last_name="Gone", emails=["gone@example.test"])
    actions.contact_trash(actor=cast.sales_north, contact=contact)
    path = write_csv(tmp_path / "x.csv", [["", "Back", "gone@example.test", "", "", ""]], header=HEADER)
    assert _import(path, cast.sales_north).created == 1


def test_organizations_match_by_tax_id_then_by_name(cast, tmp_path):
    by_tax = factories.organization(cast.sales_north, name="Acme Kft", tax_id="HU-12345678")
    by_name = factories.organization(cast.sales_north, name="Globex Ltd")
    path = write_csv(
        tmp_path / "orgs.csv",
        [["ACME Hungary", "hu12345678", "Manufacturing"], ["globex", "", "Energy"], ["Initech", "", "Software"]],
        header=["Name", "Tax id", "Industry"],
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="organization"))
    assert (report.updated, report.created, report.errors) == (2, 1, [])
    by_tax.refresh_from_db()
    by_name.refresh_from_db()
    assert by_tax.industry == "Manufacturing" and by_tax.name == "ACME Hungary"
    assert by_name.industry == "Energy" and by_name.name == "globex"
    assert Organization.objects.get(name="Initech").tax_id_normalized == ""


def test_contacts_link_to_an_organization_the_user_can_see(cast, tmp_path):
    factories.organization(cast.sales_north, name="Acme Kft")
    factories.organization(cast.sales_south, name="Southco")
    path = write_csv(
        tmp_path / "x.csv",
        [["Anna", "A", "a@example.test", "Acme", "Buyer"], ["Béla", "B", "b@example.test", "Southco", ""]],
        header=["First name", "Last name", "E-mail", "Company", "Role"],
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY))
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "Company", "no organization named Southco that you can see")
    ]
    anna = Contact.objects.get(last_name="A")
    affiliation = anna.affiliations.select_related("organization").get()
    assert (affiliation.organization.name, affiliation.role) == ("Acme Kft", "Buyer")
    assert "acme kft" not in anna.search_text  # its own words only: the reader may not see the organization


def test_roles_without_import_rights_cannot_import(cast, tmp_path):
    path = write_csv(tmp_path / "x.csv", [["", "X", "", "", "", ""]], header=HEADER)
    for user in (cast.readonly_north, cast.analyst, cast.service_north):
        with pytest.raises(PermissionDenied):
            _import(path, user)
    assert Contact.objects.count() == 0


def test_owner_and_team_columns_follow_the_assignment_rules(cast, tmp_path):
    path = write_csv(
        tmp_path / "x.csv",
        [
            ["A", "a@example.test", "sales_north_2", ""],
            ["B", "b@example.test", "sales_south", ""],
            ["C", "c@example.test", "", "South"],
            ["D", "d@example.test", "nobody_here", ""],
        ],
        header=["Last name", "E-mail", "Owner", "Team"],
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY))
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "Owner", "you may only assign records to members of your team"),
        (4, "Team", "you may only assign records to your own team"),
        (5, "Owner", "no such user: nobody_here"),
    ]
    assert Contact.objects.get(last_name="A").owner == cast.sales_north_2
