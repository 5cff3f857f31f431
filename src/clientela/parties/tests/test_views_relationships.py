"""Relationships, merged history and the duplicates link on the 360° pages."""

from __future__ import annotations

from django.urls import reverse

from clientela.core.models import Event
from clientela.parties import actions, queries
from clientela.parties.models import Relationship
from clientela.testing import factories


def detail(client, record, entity="contact"):
    return client.get(reverse(f"parties:{entity}_detail", args=[record.public_id])).content.decode()


def add_url(record, entity="contact"):
    return reverse(f"parties:{entity}_relationship_add", args=[record.public_id])


def test_writer_adds_a_relationship_by_name_and_both_pages_show_it(client, cast):
    worker = factories.contact(cast.sales_north, first_name="Anna", last_name="Worker")
    boss = factories.contact(cast.sales_north, first_name="Bob", last_name="Boss")
    client.force_login(cast.sales_north)
    response = client.post(
        add_url(worker), {"kind": "reports_to", "other": "bob boss", "note": "since May"}, follow=True
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Relationship added: Anna Worker reports to Bob Boss." in body
    link = Relationship.objects.get()
    assert (link.from_contact, link.to_contact, link.kind, link.note) == (worker, boss, "reports_to", "since May")
    assert "manages" in detail(client, boss) and "Anna Worker" in detail(client, boss)
    actions_logged = set(Event.objects.filter(action="contact.relationship_add").values_list("record_id", flat=True))
    assert actions_logged == {worker.public_id, boss.public_id}


def test_the_inverse_kind_records_the_other_party_as_the_from_side(client, cast):
    boss = factories.contact(cast.sales_north, last_name="Boss")
    factories.contact(cast.sales_north, last_name="Worker")
    client.force_login(cast.sales_north)
    response = client.post(add_url(boss), {"kind": "~reports_to", "other": "Worker"})
    assert response.status_code == 302 and response["Location"].endswith("#relationships")
    link = Relationship.objects.get()
    assert link.from_contact.last_name == "Worker" and link.to_contact == boss


def test_an_organization_is_related_to_a_contact_and_to_another_organization(client, cast):
    acme = factories.organization(cast.sales_north, name="Acme Kft")
    factories.organization(cast.sales_north, name="Widgets Zrt")
    factories.contact(cast.sales_north, first_name="Rita", last_name="Referrer")
    client.force_login(cast.sales_north)
    assert client.post(add_url(acme, "organization"), {"kind": "supplier", "other": "Widgets"}).status_code == 302
    assert (
        client.post(add_url(acme, "organization"), {"kind": "referred_by", "other": "Rita Referrer"}).status_code == 302
    )
    page = detail(client, acme, "organization")
    assert "supplier of" in page and "Widgets Zrt" in page
    assert "referred by" in page and "Rita Referrer" in page


def test_another_teams_record_cannot_be_named_and_nothing_is_written(client, cast):
    worker = factories.contact(cast.sales_north, last_name="Worker")
    factories.contact(cast.sales_south, first_name="Sam", last_name="Southerner")
    client.force_login(cast.sales_north)
    response = client.post(add_url(worker), {"kind": "family", "other": "Sam Southerner"})
    assert response.status_code == 422
    body = response.content.decode()
    assert 'id="rel-other-err"' in body and "No contact or organization called" in body
    assert 'value="Sam Southerner"' in body and '<details class="addrelation" open>' in body
    assert not Relationship.objects.exists()
    worker.refresh_from_db()
    assert worker.version == 1


def test_bad_kind_self_link_and_a_repeated_link_are_reported_next_to_their_fields(client, cast):
    worker = factories.contact(cast.sales_north, first_name="Anna", last_name="Worker")
    factories.contact(cast.sales_north, last_name="Boss")
    client.force_login(cast.sales_north)
    body = client.post(add_url(worker), {"kind": "enemy", "other": "Boss"}).content.decode()
    assert 'id="rel-kind-err"' in body and "Choose the kind of relationship" in body
    body = client.post(add_url(worker), {"kind": "family", "other": "Anna Worker"}).content.decode()
    assert "That is this record itself" in body
    body = client.post(add_url(worker), {"kind": "family", "other": "Boss", "note": "x" * 201}).content.decode()
    assert 'id="rel-note-err"' in body and "at most 200 characters" in body
    assert client.post(add_url(worker), {"kind": "family", "other": "Boss"}).status_code == 302
    response = client.post(add_url(worker), {"kind": "family", "other": "Boss"})
    assert response.status_code == 422 and "This relationship exists already" in response.content.decode()
    assert Relationship.objects.count() == 1


def test_a_name_shared_by_several_records_asks_which_one_and_links_the_pick(client, cast):
    worker = factories.contact(cast.sales_north, last_name="Worker")
    first = factories.contact(cast.sales_north, first_name="John", last_name="Smith", emails=["john1@example.test"])
    second = factories.contact(cast.sales_north, first_name="John", last_name="Smith", emails=["john2@example.test"])
    client.force_login(cast.sales_north)
    response = client.post(add_url(worker), {"kind": "partner", "other": "John Smith"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "Several records are called" in body and 'data-testid="relationship-candidates"' in body
    assert "john1@example.test" in body and "john2@example.test" in body
    assert not Relationship.objects.exists()
    response = client.post(
        add_url(worker), {"kind": "partner", "other": "John Smith", "other_ref": f"contact:{second.public_id}"}
    )
    assert response.status_code == 302
    assert Relationship.objects.get().to_contact == second != first


def test_a_forged_pick_of_an_invisible_record_is_refused(client, cast):
    worker = factories.contact(cast.sales_north, last_name="Worker")
    south = factories.contact(cast.sales_south, last_name="Hidden")
    client.force_login(cast.sales_north)
    response = client.post(
        add_url(worker), {"kind": "partner", "other": "x", "other_ref": f"contact:{south.public_id}"}
    )
    assert response.status_code == 422 and "no longer available" in response.content.decode()
    assert not Relationship.objects.exists()


def test_writer_removes_a_relationship_from_either_side(client, cast):
    worker = factories.contact(cast.sales_north, last_name="Worker")
    boss = factories.contact(cast.sales_north, last_name="Boss")
    link = actions.relationship_create(actor=cast.sales_north, from_party=worker, to_party=boss, kind="reports_to")
    client.force_login(cast.sales_north)
    remove = reverse("parties:contact_relationship_remove", args=[boss.public_id, link.public_id])
    assert remove in detail(client, boss)
    assert client.get(remove).status_code == 405
    response = client.post(remove, follow=True)
    assert "Relationship with “Person Worker” removed." in response.content.decode()
    assert not Relationship.objects.exists()
    assert Event.objects.filter(action="contact.relationship_remove").count() == 2


def test_a_relationship_is_removed_only_through_a_page_it_belongs_to(client, cast):
    worker = factories.contact(cast.sales_north, last_name="Worker")
    boss = factories.contact(cast.sales_north, last_name="Boss")
    bystander = factories.contact(cast.sales_north, last_name="Bystander")
    link = actions.relationship_create(actor=cast.sales_north, from_party=worker, to_party=boss, kind="reports_to")
    client.force_login(cast.sales_north)
    wrong = reverse("parties:contact_relationship_remove", args=[bystander.public_id, link.public_id])
    assert client.post(wrong).status_code == 404
    assert Relationship.objects.exists()


def test_read_only_user_sees_relationships_without_the_add_and_remove_controls(client, cast):
    worker = factories.contact(cast.sales_north, last_name="Worker")
    boss = factories.contact(cast.sales_north, last_name="Boss")
    link = actions.relationship_create(actor=cast.sales_north, from_party=worker, to_party=boss, kind="reports_to")
    client.force_login(cast.readonly_north)
    page = detail(client, worker)
    assert "Boss" in page
    assert 'data-testid="relationship-form"' not in page and "/remove/" not in page
    assert client.post(add_url(worker), {"kind": "family", "other": "Boss"}).status_code == 403
    remove = reverse("parties:contact_relationship_remove", args=[worker.public_id, link.public_id])
    assert client.post(remove).status_code == 403
    assert Relationship.objects.count() == 1


def test_another_teams_page_cannot_be_used_to_add_or_remove(client, cast):
    south = factories.contact(cast.sales_south, last_name="Southerner")
    other = factories.contact(cast.sales_south, last_name="Southmate")
    link = actions.relationship_create(actor=cast.sales_south, from_party=south, to_party=other, kind="family")
    client.force_login(cast.sales_north)
    assert client.post(add_url(south), {"kind": "family", "other": "Southmate"}).status_code == 404
    remove = reverse("parties:contact_relationship_remove", args=[south.public_id, link.public_id])
    assert client.post(remove).status_code == 404
    assert Relationship.objects.count() == 1


def test_party_suggestions_name_only_visible_contacts_and_organizations(client, cast):
    factories.contact(cast.sales_north, first_name="Nora", last_name="Northcott", emails=["nora@example.test"])
    factories.organization(cast.sales_north, name="Northwind Traders")
    factories.contact(cast.sales_south, first_name="Nils", last_name="Northsouth")
    client.force_login(cast.sales_north)
    body = client.get(reverse("parties:party_suggest"), {"other": "north"}).content.decode()
    assert 'value="Nora Northcott"' in body and "nora@example.test" in body
    assert 'value="Northwind Traders"' in body
    assert "Northsouth" not in body
    assert client.get(reverse("parties:party_suggest"), {"other": "n"}).content.decode().strip() == ""


def test_history_includes_the_events_of_records_merged_into_this_one(client, cast):
    keeper = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    merged = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovacs")
    actions.contact_update(actor=cast.sales_north, contact=merged, values={"title": "Chief Archivist"})
    actions.contact_merge(
        actor=cast.admin, survivor=keeper, duplicates=[queries.contact_get(cast.admin, merged.public_id)]
    )
    client.force_login(cast.sales_north)
    page = detail(client, keeper)
    history = page[page.index('id="history"') :]
    assert "Chief Archivist" in history
    assert "on a record since merged into this one" in history


def test_writers_get_a_possible_duplicates_link_and_readers_do_not(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Twin")
    organization = factories.organization(cast.sales_north, name="Twin Co")
    client.force_login(cast.sales_north)
    assert reverse("merge:duplicates", args=["contact", contact.public_id]) in detail(client, contact)
    assert reverse("merge:duplicates", args=["organization", organization.public_id]) in detail(
        client, organization, "organization"
    )
    client.force_login(cast.readonly_north)
    assert "Possible duplicates" not in detail(client, contact)


def test_detail_page_with_relationships_runs_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    center = factories.contact(cast.sales_north, last_name="Center")
    for n in range(12):
        other = factories.contact(cast.sales_north, last_name=f"Satellite{n}")
        actions.relationship_create(actor=cast.sales_north, from_party=center, to_party=other, kind="partner")
        organization = factories.organization(cast.sales_north, name=f"Org{n}")
        actions.relationship_create(actor=cast.sales_north, from_party=organization, to_party=center, kind="supplier")
    client.force_login(cast.sales_north)
    # two more than a page without relationships: who may see the other sides in the history
    # the deals panel is one, the documents panel four, the activities panel ten (its timeline names
    # the other sides of the relationships too, and one for the meetings the contact attended, so
    # that a long timeline is read along its index), the e-mails panel one and the SMS panel one; the
    # privacy app five (restricted fields; the panel's consents, objections, requests and purposes)
    with django_assert_max_num_queries(42):
        page = detail(client, center)
    assert "Satellite11" in page and "Org11" in page
