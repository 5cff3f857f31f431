"""Home, global search and the audit page."""

from __future__ import annotations

from django.urls import reverse

from clientela.parties import actions
from clientela.sales import actions as sales_actions
from clientela.testing import factories

XSS = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def test_pages_need_a_login(client, db):
    for name in ("site:home", "site:search", "core:audit", "parties:contact_list", "parties:trash"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_home_counts_and_recent_changes_are_scoped_to_the_user(client, cast):
    factories.contact(cast.sales_north, last_name="Northman", lifecycle_stage="customer")
    factories.organization(cast.sales_north, name="North Org")
    factories.contact(cast.sales_south, last_name="Southman")
    factories.contact(cast.sales_south, last_name="Southwoman")
    client.force_login(cast.sales_north)
    body = client.get(reverse("site:home")).content.decode()
    contact_count = body[body.index('data-testid="contact-count"') :][:200]
    assert '<span class="number">1</span>' in contact_count
    assert "Northman" in body and "North Org" in body
    assert "Southman" not in body and "Southwoman" not in body
    client.force_login(cast.admin)
    admin_body = client.get(reverse("site:home")).content.decode()
    assert "Southman" in admin_body


def test_home_runs_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    for n in range(20):
        factories.contact(cast.sales_north, last_name=f"H{n}")
    for n in range(20):
        sales_actions.deal_create(actor=cast.sales_north, values={"name": f"Deal {n}"})
    client.force_login(cast.sales_north)
    with django_assert_max_num_queries(19):  # 10 + my deals, stages, closing, stale, leads, quotes, invoices, tasks
        assert client.get(reverse("site:home")).status_code == 200


def test_search_finds_visible_contacts_and_organizations_only(client, cast):
    factories.contact(cast.sales_north, last_name="Zyxwv", emails=["zyxwv@example.test"])
    factories.organization(cast.sales_north, name="Zyxwv Holdings")
    factories.contact(cast.sales_south, last_name="Zyxwvsouth")
    client.force_login(cast.sales_north)
    page = client.get(reverse("site:search"), {"q": "zyxwv"}).content.decode()
    assert "Zyxwv Holdings" in page and "zyxwv@example.test" in page
    assert "Zyxwvsouth" not in page
    dropdown = client.get(reverse("site:search"), {"q": "zyxwv"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in dropdown and "Zyxwv Holdings" in dropdown and "Zyxwvsouth" not in dropdown
    assert "All results" in dropdown


def test_search_by_phone_digits(client, cast):
    factories.contact(cast.sales_north, last_name="Caller", phones=["+36 1 555 0199"])
    client.force_login(cast.sales_north)
    assert "Caller" in client.get(reverse("site:search"), {"q": "555 0199"}).content.decode()


def test_search_handles_odd_input(client, cast):
    client.force_login(cast.sales_north)
    for text in ("", "a", "\x00", "%", "_", "x" * 5000, "' OR 1=1 --"):
        assert client.get(reverse("site:search"), {"q": text}).status_code == 200
    assert "at least two" in client.get(reverse("site:search"), {"q": "a"}).content.decode()


def test_search_results_escape_script_payloads(client, cast):
    factories.contact(cast.sales_north, first_name=XSS, last_name="Payload")
    factories.organization(cast.sales_north, name=f"Payload {XSS}")
    client.force_login(cast.sales_north)
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        body = client.get(reverse("site:search"), {"q": "payload"}, **headers).content.decode()
        assert XSS not in body and ESCAPED in body
    body = client.get(reverse("site:search"), {"q": XSS}).content.decode()
    assert XSS not in body


def test_search_runs_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    for n in range(30):
        factories.contact(cast.sales_north, last_name=f"Many{n}")
    client.force_login(cast.sales_north)
    with django_assert_max_num_queries(8):
        assert client.get(reverse("site:search"), {"q": "many"}).status_code == 200


def test_audit_page_is_for_administrators_only(client, cast):
    client.force_login(cast.manager_north)
    assert client.get(reverse("core:audit")).status_code == 403
    client.force_login(cast.admin)
    assert client.get(reverse("core:audit")).status_code == 200


def test_audit_filters_by_actor_action_type_and_date_and_pages_by_cursor(client, cast, settings):
    contact = factories.contact(cast.sales_north, last_name="Audited")
    actions.contact_update(actor=cast.sales_north_2, contact=contact, values={"title": "Boss"})
    factories.organization(cast.sales_south, name="Audited Org")
    client.force_login(cast.admin)
    url = reverse("core:audit")
    by_actor = client.get(url, {"actor": "sales_north_2"}).content.decode()
    assert "<code>contact.update</code>" in by_actor and "<code>contact.create</code>" not in by_actor
    by_action = client.get(url, {"action": "organization."}).content.decode()
    assert "Audited Org" in by_action and "<code>contact.update</code>" not in by_action
    by_type = client.get(url, {"record_type": "parties.contact"}).content.decode()
    assert "Audited Org" not in by_type and "Audited" in by_type
    assert "<code>contact.update</code>" not in client.get(url, {"until": "2000-01-01"}).content.decode()
    for params in ({"since": "nonsense"}, {"before": "x"}, {"before": "9" * 40}):
        assert client.get(url, params).status_code == 200


def test_audit_cursor_pages_through_older_events(client, cast, django_assert_max_num_queries):
    from clientela.core import auditlog

    contact = factories.contact(cast.sales_north, last_name="Paged")
    for n in range(auditlog.PAGE_SIZE + 5):
        actions.contact_update(actor=cast.sales_north, contact=contact, values={"title": f"t{n}"})
    client.force_login(cast.admin)
    with django_assert_max_num_queries(6):
        first = client.get(reverse("core:audit")).content.decode()
    assert 'rel="next"' in first
    next_href = first.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
    second = client.get(reverse("core:audit") + next_href).content.decode()
    assert "<code>contact.create</code>" in second and 'rel="next"' not in second


def test_audit_page_shows_logged_values_as_people_read_them(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Readable", emails=["r@example.test"])
    actions.contact_trash(actor=cast.sales_north, contact=contact)
    client.force_login(cast.admin)
    body = client.get(reverse("core:audit")).content.decode()
    assert "r@example.test" in body and "[&#x27;r@example.test&#x27;]" not in body
    changes = body[body.index('class="c-changes"') :]
    assert "deleted_at" in changes and "+00:00<" not in changes and "T0" not in changes.split("</td>")[0]


def test_audit_values_are_shortened_and_formatted():
    from clientela.core import auditlog

    assert auditlog.shown_value(None) == "—"
    assert auditlog.shown_value([]) == "—"
    assert auditlog.shown_value(["a", "b"]) == "a, b"
    assert auditlog.shown_value({"b": 1, "a": None}) == "a: —; b: 1"
    assert len(auditlog.shown_value("x" * 1000)) == auditlog.MAX_SHOWN


def test_the_import_link_shows_only_to_roles_that_may_import(client, cast):
    client.force_login(cast.sales_north)
    assert b'href="/import/"' in client.get("/").content
    client.force_login(cast.readonly_north)
    assert b'href="/import/"' not in client.get("/").content


def test_audit_page_shows_people_and_records_by_name_not_id(client, cast):
    parent = factories.organization(cast.sales_north, name="Holding Named")
    child = factories.organization(cast.sales_north, name="Daughter")
    actions.organization_update(
        actor=cast.sales_north, organization=child, values={"parent": parent, "owner": cast.sales_north_2}
    )
    client.force_login(cast.admin)
    body = client.get(reverse("core:audit")).content.decode()
    cells = [part.split("</td>", 1)[0] for part in body.split('<td class="c-changes">')[1:]]
    changes = "".join(cells)
    assert "Holding Named" in changes and cast.sales_north_2.display_name in changes
    assert str(parent.public_id) not in changes and str(cast.sales_north_2.public_id) not in changes


def test_search_lists_people_called_so_before_people_whose_email_only_contains_it(client, cast):
    factories.contact(cast.sales_north, last_name="Aaron", emails=["a@nagykft.example"])
    factories.contact(cast.sales_north, first_name="Éva", last_name="Nagy", emails=["eva@example.test"])
    factories.organization(cast.sales_north, name="Alpha", emails=["office@nagy.example"])
    factories.organization(cast.sales_north, name="Nagy és Társa")
    client.force_login(cast.sales_north)
    for query in ("Nagy", "nagy"):
        body = client.get(reverse("site:search"), {"q": query}).content.decode()
        assert body.index("Éva Nagy") < body.index("Aaron"), query
        assert body.index("Nagy és Társa") < body.index("Alpha"), query


def test_logged_references_are_named_only_for_readers_who_may_see_the_record(cast):
    from clientela.core import recordtypes

    south = factories.organization(cast.sales_south, name="Southern Secret")
    north = factories.organization(cast.sales_north, name="Northern Open")
    ids = {str(south.public_id), str(north.public_id)}
    assert recordtypes.names_of(cast.sales_north, ids) == {str(north.public_id): "Northern Open"}
    assert set(recordtypes.names_of(cast.admin, ids).values()) == {"Southern Secret", "Northern Open"}
