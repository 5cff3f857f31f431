"""The deals list: the foundation's filters, sorting and page sizes, saved views kept by the
parties' saved-view mechanism, each reader seeing only the deals they may see, and a bounded
number of queries per page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clientela.core.errors import ValidationFailed
from clientela.parties import actions as parties_actions
from clientela.parties.models import SavedView
from clientela.sales import actions, listing, queries
from clientela.testing.cast import PASSWORD

URL = "/deals/"


def _client(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _names(response):
    assert response.status_code == 200
    return [deal.name for deal in response.context["page"].rows]


def _stage(name):
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline.stages.get(name=name)


@pytest.fixture
def deals(cast):
    today = timezone.localdate()
    rep, colleague = cast.sales_north, cast.sales_north_2
    made = {
        "Boiler": actions.deal_create(actor=rep, values={"name": "Boiler", "amount": "1000",
                                                         "expected_close_date": today - dt.timedelta(days=3)}),
        "Roof": actions.deal_create(actor=rep, values={"name": "Roof", "amount": "50",
                                                       "expected_close_date": today}),
        "Windows": actions.deal_create(actor=colleague, values={"name": "Windows", "amount": "700",
                                                                "stage": _stage("Proposal")}),
        "South": actions.deal_create(actor=cast.sales_south, values={"name": "South secret", "amount": "5"}),
    }  # fmt: skip
    won = actions.deal_create(actor=rep, values={"name": "Won pump", "amount": "300"})
    made["Won"] = actions.deal_move(actor=rep, deal=won, stage=_stage("Won"), expected_version=1)
    return made


def test_each_filter_narrows_the_list(cast, deals):
    client = _client(cast.sales_north)
    assert sorted(_names(client.get(URL))) == ["Boiler", "Roof", "Windows", "Won pump"]
    assert _names(client.get(URL, {"q": "roo"})) == ["Roof"]
    assert sorted(_names(client.get(URL, {"status": "open"}))) == ["Boiler", "Roof", "Windows"]
    assert _names(client.get(URL, {"status": "won"})) == ["Won pump"]
    assert _names(client.get(URL, {"stage": str(_stage("Proposal").public_id)})) == ["Windows"]
    assert _names(client.get(URL, {"owner": str(cast.sales_north_2.pk)})) == ["Windows"]
    assert sorted(_names(client.get(URL, {"owner": "me"}))) == ["Boiler", "Roof", "Won pump"]
    assert _names(client.get(URL, {"close": "overdue"})) == ["Boiler"]
    assert sorted(_names(client.get(URL, {"amount_min": "300", "amount_max": "999.5"}))) == ["Windows", "Won pump"]


def test_the_old_addresses_still_work(cast, deals):
    client = _client(cast.sales_north)
    assert sorted(_names(client.get(URL, {"mine": "1", "status": "open"}))) == ["Boiler", "Roof"]


def test_sorting_by_a_column_and_back(cast, deals):
    client = _client(cast.sales_north)
    assert _names(client.get(URL, {"sort": "amount"})) == ["Roof", "Won pump", "Windows", "Boiler"]
    assert _names(client.get(URL, {"sort": "-amount"})) == ["Boiler", "Windows", "Won pump", "Roof"]
    assert _names(client.get(URL, {"sort": "nonsense"})) == _names(client.get(URL))


def test_malformed_filters_are_ignored_and_the_page_answers(cast, deals):
    client = _client(cast.sales_north)
    response = client.get(URL, {"stage": "x", "owner": "'; drop", "amount_min": "abc", "size": "7", "page": "-3"})
    assert len(_names(response)) == 4


def test_another_teams_deals_never_show_whatever_the_filter(cast, deals):
    client = _client(cast.sales_north)
    assert _names(client.get(URL, {"owner": str(cast.sales_south.pk)})) == []
    assert _names(client.get(URL, {"team": str(cast.south.pk)})) == []
    assert "South secret" in _names(_client(cast.admin).get(URL))
    people = {person.username for person in _client(cast.sales_north).get(URL).context["people"]}
    assert "sales_south" not in people


def test_a_page_costs_the_same_queries_for_few_and_many_deals(cast, django_assert_max_num_queries):
    client = _client(cast.sales_north)
    for n in range(3):
        actions.deal_create(actor=cast.sales_north, values={"name": f"Few {n}", "amount": "1"})
    with django_assert_max_num_queries(40) as few:
        client.get(URL)
    for n in range(30):
        actions.deal_create(actor=cast.sales_north, values={"name": f"Many {n}", "amount": "1"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)


def test_a_saved_deal_view_is_kept_shared_reapplied_and_deleted_by_its_owner_only(cast, deals):
    client = _client(cast.sales_north)
    saved = client.post(reverse("parties:saved_view_save", args=[listing.ENTITY]),
                        {"name": "Open, mine", "query": "status=open&owner=me&junk=1", "is_shared": "1"})  # fmt: skip
    view = SavedView.objects.get(name="Open, mine")
    assert view.entity == "deal" and view.query_string == "status=open&owner=me"
    assert saved.status_code == 302 and saved["Location"].startswith(f"{URL}?status=open&owner=me&view=")

    listed = client.get(saved["Location"])
    assert sorted(_names(listed)) == ["Boiler", "Roof"]
    assert "Open, mine" in listed.content.decode()
    colleague = _client(cast.sales_north_2)
    assert "Open, mine" in colleague.get(URL).content.decode()

    delete = reverse("parties:saved_view_delete", args=[listing.ENTITY, view.pk])
    assert colleague.post(delete).status_code == 404
    assert client.post(delete).status_code == 302
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_saved_views_of_an_unknown_list_are_refused(cast):
    with pytest.raises(ValidationFailed):
        parties_actions.saved_view_save(user=cast.sales_north, entity="nothing", name="x", query_string="",
                                        is_shared=False)  # fmt: skip
    response = _client(cast.sales_north).post(reverse("parties:saved_view_save", args=["nothing"]), {"name": "x"})
    assert response.status_code == 404


def test_htmx_asks_for_the_results_only_and_gets_a_clean_address(cast, deals):
    response = _client(cast.sales_north).get(URL, {"status": "open", "q": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{URL}?status=open"
    assert "<h1>" not in response.content.decode()
