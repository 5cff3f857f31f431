"""The organization import sets each organization's parent: by tax id, else by name, among what the user sees."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clientela.core.errors import ValidationFailed
from clientela.core.models import Event
from clientela.parties import actions
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.mapping import auto_map
from clientela.parties.importing.rows import VALID_ROWS_ONLY, ValidatedRow
from clientela.parties.models import Organization
from clientela.testing import factories

from .importing_files import write_csv

HEADER = ["Name", "Tax id", "Parent"]


def _import(tmp_path, actor, rows, **options):
    path = write_csv(tmp_path / "orgs.csv", rows, header=HEADER)
    return run_import(path, actor=actor, options=ImportOptions(entity="organization", **options))


def _errors(report):
    return [(e.row, e.column, e.message) for e in report.errors]


def _last_event(organization: Organization) -> Event:
    return Event.objects.filter(record_id=organization.public_id).order_by("-id").first()


@pytest.mark.parametrize(
    "header",
    ["Parent", "Parent organization", "Parent company", "Anyavállalat", "Ana şirket", "Материнская компания",
     "Spółka matka", "Companie-mamă"],
)  # fmt: skip
def test_parent_headers_map_to_the_parent_in_every_seed_language(db, header):
    assert auto_map("organization", ["Name", header]) == {"Name": "name", header: "parent"}


def test_contacts_have_no_parent_column(db):
    assert auto_map("contact", ["Last name", "Parent company"]) == {"Last name": "last_name", "Parent company": ""}


def test_a_parent_named_by_name_is_set_and_logged_by_public_id(cast, tmp_path):
    holding = factories.organization(cast.sales_north, name="Acme Holding Kft")
    report = _import(tmp_path, cast.sales_north, [["Acme Widgets", "HU-2", "ACME holding"]])
    assert (report.created, report.errors) == (1, [])
    widgets = Organization.objects.get(name="Acme Widgets")
    assert widgets.parent_id == holding.pk
    assert _last_event(widgets).changes["parent"] == [None, str(holding.public_id)]


def test_a_parent_named_by_tax_id_is_found_before_one_with_that_name(cast, tmp_path):
    by_tax = factories.organization(cast.sales_north, name="Acme Holding", tax_id="HU-12345678")
    factories.organization(cast.sales_north, name="HU12345678")  # a name that looks like the tax id
    report = _import(tmp_path, cast.sales_north, [["Acme Widgets", "", "hu 1234 5678"]])
    assert (report.created, report.errors) == (1, [])
    assert Organization.objects.get(name="Acme Widgets").parent_id == by_tax.pk


def test_the_preview_shows_the_parent_found(cast, tmp_path):
    factories.organization(cast.sales_north, name="Acme Holding Kft")
    report = _import(tmp_path, cast.sales_north, [["Acme Widgets", "", "acme holding"]], dry_run=True)
    assert report.preview[0].values["parent"] == "Acme Holding Kft"
    assert not Organization.objects.filter(name="Acme Widgets").exists()


def test_an_unknown_parent_is_an_error_naming_the_column(cast, tmp_path):
    report = _import(
        tmp_path, cast.sales_north, [["Acme Widgets", "", "Nowhere Ltd"], ["Globex", "", ""]], mode=VALID_ROWS_ONLY
    )
    assert _errors(report) == [(2, "Parent", "no organization named Nowhere Ltd that you can see")]
    assert report.created == 1
    assert not Organization.objects.filter(name="Acme Widgets").exists()


def test_a_parent_name_shared_by_two_organizations_asks_for_the_tax_id(cast, tmp_path):
    factories.organization(cast.sales_north, name="Twin Kft", tax_id="HU-1")
    factories.organization(cast.sales_north, name="TWIN Ltd", tax_id="HU-2")
    report = _import(
        tmp_path, cast.sales_north, [["Child One", "", "Twin"], ["Child Two", "", "HU 2"]], mode=VALID_ROWS_ONLY
    )
    assert _errors(report) == [(2, "Parent", "2 organizations are named Twin; give the parent's tax id instead")]
    assert Organization.objects.get(name="Child Two").parent.name == "TWIN Ltd"


def test_a_parent_the_user_cannot_see_is_not_found_by_name_or_tax_id(cast, tmp_path):
    factories.organization(cast.sales_south, name="Southco", tax_id="RO-777")
    report = _import(
        tmp_path,
        cast.sales_north,
        [["North One", "", "Southco"], ["North Two", "", "RO777"], ["North Three", "", "Nobody"]],
        mode=VALID_ROWS_ONLY,
    )
    assert _errors(report) == [
        (2, "Parent", "no organization named Southco that you can see"),
        (3, "Parent", "no organization named RO777 that you can see"),
        (4, "Parent", "no organization named Nobody that you can see"),
    ]
    assert report.created == 0


def test_an_organization_of_the_same_name_the_user_cannot_see_makes_no_ambiguity(cast, tmp_path):
    mine = factories.organization(cast.sales_north, name="Same Name")
    factories.organization(cast.sales_south, name="Same Name")
    report = _import(tmp_path, cast.sales_north, [["Child", "", "Same Name"]])
    assert report.errors == []
    assert Organization.objects.get(name="Child").parent_id == mine.pk


def test_a_trashed_organization_is_not_a_parent(cast, tmp_path):
    gone = factories.organization(cast.sales_north, name="Gone Holding")
    actions.organization_trash(actor=cast.sales_north, organization=gone)
    report = _import(tmp_path, cast.sales_north, [["Child", "", "Gone Holding"]])
    assert _errors(report) == [(2, "Parent", "no organization named Gone Holding that you can see")]


def test_a_row_naming_itself_as_parent_is_an_error(cast, tmp_path):
    report = _import(
        tmp_path,
        cast.sales_north,
        [["Acme Kft", "HU-9", "hu9"], ["Globex", "HU-8", "Globex Ltd"]],
        mode=VALID_ROWS_ONLY,
    )
    assert _errors(report) == [
        (2, "Parent", "an organization cannot be its own parent or ancestor"),
        (3, "Parent", "names this organization itself; give the parent's tax id if it has the same name"),
    ]
    assert report.created == 0


def test_an_update_changes_the_parent_and_logs_it_as_the_action_does(cast, tmp_path):
    old = factories.organization(cast.sales_north, name="Old Holding")
    new = factories.organization(cast.sales_north, name="New Holding", tax_id="HU-100")
    child = factories.organization(cast.sales_north, name="Child", tax_id="HU-5", parent=old)
    twin = factories.organization(cast.sales_north, name="Twin", tax_id="HU-6", parent=old)
    actions.organization_update(actor=cast.sales_north, organization=twin, values={"parent": new})

    report = _import(tmp_path, cast.sales_north, [["", "HU-5", "HU 100"]])

    assert (report.updated, report.errors) == (1, [])
    child.refresh_from_db()
    assert child.parent_id == new.pk and child.version == 2
    event = _last_event(child)
    assert event.action == "organization.update" and event.source == "import"
    assert event.changes == _last_event(twin).changes == {"parent": [str(old.public_id), str(new.public_id)]}


def test_an_update_sets_a_first_parent_and_the_same_parent_again_changes_nothing(cast, tmp_path):
    holding = factories.organization(cast.sales_north, name="Holding")
    child = factories.organization(cast.sales_north, name="Child", tax_id="HU-5")
    first = _import(tmp_path, cast.sales_north, [["", "HU-5", "Holding"]])
    assert first.updated == 1
    assert _last_event(child).changes == {"parent": [None, str(holding.public_id)]}
    events = Event.objects.count()
    again = _import(tmp_path, cast.sales_north, [["", "HU-5", "Holding"]])
    assert (again.unchanged, again.updated) == (1, 0)
    assert Event.objects.count() == events


def test_a_parent_that_is_a_subsidiary_of_the_record_is_refused_as_the_action_refuses_it(cast, tmp_path):
    top = factories.organization(cast.sales_north, name="Top", tax_id="HU-1")
    middle = factories.organization(cast.sales_north, name="Middle", tax_id="HU-2", parent=top)
    factories.organization(cast.sales_north, name="Bottom", tax_id="HU-3", parent=middle)
    with pytest.raises(ValidationFailed) as refused:
        actions.organization_update(actor=cast.sales_north, organization=top, values={"parent": middle})

    report = _import(tmp_path, cast.sales_north, [["", "HU-1", "Bottom"], ["", "HU-2", "HU 2 "]], mode=VALID_ROWS_ONLY)

    message = refused.value.errors[0].message
    assert _errors(report) == [(2, "Parent", message), (3, "Parent", message)]
    top.refresh_from_db()
    assert top.parent_id is None and top.version == 1


def test_an_update_matched_by_tax_id_cannot_name_itself_by_its_old_name(cast, tmp_path):
    acme = factories.organization(cast.sales_north, name="Acme", tax_id="HU-1")
    report = _import(tmp_path, cast.sales_north, [["Acme Renamed", "HU-1", "Acme"]])
    assert _errors(report) == [(2, "Parent", "an organization cannot be its own parent or ancestor")]
    acme.refresh_from_db()
    assert acme.parent_id is None and acme.name == "Acme"


def test_two_rows_of_one_batch_cannot_make_a_loop(cast, tmp_path):
    first = factories.organization(cast.sales_north, name="First", tax_id="HU-1")
    second = factories.organization(cast.sales_north, name="Second", tax_id="HU-2")
    report = _import(tmp_path, cast.sales_north, [["", "HU-1", "HU-2"], ["", "HU-2", "HU-1"]], mode=VALID_ROWS_ONLY)
    assert _errors(report) == [(3, "Parent", "an organization cannot be its own parent or ancestor")]
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.parent_id, second.parent_id) == (second.pk, None)


def test_a_loop_made_between_matching_and_writing_is_refused_when_writing(cast):
    first = factories.organization(cast.sales_north, name="First", tax_id="HU-1")
    second = factories.organization(cast.sales_north, name="Second", tax_id="HU-2")
    row = ValidatedRow(
        row=2, values={"tax_id": "HU-1"}, parent="HU-2", columns={"tax_id": "Tax id", "parent": "Parent"}
    )
    prepared = actions.records_import_prepare(actor=cast.sales_north, entity="organization", rows=[row], match="update")
    assert prepared.plan.errors == []
    # Someone else makes First the parent of Second before the batch is written.
    actions.organization_update(actor=cast.sales_north_2, organization=second, values={"parent": first})

    result = actions.records_import_write(actor=cast.sales_north, prepared=prepared)

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "Parent", "an organization cannot be its own parent or ancestor")
    ]
    first.refresh_from_db()
    assert first.parent_id is None and first.version == 1


def test_a_batch_looks_parents_up_in_a_fixed_number_of_queries(cast, tmp_path):
    holdings = [factories.organization(cast.sales_north, name=f"Holding {n}", tax_id=f"HU-9{n}") for n in range(3)]
    for n in range(12):
        factories.organization(cast.sales_north, name=f"Old {n}", tax_id=f"HU-{n}", parent=holdings[0])

    def queries(first: int, count: int) -> int:
        rows = []
        for n in range(first, first + count):
            rows.append(["", f"HU-{n}", f"Holding {1 + n % 2}"])  # updates: a new parent, by name
            rows.append([f"New {n}", f"RO-{n}", f"hu9{n % 3}"])  # creates: a parent by tax id
        with CaptureQueriesContext(connection) as captured:
            report = _import(tmp_path, cast.sales_north, rows, mode=VALID_ROWS_ONLY)
        assert (report.created, report.updated, report.errors) == (count, count, [])
        return len(captured)

    queries(0, 1)  # the first import of the process looks up what it caches
    assert queries(1, 2) == queries(3, 9)
    assert Organization.objects.get(tax_id="HU-11").parent_id == holdings[2].pk
    assert Organization.objects.get(name="New 11").parent_id == holdings[2].pk


@pytest.mark.django_db(transaction=True)
def test_writer_threads_set_parents_as_one_thread_does(cast, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the import pipelines its writes on PostgreSQL only")
    holding = factories.organization(cast.sales_north, name="Holding", tax_id="HU-900")
    old = [factories.organization(cast.sales_north, name=f"Old {n}", tax_id=f"HU-{n}") for n in range(0, 60, 7)]
    rows = [["", f"HU-{n}", "Holding"] for n in range(0, 60, 7)]
    rows += [[f"New {n}", f"RO-{n}", "hu 900"] for n in range(50)]
    rows.append(["Lost", "", "Nowhere"])

    report = _import(tmp_path, cast.sales_north, rows, mode=VALID_ROWS_ONLY, batch_size=8)

    assert (report.created, report.updated, report.failed) == (50, len(old), 1)
    assert Organization.objects.filter(parent=holding).count() == 50 + len(old)
    for organization in old:
        assert _last_event(organization).changes == {"parent": [None, str(holding.public_id)]}
