"""The contact and organization 360° pages, trash and restore."""

from __future__ import annotations

from django.urls import reverse

from clientela.parties import actions, queries
from clientela.testing import factories

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_sales_north_gets_404_on_a_south_contact_page(client, cast):
    south = factories.contact(cast.sales_south, last_name="Southman")
    client.force_login(cast.sales_north)
    assert client.get(reverse("parties:contact_detail", args=[south.public_id])).status_code == 404
    assert client.get(reverse("parties:contact_edit", args=[south.public_id])).status_code == 404
    assert client.post(reverse("parties:contact_trash", args=[south.public_id])).status_code == 404
    organization = factories.organization(cast.sales_south, name="South Ltd")
    assert client.get(reverse("parties:organization_detail", args=[organization.public_id])).status_code == 404


def test_contact_page_shows_profile_points_organizations_custom_fields_and_later_sections(client, cast):
    actions.custom_field_create(
        actor=cast.admin, values={"entity": "contact", "key": "shoe", "label": "Shoe size", "type": "number"}
    )
    organization = factories.organization(cast.sales_north, name="Acme Kft")
    hidden_org = factories.organization(cast.sales_south, name="Hidden South")
    contact = factories.contact(
        cast.sales_north,
        first_name="Anna",
        last_name="Kovács",
        title="CFO",
        emails=["anna@example.test"],
        phones=["+36 1 234 5678"],
        tags=["vip"],
        custom={"shoe": 38},
        organizations=[{"organization": organization, "role": "buyer"}],
    )
    actions.contact_update(
        actor=cast.admin,
        contact=contact,
        collections=actions.Collections(
            affiliations=[
                {"organization": organization, "role": "buyer"},
                {"organization": hidden_org, "role": "spy"},
            ]
        ),
        values={},
    )
    client.force_login(cast.sales_north)
    page = client.get(reverse("parties:contact_detail", args=[contact.public_id])).content.decode()
    for text in (
        "Anna Kovács",
        "CFO",
        "anna@example.test",
        "+36 1 234 5678",
        "Acme Kft",
        "buyer",
        "vip",
        "Shoe size",
        "38",
        'data-testid="party-deals"',
        "No deals yet.",
        "Service tickets",
    ):
        assert text in page, text
    assert "Hidden South" not in page and "spy" not in page
    assert "1 more organization you cannot see" in page


def test_organization_page_lists_only_visible_people(client, cast):
    organization = factories.organization(cast.admin, name="Shared Co", team=cast.north, owner=cast.sales_north)
    factories.contact(cast.sales_north, last_name="Visible", organizations=[{"organization": organization}])
    south = factories.contact(cast.sales_south, last_name="Invisible")
    actions.contact_update(
        actor=cast.admin,
        contact=south,
        values={},
        collections=actions.Collections(affiliations=[{"organization": organization}]),
    )
    client.force_login(cast.sales_north)
    page = client.get(reverse("parties:organization_detail", args=[organization.public_id])).content.decode()
    assert "Visible" in page and "Invisible" not in page
    assert "1 more person you cannot see" in page


def test_history_shows_who_changed_which_field_from_old_to_new(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Smith", title="Clerk")
    actions.contact_update(actor=cast.sales_north_2, contact=contact, values={"title": "Director"}, expected_version=1)
    client.force_login(cast.sales_north)
    page = client.get(reverse("parties:contact_detail", args=[contact.public_id])).content.decode()
    history = page[page.index('id="history"') :]
    assert "Sales North_2" in history or "Sales 2" in history or cast.sales_north_2.display_name in history
    assert "Clerk" in history and "Director" in history
    assert history.index("Director") < history.index("Clerk") or "→" in history


def test_script_payloads_render_escaped_on_the_360_page_and_in_history(client, cast):
    actions.custom_field_create(
        actor=cast.admin, values={"entity": "contact", "key": "motto", "label": "Motto", "type": "text"}
    )
    contact = factories.contact(
        cast.sales_north, first_name=XSS, last_name=XSS, tags=[XSS], custom={"motto": XSS}, notes=XSS
    )
    actions.contact_update(actor=cast.sales_north, contact=contact, values={"title": XSS})
    organization = factories.organization(cast.sales_north, name=XSS, notes=XSS)
    client.force_login(cast.sales_north)
    for url in (
        reverse("parties:contact_detail", args=[contact.public_id]),
        reverse("parties:organization_detail", args=[organization.public_id]),
        reverse("parties:contact_edit", args=[contact.public_id]),
        reverse("site:home"),
    ):
        body = client.get(url).content.decode()
        assert XSS not in body, url
        assert ESCAPED in body, url


def test_detail_page_runs_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    organization = factories.organization(cast.sales_north, name="Acme")
    contact = factories.contact(cast.sales_north, last_name="Busy", organizations=[{"organization": organization}])
    for n in range(30):
        actions.contact_update(actor=cast.sales_north, contact=contact, values={"title": f"T{n}"})
    client.force_login(cast.sales_north)
    # 21 without the activities panel (the sales panels are four: deals; quotes, orders, invoices); one
    # more for each level of records merged into merged records. The activities panel reads at most ten:
    # open tasks, merges, a page of activities and one of events, the names its changes refer to (up
    # to four kinds of records), the deals and the people its quick forms offer. A contact's page adds five
    # of the privacy app: the fields its person restricted, and the panel's consents, objections, requests and
    # purposes.
    with django_assert_max_num_queries(38):  # with the sales panels (deals; quotes, orders, invoices; what is owed)
        assert client.get(reverse("parties:contact_detail", args=[contact.public_id])).status_code == 200
    with django_assert_max_num_queries(33):
        assert client.get(reverse("parties:organization_detail", args=[organization.public_id])).status_code == 200


def test_read_only_user_sees_no_edit_buttons_and_gets_403_on_changes(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Watched")
    client.force_login(cast.readonly_north)
    page = client.get(reverse("parties:contact_detail", args=[contact.public_id])).content.decode()
    assert "Watched" in page
    assert ">Edit<" not in page and "Move to trash" not in page
    assert client.get(reverse("parties:contact_edit", args=[contact.public_id])).status_code == 403
    assert client.post(reverse("parties:contact_edit", args=[contact.public_id]), {}).status_code == 403
    assert client.post(reverse("parties:contact_trash", args=[contact.public_id])).status_code == 403
    assert client.get(reverse("parties:contact_new")).status_code == 403
    assert client.post(reverse("parties:contact_new"), {"last_name": "X"}).status_code == 403


def test_trash_and_restore_from_the_pages(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Binned")
    south = factories.contact(cast.sales_south, last_name="SouthBinned")
    actions.contact_trash(actor=cast.sales_south, contact=south)
    client.force_login(cast.sales_north)
    response = client.post(reverse("parties:contact_trash", args=[contact.public_id]), follow=True)
    assert "moved to the trash" in response.content.decode()
    assert client.get(reverse("parties:contact_detail", args=[contact.public_id])).status_code == 404
    trash = client.get(reverse("parties:trash")).content.decode()
    assert "Binned" in trash and "SouthBinned" not in trash
    assert client.post(reverse("parties:contact_restore", args=[south.public_id])).status_code == 404
    restored = client.post(reverse("parties:contact_restore", args=[contact.public_id]), follow=True)
    assert restored.status_code == 200 and "restored" in restored.content.decode()
    assert queries.contacts_visible(cast.sales_north).filter(pk=contact.pk).exists()


def test_trash_and_restore_are_post_only(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Safe")
    client.force_login(cast.sales_north)
    assert client.get(reverse("parties:contact_trash", args=[contact.public_id])).status_code == 405
    assert client.get(reverse("parties:contact_restore", args=[contact.public_id])).status_code == 405


def test_relationships_show_only_parties_the_user_can_see(client, cast):
    boss = factories.contact(cast.sales_north, last_name="Boss")
    worker = factories.contact(cast.sales_north, last_name="Worker")
    outsider = factories.contact(cast.admin, last_name="Outsider", team=cast.south, owner=cast.sales_south)
    actions.relationship_create(actor=cast.sales_north, from_party=worker, to_party=boss, kind="reports_to")
    actions.relationship_create(actor=cast.admin, from_party=worker, to_party=outsider, kind="family")
    client.force_login(cast.sales_north)
    page = client.get(reverse("parties:contact_detail", args=[worker.public_id])).content.decode()
    assert "Boss" in page and "Outsider" not in page
    other_side = client.get(reverse("parties:contact_detail", args=[boss.public_id])).content.decode()
    assert "Worker" in other_side


def test_history_names_address_and_relationship_changes(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Mover")
    actions.contact_update(
        actor=cast.sales_north,
        contact=contact,
        values={},
        collections=actions.Collections(addresses=[{"label": "home", "city": "Pécs"}]),
    )
    other = factories.contact(cast.sales_north, last_name="Friend")
    actions.relationship_create(actor=cast.sales_north, from_party=contact, to_party=other, kind="partner")
    client.force_login(cast.sales_north)
    response = client.get(reverse("parties:contact_detail", args=[contact.public_id]))
    assert response.status_code == 200
    history = response.content.decode()[response.content.decode().index('id="history"') :]
    assert "Addresses" in history and "Pécs" in history
    assert "Relationships" in history and "Person Mover partner of Person Friend" in history
