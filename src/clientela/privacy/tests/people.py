"""A person with data everywhere, for the privacy tests: a contact whose names, e-mail address
and phone number are found in their own record, their addresses, activities, meetings, e-mails in
and out (with an attachment), an SMS, tasks, a deal, a lead, a quote and an invoice, free text
elsewhere, the change log, the idempotency store and an import file."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from clientela.activities import actions as activity_actions
from clientela.channels.actions import inbound
from clientela.channels.models import Mailbox
from clientela.channels.tests.inbound_kit import message
from clientela.parties.models import ImportJob
from clientela.privacy import actions
from clientela.sales import actions as sales_actions
from clientela.testing import factories
from clientela.testing.api import ApiClient

FIRST, LAST = "Zsófia", "Quarkwhistle"
EMAIL = "zsofia.quarkwhistle@erase.example"
PHONE = "+36 20 555 0199"
PHONE_E164 = "+36205550199"
STREET = "Kossuth Lajos utca 99"
ATTACHMENT = b"%PDF-1.4 signed contract of Zsofia Quarkwhistle, secret-attachment-bytes\n%%EOF\n"


@dataclass
class Person:
    contact: Any
    invoice_number: str
    invoice_total: str
    neighbour: Any  # another person with the same first name, who must keep it

    @staticmethod
    def traces() -> list[str]:
        """What must be gone after the erasure (as text, in any column, file or database page)."""
        return [f"{FIRST} {LAST}", LAST, EMAIL, PHONE, PHONE_E164, STREET, "secret-attachment-bytes"]


def make_person(cast: Any) -> Person:
    actor = cast.sales_north
    organization = factories.organization(actor, name="Bükkalja Vendéglő Kft.")
    contact = factories.contact(
        actor,
        first_name=FIRST,
        last_name=LAST,
        emails=[EMAIL],
        phones=[PHONE],
        birth_date="1984-03-02",
        notes=f"Prefers calls after 5pm. {FIRST} has two dogs.",
        addresses=[{"street": STREET, "city": "Eger", "postal_code": "3300", "country": "HU"}],
        organizations=[{"organization": str(organization.public_id), "role": "owner"}],
    )
    neighbour = factories.contact(actor, first_name=FIRST, last_name="Szabó", emails=["zsofia.szabo@keep.example"])
    # The change log holds an older name too.
    from clientela.parties import actions as parties_actions

    contact = parties_actions.contact_update(actor=actor, contact=contact, values={"title": f"Owner ({LAST} family)"})
    activity_actions.activity_create(
        actor=actor,
        values={"channel": "call", "contact": str(contact.public_id), "subject": f"Call with {FIRST}",
                "body": f"{FIRST} asked us to call {PHONE} tomorrow.", "outcome": "answered"},
    )  # fmt: skip
    activity_actions.activity_create(
        actor=actor,
        values={"channel": "meeting", "organization": str(organization.public_id), "subject": "Tasting menu",
                "body": f"Met {FIRST} {LAST} and the chef.", "attendees": [str(contact.public_id)],
                "occurred_at": (timezone.now() - dt.timedelta(days=3)).isoformat()},
    )  # fmt: skip
    activity_actions.task_create(
        actor=actor,
        values={"title": f"Send {LAST} the offer", "description": f"Mail {EMAIL}", "contact": str(contact.public_id)},
    )
    deal = sales_actions.deal_create(
        actor=actor,
        values={"name": f"{LAST} catering", "organization": str(organization.public_id),
                "contact": str(contact.public_id), "amount": "1200", "currency": "EUR"},
    )  # fmt: skip
    sales_actions.lead_create(
        actor=actor, values={"first_name": FIRST, "last_name": LAST, "email": EMAIL, "company": "Vendéglő"}
    )
    # E-mail out (queued) and in (with an attachment), linked to the contact.
    from clientela.channels import actions as channel_actions

    channel_actions.email_queue(
        actor=actor,
        values={"contact": str(contact.public_id), "subject": "Our offer", "body_text": f"Dear {FIRST}, here it is."},
    )
    mailbox = Mailbox.objects.create(
        name="Sales inbox", address="sales@clientela.example", host="localhost", username="sales",
        owner=actor, team=actor.team,
    )  # fmt: skip
    inbound.email_receive(
        mailbox=mailbox,
        raw=message(
            sender=f"{FIRST} {LAST} <{EMAIL}>", subject="Re: Our offer",
            text=f"Thanks! Call me on {PHONE}.\n-- \n{FIRST} {LAST}, {STREET}",
            attachments=[("contract.pdf", "application/pdf", ATTACHMENT)],
        ),
    )  # fmt: skip
    # A quote accepted and invoiced, to the organization, with the person as its contact.
    product = sales_actions.product_create(actor=cast.admin, values={"sku": "MENU", "name": "Menu", "tax_rate": "27"})
    api = ApiClient(actor)
    quote = api.post(
        "/quotes",
        {"organization": str(organization.public_id), "contact": str(contact.public_id), "deal": str(deal.public_id),
         "currency": "EUR", "lines": [{"product": str(product.public_id), "quantity": "2", "unit_price": "50"}]},
        headers={"Idempotency-Key": "quote-for-zsofia"},
    ).json()  # fmt: skip
    order = api.post(f"/quotes/{quote['id']}/accept", {}).json()["order"]
    invoice = api.post(f"/orders/{order}/invoice", {}).json()
    # An API call remembered by its Idempotency-Key, whose answer names the person.
    api.post(
        "/activities",
        {"channel": "note", "contact": str(contact.public_id), "body": f"{FIRST} {LAST} called about {EMAIL}"},
        headers={"Idempotency-Key": "note-about-zsofia"},
    )
    # An organization named after them (a sole trader), found by its folded search text too.
    factories.organization(actor, name=f"{FIRST} {LAST} egyéni vállalkozó")
    # Free text elsewhere that names the person in full.
    factories.contact(cast.sales_north, last_name="Referee", notes=f"Recommended by {FIRST} {LAST} ({EMAIL}).")
    # An uploaded import file that lists them.
    job = ImportJob(entity="contact", original_name="people.csv", created_by=actor)
    csv_text = f"first_name,last_name,email\n{FIRST},{LAST},{EMAIL}\nBéla,Kiss,bela@keep.example\n"
    job.file.save("people.csv", ContentFile(csv_text.encode()), save=False)
    job.file_sample = json.loads(json.dumps([[FIRST, LAST, EMAIL]]))
    job.save()
    contact.refresh_from_db()
    return Person(contact, invoice["number"], invoice["gross_total"], neighbour)


def erase(cast: Any, person: Person) -> Any:
    request = actions.privacy_request_create(
        actor=cast.sales_north, contact=person.contact, values={"type": "erasure", "details": "by e-mail"}
    )
    return actions.privacy_request_fulfil(
        actor=cast.admin, request=request, verification="Replied from the address on file"
    )
