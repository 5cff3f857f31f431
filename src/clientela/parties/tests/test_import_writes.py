"""The bulk write path stores what the single-record actions would, and logs it the same way."""

from __future__ import annotations

import datetime as dt
import uuid

from clientela.core import references
from clientela.core.changelog import event_for
from clientela.core.context import acting_via
from clientela.core.models import Event
from clientela.parties import actions
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.importing.rows import VALID_ROWS_ONLY, ValidatedRow
from clientela.parties.models import Address, Contact, ContactPoint, Organization
from clientela.testing import factories

from .importing_files import write_csv

COMPARED = (
    "first_name",
    "last_name",
    "title",
    "birth_date",
    "gender",
    "lifecycle_stage",
    "primary_email",
    "primary_phone",
    "search_text",
    "name_key",
    "owner_id",
    "team_id",
    "version",
    "custom",
)


def test_an_imported_contact_equals_one_made_by_the_action(cast, tmp_path):
    made = factories.contact(
        cast.sales_north,
        first_name="Zoë",
        last_name="Çelik",
        title="CEO",
        birth_date="1980-02-03",
        gender="female",
        lifecycle_stage="customer",
        emails=["zoe@example.test"],
        phones=["+90 532 123 45 67"],
        tags=["vip"],
    )
    path = write_csv(
        tmp_path / "x.csv",
        [["Zoë", "Çelik", "zoe2@example.test", "+90 532 123 45 68", "CEO", "1980-02-03", "Female", "Customer", "vip"]],
        header=["First name", "Last name", "E-mail", "Phone", "Title", "Birth date", "Gender", "Stage", "Tags"],
    )
    run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact"))
    imported = Contact.objects.exclude(pk=made.pk).get()
    for name in COMPARED:
        mine, theirs = getattr(imported, name), getattr(made, name)
        if name in ("primary_email", "primary_phone", "search_text"):
            mine, theirs = mine.replace("zoe2", "zoe").replace("68", "67"), theirs
        assert mine == theirs, name
    assert list(imported.tags.values_list("name", flat=True)) == ["vip"]
    assert ContactPoint.objects.filter(contact=imported, is_primary=True).count() == 2
    made_event = Event.objects.get(record_id=made.public_id)
    imported_event = Event.objects.get(record_id=imported.public_id)
    assert set(imported_event.changes) == set(made_event.changes)
    assert imported_event.changes["owner"] == made_event.changes["owner"]
    assert imported_event.record_label == made_event.record_label == "Zoë Çelik"


ORGANIZATION_COMPARED = (
    "legal_name",
    "industry",
    "size",
    "website",
    "parent_id",
    "lifecycle_stage",
    "name_key",
    "owner_id",
    "team_id",
    "version",
    "custom",
)


def test_an_imported_organization_equals_one_made_by_the_action(cast, tmp_path):
    holding = factories.organization(cast.sales_north, name="Acme Holding Kft", tax_id="HU-100")
    made = factories.organization(
        cast.sales_north,
        name="Acme Widgets",
        legal_name="Acme Widgets Kft",
        tax_id="HU-1",
        industry="Manufacturing",
        size="10-49",
        website="https://widgets.example.test",
        parent=holding.public_id,
        lifecycle_stage="customer",
    )
    path = write_csv(
        tmp_path / "orgs.csv",
        [["Acme Widgets", "Acme Widgets Kft", "HU-2", "Manufacturing", "10-49", "https://widgets.example.test",
          "hu 100", "Customer"]],
        header=["Name", "Legal name", "Tax id", "Industry", "Size", "Website", "Parent company", "Stage"],
    )  # fmt: skip
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="organization"))
    assert (report.created, report.errors) == (1, [])
    imported = Organization.objects.get(tax_id="HU-2")
    made.refresh_from_db()
    for name in ORGANIZATION_COMPARED:
        assert getattr(imported, name) == getattr(made, name), name
    assert imported.parent_id == holding.pk
    made_event = Event.objects.get(record_id=made.public_id)
    imported_event = Event.objects.get(record_id=imported.public_id)
    assert set(imported_event.changes) == set(made_event.changes)
    for name in ("parent", "owner", "team", "website", "size"):
        assert imported_event.changes[name] == made_event.changes[name], name
    assert imported_event.changes["parent"] == [None, str(holding.public_id)]
    assert imported_event.record_label == made_event.record_label == "Acme Widgets"


def test_an_imported_event_has_every_column_event_for_fills_the_same_way(cast, tmp_path):
    path = write_csv(tmp_path / "one.csv", [["Same", "same@example.test"]], header=["Last name", "E-mail"])
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", job="job-1"))
    assert (report.created, report.errors) == (1, [])
    contact = Contact.objects.get(last_name="Same")
    stored = Event.objects.get(record_id=contact.public_id)

    with acting_via("import"):
        expected = event_for(
            actor=cast.sales_north,
            action="contact.create",
            kind="created",
            record=contact,
            changes=stored.changes,
            data={"import_job": "job-1"},
            occurred_at=stored.occurred_at,
        )

    columns = [f.attname for f in Event._meta.concrete_fields if f.attname != "id"]
    assert {c: getattr(stored, c) for c in columns} == {c: getattr(expected, c) for c in columns}
    assert stored.occurred_at == contact.created_at


def test_addresses_and_custom_fields_are_validated_and_stored(cast, tmp_path):
    actions.custom_field_create(
        actor=cast.admin,
        values={"entity": "contact", "key": "since", "label": "Customer since", "type": "date", "required": True},
    )
    path = write_csv(
        tmp_path / "x.csv",
        [
            ["A", "Fő utca 1", "Budapest", "1011", "hu", "2020-01-02"],
            ["B", "", "Wien", "", "Austria", "2020-01-02"],
            ["C", "", "", "", "", "soon"],
            ["D", "", "", "", "", ""],
        ],
        header=["Last name", "Street", "City", "Postal code", "Country", "Customer since"],
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact", mode=VALID_ROWS_ONLY))
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, "Country", "must be a two-letter ISO country code"),
        (4, "Customer since", "must be a date as YYYY-MM-DD"),
        (5, "Customer since", "is required"),
    ]
    contact = Contact.objects.get()
    assert contact.custom == {"since": "2020-01-02"}
    address = Address.objects.get()
    assert (address.street, address.city, address.country, address.contact_id) == (
        "Fő utca 1",
        "Budapest",
        "HU",
        contact.pk,
    )
    event = Event.objects.get(record_id=contact.public_id)
    assert event.changes["addresses"] == [[], ["Fő utca 1, 1011, Budapest, HU"]]
    assert event.changes["custom"] == [None, {"since": "2020-01-02"}]


def test_imported_values_keep_their_types(cast, tmp_path):
    path = write_csv(tmp_path / "x.csv", [["X", "3", "1990-12-31"]], header=["Last name", "Children", "Birthday"])
    run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact"))
    contact = Contact.objects.get()
    assert contact.children == 3 and contact.birth_date == dt.date(1990, 12, 31)
    assert isinstance(contact.public_id, uuid.UUID)


def test_a_row_built_by_code_keeps_its_public_id_creation_time_addresses_and_affiliations(cast):
    """What the demo loader gives the bulk writer beyond what a file row holds."""
    first = factories.organization(cast.sales_north, name="First Works")
    second = factories.organization(cast.sales_north, name="Second Works")
    public_id = uuid.uuid4()
    created = dt.datetime(2024, 3, 4, 5, 6, 7, tzinfo=dt.UTC)
    home = {"label": "home", "street": "Fő utca 1", "city": "Budapest", "postal_code": "1011", "region": "",
            "country": "HU"}  # fmt: skip
    billing = {**home, "label": "billing", "street": "Váci út 2"}
    row = ValidatedRow(
        row=1,
        values={"first_name": "Ada", "last_name": "Built", "owner": cast.sales_north, "team": cast.north},
        address=home,
        more_addresses=(billing,),
        organization="First Works",
        organization_role="Buyer",
        organization_id=first.pk,
        more_organizations=((second.pk, "Second Works", "Adviser"),),
        public_id=public_id,
        created_at=created,
    )

    result = actions.contacts_import_batch(actor=cast.sales_north, rows=[row], match="create")

    assert (result.created, result.errors) == (1, [])
    contact = Contact.objects.get(public_id=public_id)
    assert (contact.created_at, contact.updated_at, contact.version) == (created, created, 1)
    assert [(a.label, a.street) for a in Address.objects.filter(contact=contact)] == [
        ("home", "Fő utca 1"),
        ("billing", "Váci út 2"),
    ]
    affiliations = contact.affiliations.order_by("id").values_list("organization__name", "role", "is_primary")
    assert list(affiliations) == [("First Works", "Buyer", True), ("Second Works", "Adviser", False)]
    assert "works" not in contact.search_text  # its own words only, not its organizations' names
    event = Event.objects.get(record_id=public_id)
    assert event.occurred_at == created
    shown = references.shown_changes(event, references.names_for(cast.sales_north, [event]))
    assert shown["organizations"] == [[], ["First Works: Buyer", "Second Works: Adviser"]]
    assert "First Works" not in str(event.changes), "the log keeps the organizations by reference"
    assert len(event.changes["addresses"][1]) == 2
