"""Phones are kept as typed and matched by their E.164 form: any written form finds the
record, in the header search, the lists, the API, duplicate detection and the import."""

from __future__ import annotations

import phonenumbers
import pytest
from django.test import override_settings
from django.urls import reverse
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from clientela.accounts import actions as accounts_actions
from clientela.accounts.models import Team
from clientela.core.errors import ValidationFailed
from clientela.parties import normalize
from clientela.parties.duplicates import find_duplicates, probe_from_values
from clientela.parties.import_jobs import ImportOptions, run_import
from clientela.parties.models import Contact, ContactPoint
from clientela.parties.queries import contacts_visible, search_filter
from clientela.parties.tests.importing_files import write_csv
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db

WRITTEN_FORMS = [
    "+36209607198",
    "+36 20 960 7198",
    "06209607198",
    "06 20 960 7198",
    "0036 20 960 7198",
    "06-20/960-7198",
]


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("+36 20 960 7198", "", "+36209607198"),
        ("06 20 960 7198", "HU", "+36209607198"),
        ("0036-20-960-7198", "", "+36209607198"),
        ("0212 555 12 12", "TR", "+902125551212"),
        ("22 123 45 67", "PL", "+48221234567"),
        ("021 123 4567", "RO", "+40211234567"),
        ("8 (495) 123-45-67", "RU", "+74951234567"),
        ("+44 (0)20 7946 0000", "", "+442079460000"),
    ],
)
def test_a_phone_is_read_into_e164_in_its_country(typed, region, e164):
    assert normalize.phone_e164(typed, region) == e164
    assert normalize.phone_key(typed, region) == e164


def test_a_national_number_without_a_country_is_kept_as_its_digits():
    assert normalize.phone_e164("06 20 960 7198") == ""
    assert normalize.phone_key("06 20 960 7198") == "06209607198"


def test_the_region_is_the_records_country_then_the_teams_then_the_installations(cast):
    hungary = Team(name="H", country="HU")
    assert normalize.phone_region(["pl", ""], hungary) == "PL"
    assert normalize.phone_region(["", "Hungary"], hungary) == "HU"
    with override_settings(PHONE_REGION="RO"):
        assert normalize.phone_region([], Team(name="none")) == "RO"
        assert normalize.phone_region([], None) == "RO"


def _hungarian_team(cast) -> None:
    Team.objects.filter(pk=cast.north.pk).update(country="HU")
    cast.sales_north.team.refresh_from_db()


def test_a_phone_is_stored_as_typed_beside_its_e164_form(cast):
    _hungarian_team(cast)
    anna = factories.contact(cast.sales_north, phones=["06 20 960 7198"])
    point = ContactPoint.objects.get(contact=anna, kind="phone")
    assert (point.value, point.normalized) == ("06 20 960 7198", "+36209607198")
    assert "+36209607198" in Contact.objects.get(pk=anna.pk).search_text


def test_the_address_country_reads_a_national_number_before_the_team(cast):
    _hungarian_team(cast)
    piotr = factories.contact(
        cast.sales_north, phones=["22 123 45 67"], addresses=[{"country": "PL", "city": "Warsaw"}]
    )
    assert ContactPoint.objects.get(contact=piotr, kind="phone").normalized == "+48221234567"


@pytest.mark.parametrize("query", WRITTEN_FORMS)
def test_every_written_form_finds_the_contact(cast, query):
    _hungarian_team(cast)
    anna = factories.contact(cast.sales_north, last_name="Kiss", phones=["+36 20 960 7198"])
    factories.contact(cast.sales_north, last_name="Other", phones=["+36 20 960 7199"])
    found = list(contacts_visible(cast.sales_north).filter(search_filter(query, cast.sales_north)))
    assert found == [anna]


def test_a_number_typed_in_national_form_is_found_by_its_international_form(cast):
    _hungarian_team(cast)
    anna = factories.contact(cast.sales_north, phones=["06 20 960 7198"])
    assert list(contacts_visible(cast.sales_north).filter(search_filter("+36209607198", cast.sales_north))) == [anna]


def test_the_api_and_header_search_find_any_written_form(cast, client):
    _hungarian_team(cast)
    anna = factories.contact(cast.sales_north, last_name="Kiss", phones=["+36 20 960 7198"])
    api = ApiClient(cast.sales_north)
    for query in ("+36209607198", "06209607198"):
        items = api.get("/contacts", {"q": query}).json()["items"]
        assert [item["id"] for item in items] == [str(anna.public_id)]
    client.force_login(cast.sales_north)
    page = client.get(reverse("site:search"), {"q": "06209607198"}).content.decode()
    assert "Kiss" in page


def test_the_same_number_written_differently_is_a_suspected_duplicate(cast):
    _hungarian_team(cast)
    anna = factories.contact(cast.sales_north, phones=["+36 20 960 7198"])
    probe = probe_from_values("contact", {"last_name": "Someone"}, phones=["06-20-960-7198"], region="HU")
    assert [d.record for d in find_duplicates(cast.sales_north, probe)] == [anna]


def test_the_import_reads_national_numbers_in_the_rows_country(cast, tmp_path):
    path = write_csv(
        tmp_path / "phones.csv",
        [["Anna", "Kiss", "06 20 960 7198", "HU"], ["Piotr", "Nowak", "22 123 45 67", "PL"]],
        header=["First name", "Last name", "Phone", "Country"],
    )
    report = run_import(path, actor=cast.sales_north, options=ImportOptions(entity="contact"))
    assert report.written and report.created == 2
    keys = dict(ContactPoint.objects.values_list("contact__last_name", "normalized"))
    assert keys == {"Kiss": "+36209607198", "Nowak": "+48221234567"}


def test_a_team_country_must_be_a_two_letter_code(cast):
    api_values = {"country": "Hungary"}
    with pytest.raises(ValidationFailed) as failed:
        accounts_actions.team_update(actor=cast.admin, team=cast.north, values=api_values)
    assert failed.value.errors[0].field == "country"
    accounts_actions.team_update(actor=cast.admin, team=cast.north, values={"country": "hu"})
    assert Team.objects.get(pk=cast.north.pk).country == "HU"


def test_the_api_shows_each_phone_as_typed_and_in_e164(cast):
    _hungarian_team(cast)
    anna = factories.contact(cast.sales_north, phones=["06 20 960 7198", "12345"])
    phones = ApiClient(cast.sales_north).get(f"/contacts/{anna.public_id}").json()["phones"]
    assert [(p["value"], p["e164"]) for p in phones] == [("06 20 960 7198", "+36209607198"), ("12345", None)]


def _example_numbers() -> list[str]:
    written: list[str] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE, PhoneNumberType.TOLL_FREE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            text = phonenumbers.format_number(example, PhoneNumberFormat.INTERNATIONAL)
            written += [text, text.replace(" ", "-"), text + "1", text[:-1], text.replace(" ", "")]
            # a national prefix typed after the country code ("+7 8 ...", "+36 06 ...")
            written += [text[:3] + "8" + text[3:], text[:3] + "0" + text[3:], text[:4] + "6" + text[4:]]
    return written


def test_the_quick_reading_of_international_numbers_agrees_with_the_full_parse():
    checked = 0
    for text in _example_numbers():
        quick = normalize._international_e164(text)
        if quick is not None:
            checked += 1
            assert quick == normalize._parsed_e164(text, ""), text
    assert checked > 2000  # most countries take the quick way
