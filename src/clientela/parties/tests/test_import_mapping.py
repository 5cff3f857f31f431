"""Column mapping: automatic in several languages, overridable, checked."""

from __future__ import annotations

import pytest

from clientela.parties import actions
from clientela.parties.importing.mapping import MappingError, auto_map, resolve


def test_english_headers_map_to_contact_fields(db):
    headers = ["First Name", "Surname", "E-mail address", "Mobile phone", "Date of birth", "Company", "Notes"]
    assert auto_map("contact", headers) == {
        "First Name": "first_name",
        "Surname": "last_name",
        "E-mail address": "email",
        "Mobile phone": "mobile",
        "Date of birth": "birth_date",
        "Company": "organization",
        "Notes": "notes",
    }


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (["Vezetéknév", "Keresztnév", "E-mail cím", "Telefonszám"], ["last_name", "first_name", "email", "phone"]),
        (["Soyadı", "Ad", "E-posta", "Telefon"], ["last_name", "first_name", "email", "phone"]),
        (["Фамилия", "Имя", "Электронная почта", "Телефон"], ["last_name", "first_name", "email", "phone"]),
        (["Nazwisko", "Imię", "Adres e-mail", "Numer telefonu"], ["last_name", "first_name", "email", "phone"]),
        (
            ["Nume de familie", "Prenume", "Adresa de email", "Număr de telefon"],
            ["last_name", "first_name", "email", "phone"],
        ),
    ],
)
def test_headers_in_the_seed_languages_map_too(db, headers, expected):
    assert list(auto_map("contact", headers).values()) == expected


def test_organization_headers_map_to_organization_fields(db):
    mapping = auto_map("organization", ["Company name", "VAT number", "Website", "Employees", "Industry"])
    assert list(mapping.values()) == ["name", "tax_id", "website", "size", "industry"]


def test_custom_fields_map_by_key_or_label(cast):
    actions.custom_field_create(
        actor=cast.admin,
        values={"entity": "contact", "key": "segment", "label": "Segment", "type": "choice", "choices": ["a", "b"]},
    )
    assert auto_map("contact", ["segment", "Other"]) == {"segment": "custom.segment", "Other": ""}


def test_an_override_replaces_the_automatic_choice_and_can_ignore_a_column(db):
    headers = ["Name", "Family", "Mail"]
    mapping = resolve("contact", headers, {"Name": "first_name", "Family": "Last name", "Mail": ""})
    assert mapping == {"Name": "first_name", "Family": "last_name", "Mail": ""}


def test_bad_overrides_are_refused_with_a_clear_message(db):
    with pytest.raises(MappingError, match="does not have: Nope"):
        resolve("contact", ["A"], {"Nope": "last_name"})
    with pytest.raises(MappingError, match="Unknown field shoe_size"):
        resolve("contact", ["A"], {"A": "shoe_size"})
    with pytest.raises(MappingError, match="both fill"):
        resolve("contact", ["A", "B"], {"A": "last_name", "B": "last_name"})
