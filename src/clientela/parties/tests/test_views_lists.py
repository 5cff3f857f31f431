"""The contact and organization list pages: scope, filters, sorting, pages, views, bulk actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clientela.parties import actions, queries
from clientela.parties.models import Contact, SavedView
from clientela.testing import factories

XSS = "<script>alert(1)</script>"


def _login(client, user):
    client.force_login(user)
    return client


def test_sales_north_list_never_shows_south_contacts(client, cast):
    factories.contact(cast.sales_north, last_name="Northman")
    factories.contact(cast.sales_south, last_name="Southman")
    page = _login(client, cast.sales_north).get(reverse("parties:contact_list")).content.decode()
    assert "Northman" in page
    assert "Southman" not in page


def test_search_filter_on_the_list_stays_within_the_users_scope(client, cast):
    factories.contact(cast.sales_south, last_name="Southman", emails=["shared@example.test"])
    page = (
        _login(client, cast.sales_north).get(reverse("parties:contact_list"), {"q": "shared@example"}).content.decode()
    )
    assert "Southman" not in page
    assert "Nothing matches these filters" in page


def test_list_filters_by_stage_tag_and_owner(client, cast):
    factories.contact(cast.sales_north, last_name="Customerish", lifecycle_stage="customer", tags=["vip"])
    factories.contact(cast.sales_north_2, last_name="Prospective", lifecycle_stage="prospect")
    _login(client, cast.manager_north)
    url = reverse("parties:contact_list")
    by_stage = client.get(url, {"stage": "customer"}).content.decode()
    assert "Customerish" in by_stage and "Prospective" not in by_stage
    by_tag = client.get(url, {"tag": "vip"}).content.decode()
    assert "Customerish" in by_tag and "Prospective" not in by_tag
    by_owner = client.get(url, {"owner": str(cast.sales_north_2.pk)}).content.decode()
    assert "Prospective" in by_owner and "Customerish" not in by_owner


def test_list_filters_by_choice_and_boolean_custom_fields(client, cast):
    actions.custom_field_create(
        actor=cast.admin,
        values={"entity": "contact", "key": "tier", "label": "Tier", "type": "choice", "choices": ["gold", "silver"]},
    )
    actions.custom_field_create(
        actor=cast.admin, values={"entity": "contact", "key": "vip", "label": "VIP", "type": "boolean"}
    )
    factories.contact(cast.sales_north, last_name="Goldie", custom={"tier": "gold", "vip": True})
    factories.contact(cast.sales_north, last_name="Silvery", custom={"tier": "silver", "vip": False})
    _login(client, cast.sales_north)
    url = reverse("parties:contact_list")
    gold = client.get(url, {"cf_tier": "gold"}).content.decode()
    assert "Goldie" in gold and "Silvery" not in gold
    not_vip = client.get(url, {"cf_vip": "no"}).content.decode()
    assert "Silvery" in not_vip and "Goldie" not in not_vip
    ignored = client.get(url, {"cf_tier": "platinum", "cf_unknown": "x"}).content.decode()
    assert "Goldie" in ignored and "Silvery" in ignored


def test_list_sorts_by_a_column_both_ways(client, cast):
    factories.contact(cast.sales_north, last_name="Aardvark")
    factories.contact(cast.sales_north, last_name="Zebra")
    _login(client, cast.sales_north)
    url = reverse("parties:contact_list")
    ascending = client.get(url, {"sort": "name"}).content.decode()
    descending = client.get(url, {"sort": "-name"}).content.decode()
    assert ascending.index("Aardvark") < ascending.index("Zebra")
    assert descending.index("Zebra") < descending.index("Aardvark")
    assert client.get(url, {"sort": "password"}).status_code == 200


def test_malformed_list_parameters_are_ignored_not_errors(client, cast):
    _login(client, cast.sales_north)
    url = reverse("parties:contact_list")
    for params in (
        {"page": "x"},
        {"page": "99999999999999999999"},
        {"owner": "1" * 40},
        {"team": "²"},
        {"q": "a\x00b"},
        {"stage": "<b>"},
        {"page": "-3"},
    ):
        assert client.get(url, params).status_code == 200


def test_list_paginates(client, cast, settings):
    for n in range(55):
        factories.contact(cast.sales_north, last_name=f"Paged{n:02d}")
    _login(client, cast.sales_north)
    url = reverse("parties:contact_list")
    first = client.get(url).content.decode()
    second = client.get(url, {"page": "2"}).content.decode()
    assert "Paged00" in first and "Paged54" not in first
    assert "Paged54" in second and "Paged00" not in second
    assert "51–55 of 55" in second


def test_htmx_request_gets_only_the_results_partial(client, cast):
    factories.contact(cast.sales_north, last_name="Partial")
    _login(client, cast.sales_north)
    response = client.get(reverse("parties:contact_list"), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'id="results"' in body and "Partial" in body
    assert "<html" not in body


@pytest.mark.parametrize("count", [5, 60])
def test_list_page_runs_the_same_number_of_queries_whatever_the_data(
    client, cast, count, django_assert_max_num_queries
):
    organization = factories.organization(cast.sales_north, name="Acme")
    for n in range(count):
        factories.contact(
            cast.sales_north,
            last_name=f"Q{n}",
            tags=["a", "b"],
            organizations=[{"organization": organization, "role": "buyer"}],
        )
    _login(client, cast.sales_north)
    with django_assert_max_num_queries(15):  # one of them: the fields the people restricted (privacy)
        response = client.get(reverse("parties:contact_list"))
    assert response.status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("parties:organization_list")).status_code == 200


def test_names_with_script_tags_render_escaped_in_the_list(client, cast):
    factories.contact(cast.sales_north, first_name=XSS, last_name=XSS, tags=[XSS])
    factories.organization(cast.sales_north, name=XSS)
    _login(client, cast.sales_north)
    for url in (reverse("parties:contact_list"), reverse("parties:organization_list")):
        body = client.get(url).content.decode()
        assert XSS not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_saved_view_keeps_known_filters_and_can_be_shared(client, cast):
    _login(client, cast.sales_north)
    response = client.post(
        reverse("parties:saved_view_save", args=["contact"]),
        {"name": "My customers", "query": "stage=customer&evil=1&q=acme", "is_shared": "1"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get(user=cast.sales_north)
    assert view.query_string == "q=acme&stage=customer" and view.is_shared
    other = client.__class__()
    other.force_login(cast.sales_south)
    assert "My customers" in other.get(reverse("parties:contact_list")).content.decode()
    # only the owner may delete it
    assert other.post(reverse("parties:saved_view_delete", args=["contact", view.pk])).status_code == 404
    assert client.post(reverse("parties:saved_view_delete", args=["contact", view.pk])).status_code == 302
    assert not SavedView.objects.exists()


def test_bulk_assign_changes_visible_rows_and_reports_the_rest(client, cast):
    mine = factories.contact(cast.sales_north, last_name="Mine")
    theirs = factories.contact(cast.sales_south, last_name="Theirs")
    _login(client, cast.sales_north)
    response = client.post(
        reverse("parties:contact_bulk"),
        {
            "operation": "assign",
            "owner": str(cast.sales_north_2.pk),
            "ids": [str(mine.public_id), str(theirs.public_id)],
        },
        follow=True,
    )
    page = response.content.decode()
    assert "1 record changed" in page
    assert "1 selected record was not found" in page
    assert "Theirs" not in page
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.owner == cast.sales_north_2
    assert theirs.owner == cast.sales_south and theirs.version == 1


def test_bulk_assign_to_someone_outside_the_team_is_refused(client, cast):
    mine = factories.contact(cast.sales_north, last_name="Mine")
    _login(client, cast.sales_north)
    response = client.post(
        reverse("parties:contact_bulk"),
        {"operation": "assign", "owner": str(cast.sales_south.pk), "ids": [str(mine.public_id)]},
        follow=True,
    )
    assert "Choose the new owner" in response.content.decode()
    mine.refresh_from_db()
    assert mine.owner == cast.sales_north


def test_bulk_tag_and_trash_through_htmx_return_the_updated_results(client, cast):
    one = factories.contact(cast.sales_north, last_name="One")
    two = factories.contact(cast.sales_north, last_name="Two")
    _login(client, cast.sales_north)
    url = reverse("parties:contact_bulk")
    tagged = client.post(url, {"operation": "tag", "tag": "hot", "ids": [str(one.public_id)]}, HTTP_HX_REQUEST="true")
    assert 'class="tag">hot<' in tagged.content.decode()
    trashed = client.post(url, {"operation": "trash", "ids": [str(two.public_id)]}, HTTP_HX_REQUEST="true")
    body = trashed.content.decode()
    assert "1 record changed" in body and ">Two<" not in body
    assert queries.contacts_visible(cast.sales_north, trash=True).filter(pk=two.pk).exists()


def test_bulk_trash_by_a_role_that_may_not_delete_reports_each_row(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Kept")
    _login(client, cast.service_north)
    response = client.post(
        reverse("parties:contact_bulk"), {"operation": "trash", "ids": [str(contact.public_id)]}, follow=True
    )
    assert "Not changed — Person Kept" in response.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()


def test_read_only_user_sees_no_bulk_actions_and_gets_403_on_post(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Watched")
    _login(client, cast.readonly_north)
    page = client.get(reverse("parties:contact_list")).content.decode()
    assert "Watched" in page and "Apply to selected" not in page and "New contact" not in page
    response = client.post(reverse("parties:contact_bulk"), {"operation": "trash", "ids": [str(contact.public_id)]})
    assert response.status_code == 403


def test_the_list_offers_its_filtered_rows_as_csv_and_xlsx(client, cast):
    factories.contact(cast.sales_north, last_name="Exported", lifecycle_stage="customer")
    factories.contact(cast.sales_north, last_name="Left", lifecycle_stage="target")
    client.force_login(cast.sales_north)
    page = client.get(reverse("parties:contact_list"), {"stage": "customer"}).content.decode()
    links = [
        part.split('"', 1)[0].replace("&amp;", "&")
        for part in page.split('data-testid="export"')[1].split('href="')[1:3]
    ]
    assert [link.rsplit("format=", 1)[1] for link in links] == ["csv", "xlsx"]
    csv_body = b"".join(client.get(links[0]).streaming_content).decode("utf-8-sig")
    assert "Exported" in csv_body and "Left" not in csv_body
    workbook = client.get(links[1])
    assert workbook.status_code == 200
    assert workbook["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_moving_a_record_to_the_trash_can_be_undone_from_the_message(client, cast):
    contact = factories.contact(cast.sales_north, last_name="Regretted")
    client.force_login(cast.sales_north)
    listing = client.post(reverse("parties:contact_trash", args=[contact.public_id]), follow=True).content.decode()
    assert "moved to the trash" in listing and 'data-testid="undo"' in listing
    undo = listing.split('data-testid="undo"')[0].rsplit('action="', 1)[1].split('"', 1)[0]
    assert undo == reverse("parties:contact_restore", args=[contact.public_id])
    assert client.post(undo).status_code == 302
    contact.refresh_from_db()
    assert contact.deleted_at is None


def test_a_filtered_list_keeps_one_clean_address_per_state(client, cast):
    client.force_login(cast.sales_north)
    path = reverse("parties:contact_list")
    # What a filter form sent after several changes: repeated and empty parameters.
    messy = "q=ann&stage=&q=anna&stage=customer&owner=&owner=me&tag=&stage=customer&page=1"
    response = client.get(f"{path}?{messy}", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    pushed = response["HX-Push-Url"]
    assert pushed.startswith(path + "?") and len(pushed) < len(path) + 40
    params = pushed.split("?", 1)[1].split("&")
    assert len(params) == len({p.split("=")[0] for p in params})  # each parameter once
    assert "stage=customer" in params and "owner=me" in params and not any(p.endswith("=") for p in params)
    page = client.get(path).content.decode()
    assert f'hx-get="{path}"' in page  # the form starts from the list's address, not the current query


def test_the_reader_chooses_how_many_rows_a_page_shows(client, cast):
    for n in range(30):
        factories.contact(cast.sales_north, last_name=f"Row{n:02d}")
    client.force_login(cast.sales_north)
    path = reverse("parties:contact_list")
    first = client.get(path).content.decode()
    assert 'data-testid="page-sizes"' in first and "Row29" in first  # 50 a page by default
    small = client.get(path, {"size": "25"}).content.decode()
    assert "Row24" in small and "Row25" not in small and 'rel="next"' in small
    assert "size=25" in small.split('rel="next" href="')[1].split('"', 1)[0]  # paging keeps the choice
    assert "Row29" in client.get(path, {"size": "999"}).content.decode()  # not offered: the default
    pushed = client.get(path, {"size": "100", "page": "1"}, HTTP_HX_REQUEST="true")["HX-Push-Url"]
    assert pushed.endswith("?size=100")


def test_a_bulk_action_can_take_all_matching_rows_once_their_count_is_confirmed(client, cast):
    for n in range(30):
        factories.contact(cast.sales_north, last_name=f"Bulk{n:02d}", lifecycle_stage="customer")
    factories.contact(cast.sales_north, last_name="Outsider", lifecycle_stage="target")
    factories.contact(cast.sales_south, last_name="Southern", lifecycle_stage="customer")  # not visible
    client.force_login(cast.sales_north)
    page = client.get(reverse("parties:contact_list"), {"stage": "customer", "size": "25"}).content.decode()
    assert 'data-testid="all-matching"' in page and "all 30 matching rows" in page
    bulk = reverse("parties:contact_bulk")
    form = {"operation": "tag", "tag": "campaign", "all_matching": "1", "next_query": "stage=customer&size=25"}
    stale = client.post(bulk, {**form, "confirmed_count": "29"}, follow=True).content.decode()
    assert "30 rows match now" in stale
    assert not Contact.objects.filter(tags__name="campaign").exists()
    client.post(bulk, {**form, "confirmed_count": "30"})
    tagged = set(Contact.objects.filter(tags__name="campaign").values_list("last_name", flat=True))
    assert tagged == {f"Bulk{n:02d}" for n in range(30)}
