"""The possible-duplicates page and the merge page."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clientela.core.models import Event
from clientela.parties import actions
from clientela.parties.models import Contact
from clientela.testing import factories

XSS = "<script>alert(1)</script>"


def duplicates_url(record, entity="contact"):
    return reverse("merge:duplicates", args=[entity, record.public_id])


def merge_url(survivor, *others, entity="contact"):
    return (
        reverse("merge:merge", args=[entity, survivor.public_id])
        + "?"
        + "&".join(f"with={o.public_id}" for o in others)
    )


def test_admin_sees_possible_duplicates_with_reasons(client, cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    factories.contact(cast.sales_south, first_name="Anna", last_name="Kovacs", emails=["anna@x.example"])
    client.force_login(cast.admin)
    page = client.get(duplicates_url(anna))
    assert page.status_code == 200
    text = page.content.decode()
    assert "same e-mail anna@x.example" in text and "same name" in text
    assert 'name="with"' in text


def test_another_teams_duplicate_is_not_listed_and_its_pages_are_404(client, cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@x.example"])
    south = factories.contact(
        cast.sales_south, first_name="Anna", last_name="Kovacs", emails=["anna@x.example"], title="Southern secret"
    )
    client.force_login(cast.sales_north)
    page = client.get(duplicates_url(anna)).content.decode()
    assert "No likely duplicates" in page and "Southern" not in page
    assert client.get(duplicates_url(south)).status_code == 404
    assert client.get(merge_url(south, anna)).status_code == 404
    assert client.get(merge_url(anna, south)).status_code == 404
    assert client.post(merge_url(anna), {"with": [str(south.public_id)]}).status_code == 404
    assert not Contact.all_objects.get(pk=south.pk).in_trash


def test_an_unknown_kind_of_record_is_404(client, cast):
    anna = factories.contact(cast.sales_north)
    client.force_login(cast.admin)
    assert client.get(reverse("merge:duplicates", args=["deal", anna.public_id])).status_code == 404


def test_merge_page_shows_fields_side_by_side_and_merging_keeps_the_choices(client, cast):
    anna = factories.contact(
        cast.sales_north, first_name="Anna", last_name="Kovács", title="CFO", emails=["anna@x.example"]
    )
    twin = factories.contact(
        cast.sales_north_2,
        first_name="Anna",
        last_name="Kovacs",
        title="CEO",
        occupation="Engineer",
        emails=["anna@home.example"],
    )
    client.force_login(cast.sales_north)
    page = client.get(merge_url(anna, twin))
    assert page.status_code == 200
    text = page.content.decode()
    for value in ("CFO", "CEO", "Engineer", "anna@x.example", "anna@home.example", "Keep this one instead"):
        assert value in text, value
    assert f'name="choice:title" value="{anna.public_id}" checked' in text
    assert f'name="choice:occupation" value="{twin.public_id}" checked' in text

    response = client.post(
        merge_url(anna),
        {
            "with": [str(twin.public_id)],
            "choice:title": str(twin.public_id),
            "choice:last_name": str(anna.public_id),
            f"version:{anna.public_id}": anna.version,
            f"version:{twin.public_id}": twin.version,
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("parties:contact_detail", args=[anna.public_id])
    anna.refresh_from_db()
    assert (anna.title, anna.last_name, anna.occupation) == ("CEO", "Kovács", "Engineer")
    assert Contact.all_objects.get(pk=twin.pk).in_trash
    assert sorted(anna.points.values_list("value", flat=True)) == ["anna@home.example", "anna@x.example"]


def test_keeping_the_other_record_is_one_click(client, cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    twin = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovacs")
    client.force_login(cast.sales_north)
    text = client.get(merge_url(anna, twin)).content.decode()
    assert reverse("merge:merge", args=["contact", twin.public_id]) + f"?with={anna.public_id}" in text


def test_a_stale_merge_shows_the_conflict_and_merges_nothing(client, cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    twin = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovacs")
    client.force_login(cast.sales_north)
    versions = {f"version:{anna.public_id}": anna.version, f"version:{twin.public_id}": twin.version}
    actions.contact_update(actor=cast.sales_north_2, contact=twin, values={"title": "Prof."})
    response = client.post(merge_url(anna), {"with": [str(twin.public_id)], **versions})
    assert response.status_code == 409
    assert "Someone changed these records meanwhile" in response.content.decode()
    assert not Event.objects.filter(kind="merged").exists()
    assert f'name="version:{twin.public_id}" value="{twin.version + 1}"' in response.content.decode()


def test_a_read_only_user_may_not_merge(client, cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács")
    twin = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovacs")
    client.force_login(cast.readonly_north)
    assert client.get(duplicates_url(anna)).status_code == 200
    assert 'name="with"' not in client.get(duplicates_url(anna)).content.decode()
    assert client.get(merge_url(anna, twin)).status_code == 403
    assert client.post(merge_url(anna), {"with": [str(twin.public_id)]}).status_code == 403
    assert not Contact.all_objects.get(pk=twin.pk).in_trash


def test_merge_without_other_records_goes_back_to_the_duplicates(client, cast):
    anna = factories.contact(cast.sales_north)
    client.force_login(cast.sales_north)
    response = client.get(merge_url(anna))
    assert response.status_code == 302 and response["Location"] == duplicates_url(anna)


def test_organizations_merge_through_the_page(client, cast):
    acme = factories.organization(cast.sales_north, name="Acme Kft.")
    twin = factories.organization(cast.sales_north, name="ACME", tax_id="12345678-2-42")
    client.force_login(cast.admin)
    assert "same name" in client.get(duplicates_url(acme, "organization")).content.decode()
    response = client.post(
        reverse("merge:merge", args=["organization", acme.public_id]), {"with": [str(twin.public_id)]}
    )
    assert response.status_code == 302
    acme.refresh_from_db()
    assert acme.tax_id == "12345678-2-42"


def test_names_stay_inert_on_the_pages(client, cast):
    anna = factories.contact(cast.sales_north, first_name=XSS, last_name="Kovács", emails=["a@x.example"])
    twin = factories.contact(cast.sales_north, first_name="Anna", last_name=XSS, emails=["a@x.example"])
    client.force_login(cast.sales_north)
    for url in (duplicates_url(anna), merge_url(anna, twin)):
        text = client.get(url).content.decode()
        assert XSS not in text and "&lt;script&gt;" in text


def test_the_duplicates_page_runs_the_same_queries_whatever_the_number_of_candidates(client, cast):
    anna = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["a@x.example"])
    factories.contact(cast.sales_north, first_name="Anna", last_name="Kovacs")
    client.force_login(cast.sales_north)
    client.get(duplicates_url(anna))  # session warm-up
    with CaptureQueriesContext(connection) as few:
        assert client.get(duplicates_url(anna)).status_code == 200
    for n in range(6):
        factories.contact(
            cast.sales_north, first_name="Anna", last_name="Kovács", emails=["a@x.example"], tags=[f"t{n}"]
        )
    with CaptureQueriesContext(connection) as many:
        text = client.get(duplicates_url(anna)).content.decode()
    assert text.count('name="with"') == 7
    assert len(many) == len(few)


def test_the_merge_page_runs_a_bounded_number_of_queries(client, cast, django_assert_max_num_queries):
    anna = factories.contact(
        cast.sales_north,
        first_name="Anna",
        last_name="Kovács",
        tags=["a", "b", "c"],
        emails=["a@x.example", "b@x.example"],
    )
    twins = [factories.contact(cast.sales_north, first_name="Anna", last_name="Kovacs") for _n in range(3)]
    client.force_login(cast.sales_north)
    client.get(merge_url(anna, *twins))
    with django_assert_max_num_queries(40):
        assert client.get(merge_url(anna, *twins)).status_code == 200
