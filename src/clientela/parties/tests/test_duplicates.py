import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.parties import actions, normalize
from clientela.parties.duplicates import (
    DuplicateSuspected,
    Probe,
    find_duplicates,
    find_duplicates_batch,
    probe_from_values,
    similar_keys,
)
from clientela.parties.models import Contact
from clientela.testing import factories


def contact_probe(name: str = "", emails: tuple[str, ...] = (), phones: tuple[str, ...] = ()) -> Probe:
    return Probe(entity="contact", names=(name,) if name else (), emails=emails, phones=phones)


def kinds(found: list) -> list[list[str]]:
    return [[m.kind for m in d.matches] for d in found]


def test_same_email_is_found_whatever_its_case(cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    found = find_duplicates(cast.sales_north, contact_probe("Zoltan Other", emails=("ANNA@x.example",)))
    assert [d.record for d in found] == [anna]
    assert found[0].reasons == ["same e-mail anna@x.example"]


def test_same_phone_written_differently_is_found(cast):
    anna = factories.contact(cast.sales_north, emails=[], phones=["+36 1 234 5678"])
    found = find_duplicates(cast.sales_north, contact_probe("Someone Else", phones=("0036-1-234-5678",)))
    assert [d.record for d in found] == [anna]
    assert kinds(found) == [["phone"]]
    assert found[0].reasons == ["same phone 0036-1-234-5678"]


def test_same_tax_id_with_other_punctuation_is_found(cast):
    acme = factories.organization(cast.sales_north, name="Acme Trading", tax_id="12345678-2-42")
    probe = Probe(entity="organization", names=("Totally Different",), tax_id="12345678 2 42")
    found = find_duplicates(cast.sales_north, probe)
    assert [d.record for d in found] == [acme]
    assert found[0].reasons == ["same tax id 12345678 2 42"]


def test_names_match_across_accents_case_and_word_order(cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=[])
    found = find_duplicates(cast.sales_north, contact_probe("KOVACS anna"))
    assert [d.record for d in found] == [anna]
    assert found[0].reasons == ["same name"]


def test_legal_suffixes_do_not_make_organizations_different(cast):
    acme = factories.organization(cast.sales_north, name="Acme Kft.")
    found = find_duplicates(cast.sales_north, Probe(entity="organization", names=("ACME",)))
    assert [d.record for d in found] == [acme]
    assert kinds(found) == [["name"]]


@pytest.mark.parametrize(
    "stored, probe",
    [
        ("Anna Kovács", "Ana Kovacs"),  # a letter doubled on the probe's side
        ("Ana Kovács", "Anna Kovacs"),  # a letter missing on the probe's side
        ("Anna Kovács", "Anna Kovcas"),  # two neighbours swapped
        ("Anna Kovács", "Anna Maria Kovacs"),  # a middle name
    ],
)
def test_a_name_one_cheap_edit_away_is_a_similar_name(cast, stored, probe):
    first, last = stored.split(" ")
    record = factories.contact(cast.sales_north, first_name=first, last_name=last, emails=[])
    found = find_duplicates(cast.sales_north, contact_probe(probe))
    assert [d.record for d in found] == [record]
    assert found[0].reasons == ["similar name"]


def test_different_names_are_not_reported(cast):
    factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=[])
    assert find_duplicates(cast.sales_north, contact_probe("Anna Szabó")) == []
    assert find_duplicates(cast.sales_north, contact_probe("Béla Kovács")) == []


def test_a_record_is_not_its_own_duplicate(cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    twin = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovacs", emails=["anna@x.example"])
    found = find_duplicates(cast.sales_north, anna)
    assert [d.record for d in found] == [twin]
    assert set(found[0].reasons) == {"same e-mail anna@x.example", "same name"}


def test_records_in_the_trash_are_not_reported(cast):
    anna = factories.contact(cast.sales_north, emails=["anna@x.example"])
    actions.contact_trash(actor=cast.sales_north, contact=anna)
    assert find_duplicates(cast.sales_north, contact_probe(emails=("anna@x.example",))) == []


def test_another_teams_duplicate_is_not_revealed(cast):
    south = factories.contact(cast.sales_south, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    probe = contact_probe("Anna Kovács", emails=("anna@x.example",))
    assert find_duplicates(cast.sales_north, probe) == []
    assert find_duplicates(cast.manager_north, probe) == []
    assert [d.record for d in find_duplicates(cast.sales_south, probe)] == [south]
    assert [d.record for d in find_duplicates(cast.admin, probe)] == [south]


def test_organizations_and_contacts_are_not_each_others_duplicates(cast):
    factories.organization(cast.sales_north, name="Anna Kovács", emails=["anna@x.example"])
    assert find_duplicates(cast.sales_north, contact_probe("Anna Kovács", emails=("anna@x.example",))) == []


def test_the_strongest_match_comes_first(cast):
    by_name = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=[])
    by_both = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["a@x.example"])
    found = find_duplicates(cast.sales_north, contact_probe("Anna Kovács", emails=("a@x.example",)))
    assert [d.record for d in found] == [by_both, by_name]
    assert found[0].as_dict()["reasons"] == ["same e-mail a@x.example", "same name"]


def _population(cast) -> list[Probe]:
    people = [("Anna", "Kovács"), ("Béla", "Nagy"), ("Csilla", "Tóth"), ("Dénes", "Szabó"), ("Éva", "Horváth")]
    for n, (first, last) in enumerate(people):
        factories.contact(
            cast.sales_north,
            first_name=first,
            last_name=last,
            emails=[f"p{n}@x.example"],
            phones=[f"+36 30 000 00{n:02d}"],
        )
        factories.contact(cast.sales_south, first_name=first, last_name=last, emails=[f"s{n}@x.example"])
    factories.organization(cast.sales_north, name="Acme Kft.", tax_id="111-222")
    factories.organization(cast.sales_north, name="Globex Zrt.")
    return [
        contact_probe("kovacs anna"),
        contact_probe("Someone", emails=("P1@x.example",)),
        contact_probe("Other", phones=("0036300000002",)),
        contact_probe("Dénes Szabo", emails=("s3@x.example",)),
        contact_probe("Eva Hrovath"),
        contact_probe("Nobody Atall"),
        Probe(entity="organization", names=("ACME",)),
        Probe(entity="organization", names=("Unrelated",), tax_id="111 222"),
        Probe(entity="organization", names=("Globexx",)),
    ]


def test_batch_detection_returns_the_same_as_one_by_one(cast):
    probes = _population(cast)
    batch = find_duplicates_batch(cast.sales_north, probes)
    one_by_one = [find_duplicates(cast.sales_north, probe) for probe in probes]
    assert [[(d.record.pk, d.matches) for d in found] for found in batch] == [
        [(d.record.pk, d.matches) for d in found] for found in one_by_one
    ]
    assert [len(found) for found in batch] == [1, 1, 1, 1, 1, 0, 1, 1, 1]


def test_batch_detection_runs_the_same_number_of_queries_for_many_rows(cast):
    probes = _population(cast)
    with CaptureQueriesContext(connection) as few:
        find_duplicates_batch(cast.sales_north, probes)
    many = [
        Probe(entity=p.entity, names=(f"{p.names[0] if p.names else ''} {n}",), emails=p.emails)
        for n in range(40)
        for p in probes
    ]
    with CaptureQueriesContext(connection) as lots:
        find_duplicates_batch(cast.sales_north, many + probes)
    assert len(lots) == len(few) <= 9


def test_create_checked_refuses_a_likely_duplicate_and_writes_nothing(cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    with pytest.raises(DuplicateSuspected) as suspected:
        actions.contact_create_checked(
            actor=cast.sales_north,
            values={"first_name": "Anna", "last_name": "Kovacs"},
            collections=actions.Collections(emails=[{"value": "Anna@X.example"}]),
        )
    assert [c.record for c in suspected.value.candidates] == [anna]
    assert Contact.objects.count() == 1


def test_create_checked_creates_when_the_user_allows_duplicates(cast):
    factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    created = actions.contact_create_checked(
        actor=cast.sales_north,
        values={"first_name": "Anna", "last_name": "Kovács"},
        collections=actions.Collections(emails=[{"value": "anna@x.example"}]),
        allow_duplicates=True,
    )
    assert created.pk and Contact.objects.count() == 2


def test_create_checked_does_not_reveal_another_teams_record(cast):
    factories.contact(cast.sales_south, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    created = actions.contact_create_checked(
        actor=cast.sales_north,
        values={"first_name": "Anna", "last_name": "Kovács"},
        collections=actions.Collections(emails=["anna@x.example"]),
    )
    assert created.owner == cast.sales_north


def test_organization_create_checked_refuses_the_same_tax_id(cast):
    factories.organization(cast.sales_north, name="Acme Kft.", tax_id="12345678-2-42")
    with pytest.raises(DuplicateSuspected) as suspected:
        actions.organization_create_checked(
            actor=cast.sales_north, values={"name": "Acme Hungary", "tax_id": "12345678242"}
        )
    assert suspected.value.candidates[0].reasons == ["same tax id 12345678242"]


def test_probe_from_form_values_uses_names_emails_and_phones():
    probe = probe_from_values(
        "contact",
        {"first_name": " Anna ", "last_name": "Kovács"},
        emails=[{"value": "a@x.example"}],
        phones=["+36 1 234 5678", {"value": "bad"}],
    )
    assert probe.name_keys() == {"anna kovacs"}
    assert probe.email_keys() == {"a@x.example"}
    assert probe.phone_keys() == {"+3612345678"}


words = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzáéöőüű", min_size=3, max_size=10), min_size=1, max_size=3)


@given(words, st.randoms())
@settings(max_examples=60, deadline=None)
def test_name_key_ignores_word_order_and_case(tokens, random):
    shuffled = list(tokens)
    random.shuffle(shuffled)
    assert normalize.name_key(" ".join(tokens)) == normalize.name_key(" ".join(shuffled).upper())


@given(words)
@settings(max_examples=60, deadline=None)
def test_similar_keys_are_few_and_never_the_key_itself(tokens):
    key = normalize.name_key(" ".join(tokens))
    variants = similar_keys(key)
    assert key not in variants
    assert len(variants) <= 3 * len(key) + len(tokens)


def test_create_checked_reports_bad_input_before_a_duplicate_warning(cast):
    factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    with pytest.raises(ValidationFailed) as failed:
        actions.contact_create_checked(
            actor=cast.sales_north,
            values={"first_name": "Anna", "last_name": "Kovács", "birth_date": "someday"},
            collections=actions.Collections(emails=["anna@x.example", "not-an-email"]),
        )
    assert {e.field for e in failed.value.errors} == {"birth_date"}
    with pytest.raises(ValidationFailed) as failed:
        actions.contact_create_checked(
            actor=cast.sales_north,
            values={"first_name": "Anna", "last_name": "Kovács"},
            collections=actions.Collections(emails=["anna@x.example", "not-an-email"]),
        )
    assert {e.field for e in failed.value.errors} == {"emails[1].value"}
    assert Contact.objects.count() == 1


def test_a_read_only_user_gets_no_duplicate_hints(cast):
    factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    with pytest.raises(PermissionDenied):
        actions.contact_create_checked(actor=cast.readonly_north, values={"first_name": "Anna", "last_name": "Kovács"})
