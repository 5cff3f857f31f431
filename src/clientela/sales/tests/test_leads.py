"""Leads: capture, disqualification, and conversion that links to existing records instead
of duplicating them, once."""

from __future__ import annotations

from decimal import Decimal

import pytest

from clientela.core.errors import ValidationFailed
from clientela.parties.models import Contact, Organization
from clientela.sales import actions, queries
from clientela.sales.actions.leads import LeadClosed
from clientela.sales.models import Deal, LeadStatus
from clientela.testing import factories


def _pipeline():
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline


def _given(value):
    assert value is not None
    return value


def _lead(actor, **values):
    values = {
        "first_name": "Anna",
        "last_name": "Kovács",
        "company": "Kovács Kft.",
        "email": "anna@kovacs.example",
        **values,
    }
    return actions.lead_create(actor=actor, values=values)


def test_a_lead_belongs_to_whoever_captured_it_and_keeps_its_phone_in_e164(cast):
    lead = _lead(cast.sales_north, phone="+36 20 960 7198", source="web_form", estimated_amount="5000", currency="huf")
    assert (lead.owner, lead.team, lead.status) == (cast.sales_north, cast.north, LeadStatus.NEW)
    assert lead.phone_normalized == "+36209607198" and lead.currency == "HUF"
    assert list(queries.leads_visible(cast.sales_south)) == []


def test_bad_lead_input_names_every_field(cast):
    with pytest.raises(ValidationFailed) as refused:
        actions.lead_create(
            actor=cast.sales_north,
            values={
                "last_name": "",
                "email": "not-an-address",
                "phone": "call me",
                "country": "Hungary",
                "source": "x",
            },
        )
    assert {e.field for e in refused.value.errors} == {"last_name", "email", "phone", "country", "source"}


def test_converting_a_lead_makes_an_organization_a_contact_and_a_deal_linked_together(cast):
    lead = _lead(cast.sales_north, phone="+36 20 960 7198", estimated_amount="5000", currency="HUF", title="CEO")
    made = actions.lead_convert(actor=cast.sales_north, lead=lead)
    assert made.created == {"organization", "contact", "deal"}
    assert _given(made.organization).name == "Kovács Kft."
    assert made.contact.full_name == "Anna Kovács" and made.contact.primary_email == "anna@kovacs.example"
    assert made.contact.affiliations.get().organization == made.organization
    deal = _given(made.deal)
    assert (deal.organization, deal.contact, deal.amount, deal.currency) == (
        made.organization, made.contact, Decimal("5000"), "HUF",
    )  # fmt: skip
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONVERTED and lead.converted_deal == made.deal and lead.converted_at is not None


def test_conversion_links_the_existing_organization_and_contact_instead_of_duplicating_them(cast):
    company = factories.organization(cast.sales_north, name="Kovacs KFT")
    person = factories.contact(
        cast.sales_north, first_name="Anna", last_name="Kovács-Nagy", emails=["ANNA@kovacs.example"]
    )
    made = actions.lead_convert(actor=cast.sales_north, lead=_lead(cast.sales_north))
    assert (made.organization, made.contact) == (company, person)
    assert made.created == {"deal"}
    assert Organization.objects.count() == 1 and Contact.objects.count() == 1
    assert person.affiliations.get().organization == company  # linked on the way


def test_records_of_another_team_are_not_linked_and_stay_untouched(cast):
    hidden = factories.contact(cast.sales_south, first_name="Anna", last_name="Kovács", emails=["anna@kovacs.example"])
    made = actions.lead_convert(actor=cast.sales_north, lead=_lead(cast.sales_north))
    assert made.contact != hidden and "contact" in made.created
    hidden.refresh_from_db()
    assert hidden.version == 1


def test_converting_twice_creates_nothing_twice(cast):
    lead = _lead(cast.sales_north)
    first = actions.lead_convert(actor=cast.sales_north, lead=lead)
    again = actions.lead_convert(actor=cast.sales_north, lead=lead)
    assert (again.organization, again.contact, again.deal) == (first.organization, first.contact, first.deal)
    assert again.created == frozenset()
    assert (Organization.objects.count(), Contact.objects.count(), Deal.objects.count()) == (1, 1, 1)


def test_the_deal_of_a_conversion_takes_the_values_given(cast):
    proposal = _pipeline().stages.get(name="Proposal")
    made = actions.lead_convert(
        actor=cast.sales_north,
        lead=_lead(cast.sales_north),
        deal_values={"name": "Heat pumps for Kovács", "amount": "12000", "stage": proposal.public_id},
    )
    assert (_given(made.deal).name, _given(made.deal).amount, _given(made.deal).stage) == (
        "Heat pumps for Kovács",
        Decimal("12000"),
        proposal,
    )


def test_a_lead_can_be_converted_without_a_deal(cast):
    made = actions.lead_convert(actor=cast.sales_north, lead=_lead(cast.sales_north), create_deal=False)
    assert made.deal is None and not Deal.objects.exists()


def test_a_disqualified_lead_keeps_its_reason_and_is_not_converted(cast):
    lead = _lead(cast.sales_north)
    lead = actions.lead_disqualify(actor=cast.sales_north, lead=lead, reason="no_budget", note="Next year maybe")
    assert (lead.status, lead.disqualify_reason, lead.disqualify_note) == (
        "disqualified",
        "no_budget",
        "Next year maybe",
    )
    with pytest.raises(LeadClosed):
        actions.lead_convert(actor=cast.sales_north, lead=lead)
    with pytest.raises(ValidationFailed):
        actions.lead_disqualify(actor=cast.sales_north, lead=lead, reason="because")
    reopened = actions.lead_update(actor=cast.sales_north, lead=lead, values={"status": "working"})
    assert (reopened.status, reopened.disqualify_reason) == ("working", "")


def test_status_converted_is_reached_only_by_converting(cast):
    with pytest.raises(ValidationFailed):
        _lead(cast.sales_north, status="converted")
