"""The change log shows no other team's names (issue 9, item 6).

An administrator links North's contact to South's contact (a relationship) and to South's
organization (employment), and makes South's holding the parent of North's organization.
North's sales rep reads their own records' change log everywhere it is shown — the events
API and sync feed, the history on the 360° pages, the organization's read — and finds none
of South's names or ids, neither while the links exist nor after they are removed; the
administrator still reads every name.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import reverse

from clientela.core import references
from clientela.core.models import Event
from clientela.parties import actions
from clientela.parties.models import Contact, Organization, Relationship
from clientela.testing import factories
from clientela.testing.api import ApiClient

pytestmark = pytest.mark.django_db

HIDDEN = "a record you cannot see"


@dataclass
class Linked:
    peter: Contact  # North's
    proba: Organization  # North's
    secret_person: Contact  # South's
    secret_employer: Organization  # South's
    secret_holding: Organization  # South's

    def secrets(self) -> list[str]:
        """What North may not read anywhere: South's names and ids."""
        south = (self.secret_person, self.secret_employer, self.secret_holding)
        return ["Sekretny", "Tajna", *(str(record.public_id) for record in south)]


@pytest.fixture
def linked(cast) -> Linked:
    peter = factories.contact(cast.sales_north, first_name="Péter", last_name="Próba")
    proba = factories.organization(cast.sales_north, name="Próba Kft")
    secret_person = factories.contact(cast.sales_south, first_name="Zbigniew", last_name="Sekretny")
    secret_employer = factories.organization(cast.sales_south, name="Tajna Probe Polska")
    secret_holding = factories.organization(cast.sales_south, name="Sekretny Holding")
    actions.relationship_create(actor=cast.admin, from_party=peter, to_party=secret_person, kind="partner")
    actions.contact_update(
        actor=cast.admin,
        contact=peter,
        values={},
        collections=actions.Collections(affiliations=[{"organization": secret_employer, "role": "Advisor"}]),
    )
    actions.organization_update(actor=cast.admin, organization=proba, values={"parent": secret_holding})
    return Linked(peter, proba, secret_person, secret_employer, secret_holding)


def unlink(cast, linked: Linked) -> None:
    """The administrator removes the three links again."""
    actions.relationship_delete(actor=cast.admin, relationship=Relationship.objects.get())
    peter = Contact.objects.get(pk=linked.peter.pk)
    actions.contact_update(actor=cast.admin, contact=peter, values={}, collections=actions.Collections(affiliations=[]))
    proba = Organization.objects.get(pk=linked.proba.pk)
    actions.organization_update(actor=cast.admin, organization=proba, values={"parent": None})


def assert_tells_nothing(text: str, linked: Linked) -> None:
    leaked = [secret for secret in linked.secrets() if secret in text]
    assert leaked == [], f"{leaked} in the response"


def events_of(api: ApiClient, record: Contact | Organization, record_type: str) -> str:
    response = api.get("/events", {"record_type": record_type, "record_id": str(record.public_id)})
    assert response.status_code == 200
    return response.content.decode()


def history_page(client, record: Contact | Organization, entity: str) -> str:
    page = client.get(reverse(f"parties:{entity}_detail", args=[record.public_id])).content.decode()
    return page[page.index('id="history"') :]


def everything_north_reads(cast, client, linked: Linked) -> list[str]:
    api = ApiClient(cast.sales_north)
    client.force_login(cast.sales_north)
    return [
        events_of(api, linked.peter, "parties.contact"),
        events_of(api, linked.proba, "parties.organization"),
        api.get("/events").content.decode(),
        api.get("/events", {"since": 0, "limit": 500}).content.decode(),  # the sync feed
        api.get(f"/organizations/{linked.proba.public_id}").content.decode(),
        api.get(f"/contacts/{linked.peter.public_id}").content.decode(),
        history_page(client, linked.peter, "contact"),
        history_page(client, linked.proba, "organization"),
    ]


def test_a_sales_rep_reads_no_other_teams_names_or_ids_in_their_records_log(cast, client, linked):
    for body in everything_north_reads(cast, client, linked):
        assert_tells_nothing(body, linked)


def test_the_other_side_of_a_link_reads_as_a_record_the_reader_cannot_see(cast, client, linked):
    api = ApiClient(cast.sales_north)
    items = api.get("/events", {"record_type": "parties.contact", "record_id": str(linked.peter.public_id)}).json()
    changes = {item["action"]: item["changes"] for item in items["items"]}
    assert changes["contact.relationship_add"]["relationships"] == [None, HIDDEN]
    assert changes["contact.update"]["organizations"] == [[], [HIDDEN]]
    assert all(item["record_label"] == "Péter Próba" for item in items["items"])
    client.force_login(cast.sales_north)
    assert HIDDEN in history_page(client, linked.peter, "contact")


def test_a_parent_the_reader_cannot_see_reads_as_none_in_the_record_and_its_log(cast, client, linked):
    api = ApiClient(cast.sales_north)
    assert api.get(f"/organizations/{linked.proba.public_id}").json()["parent"] is None
    events = api.get("/events", {"record_type": "parties.organization", "record_id": str(linked.proba.public_id)})
    [update] = [item for item in events.json()["items"] if item["action"] == "organization.update"]
    assert update["changes"]["parent"] == [None, None]
    client.force_login(cast.sales_north)
    page = history_page(client, linked.proba, "organization")
    assert "Parent organization" in page and HIDDEN in page


def test_nothing_shows_once_the_links_are_removed(cast, client, linked):
    unlink(cast, linked)
    for body in everything_north_reads(cast, client, linked):
        assert_tells_nothing(body, linked)


def test_the_administrator_still_reads_every_name(cast, client, linked):
    api = ApiClient(cast.admin)
    contact_log = api.get("/events", {"record_type": "parties.contact", "record_id": str(linked.peter.public_id)})
    changes = {item["action"]: item["changes"] for item in contact_log.json()["items"]}
    assert changes["contact.relationship_add"]["relationships"] == [None, "Péter Próba —partner→ Zbigniew Sekretny"]
    assert changes["contact.update"]["organizations"] == [[], ["Tajna Probe Polska: Advisor"]]
    organization_log = events_of(api, linked.proba, "parties.organization")
    assert str(linked.secret_holding.public_id) in organization_log
    assert api.get(f"/organizations/{linked.proba.public_id}").json()["parent"] == str(linked.secret_holding.public_id)
    client.force_login(cast.admin)
    history = history_page(client, linked.peter, "contact")
    assert "Péter Próba partner of Zbigniew Sekretny" in history and "Tajna Probe Polska: Advisor" in history
    assert "Sekretny Holding" in history_page(client, linked.proba, "organization")
    audit = client.get(reverse("core:audit")).content.decode()
    assert "Zbigniew Sekretny" in audit and "Tajna Probe Polska: Advisor" in audit and "Sekretny Holding" in audit


def test_the_log_keeps_references_not_names(linked):
    for event in Event.objects.filter(record_id__in=[linked.peter.public_id, linked.proba.public_id]):
        logged = str(event.changes)
        assert "Sekretny" not in logged and "Tajna" not in logged
    relationship_added = Event.objects.get(record_id=linked.peter.public_id, action="contact.relationship_add")
    assert relationship_added.changes["relationships"][1] == references.ref_text(
        linked.peter, " —partner→ ", linked.secret_person
    )


def test_an_administrator_limited_to_own_records_reads_other_records_on_the_audit_page_as_hidden(
    cast, client, linked, settings
):
    settings.CLIENTELA_ROLE_VISIBILITY = {"admin": "own"}
    client.force_login(cast.admin)
    for action in ("contact.relationship_add", "contact.update", "organization.update"):
        audit = client.get(reverse("core:audit"), {"action": action}).content.decode()
        changes = "".join(part.split("</td>", 1)[0] for part in audit.split('<td class="c-changes">')[1:])
        assert HIDDEN in changes
        assert_tells_nothing(changes, linked)


def test_a_deleted_record_reads_like_one_the_reader_cannot_see(cast, linked):
    from clientela.parties.models import Affiliation

    # a record gone from the database (privacy erasure) is named by nobody: the same words as hidden
    Affiliation.objects.filter(organization=linked.secret_employer).delete()
    Organization.all_objects.filter(pk=linked.secret_employer.pk).delete()
    api = ApiClient(cast.admin)
    items = api.get("/events", {"record_type": "parties.contact", "record_id": str(linked.peter.public_id)}).json()
    changes = {item["action"]: item["changes"] for item in items["items"]}
    assert changes["contact.update"]["organizations"] == [[], [HIDDEN]]


def test_writing_back_what_the_reader_read_keeps_the_links_they_cannot_see(cast, linked):
    api = ApiClient(cast.sales_north)
    organization = api.get(f"/organizations/{linked.proba.public_id}")
    body = {"parent": organization.json()["parent"], "industry": "Retail"}
    updated = api.patch(f"/organizations/{linked.proba.public_id}", body, headers={"If-Match": organization["ETag"]})
    assert updated.status_code == 200 and updated.json()["parent"] is None
    assert Organization.objects.get(pk=linked.proba.pk).parent_id == linked.secret_holding.pk
    contact = api.get(f"/contacts/{linked.peter.public_id}")
    assert contact.json()["organizations"] == []
    mine = factories.organization(cast.sales_north, name="Visible Employer")
    body = {"organizations": [{"organization": str(mine.public_id), "role": "Buyer"}]}
    updated = api.patch(f"/contacts/{linked.peter.public_id}", body, headers={"If-Match": contact["ETag"]})
    assert updated.status_code == 200
    assert [item["name"] for item in updated.json()["organizations"]] == ["Visible Employer"]
    kept = Contact.objects.get(pk=linked.peter.pk).affiliations.values_list("organization__name", "role")
    assert sorted(kept) == [("Tajna Probe Polska", "Advisor"), ("Visible Employer", "Buyer")]
    assert_tells_nothing(updated.content.decode(), linked)


def test_a_reader_may_still_remove_a_parent_they_can_see(cast, linked):
    mine = factories.organization(cast.sales_north, name="Own Holding")
    proba = Organization.objects.get(pk=linked.proba.pk)
    actions.organization_update(actor=cast.admin, organization=proba, values={"parent": mine})
    api = ApiClient(cast.sales_north)
    read = api.get(f"/organizations/{linked.proba.public_id}")
    assert read.json()["parent"] == str(mine.public_id)
    updated = api.patch(
        f"/organizations/{linked.proba.public_id}", {"parent": None}, headers={"If-Match": read["ETag"]}
    )
    assert updated.status_code == 200 and updated.json()["parent"] is None
    assert Organization.objects.get(pk=linked.proba.pk).parent_id is None


def test_a_version_conflict_names_other_records_as_the_caller_may_see_them(cast, linked):
    api = ApiClient(cast.sales_north)
    stale = api.get(f"/contacts/{linked.peter.public_id}")["ETag"]
    peter = Contact.objects.get(pk=linked.peter.pk)
    actions.contact_update(actor=cast.admin, contact=peter, values={}, collections=actions.Collections(affiliations=[]))
    conflict = api.patch(f"/contacts/{linked.peter.public_id}", {"title": "Boss"}, headers={"If-Match": stale})
    assert conflict.status_code == 412
    assert conflict.json()["conflict"]["their_changes"]["organizations"] == [[HIDDEN], []]
    assert_tells_nothing(conflict.content.decode(), linked)
