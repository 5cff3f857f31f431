"""The deals list: the foundation's filters, sorting and page sizes, saved views kept by the
parties' saved-view mechanism, each reader seeing only the deals they may see, and a bounded
number of queries per page."""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clientela.core.errors import ValidationFailed
from clientela.parties import actions as parties_actions
from clientela.parties import savedviews
from clientela.parties.models import SavedView
from clientela.sales import actions, listing, queries
from clientela.sales.models import Deal, Stage
from clientela.testing import factories
from clientela.testing.cast import PASSWORD, Cast

URL = "/deals/"


def _client(user: Any) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _names(response: Any) -> list[str]:
    assert response.status_code == 200
    return [deal.name for deal in response.context["page"].rows]


def _stage(name: str) -> Stage:
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline.stages.get(name=name)


def _query(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(html.unescape(url)).query))


@pytest.fixture
def deals(cast: Cast) -> dict[str, Deal]:
    today = timezone.localdate()
    rep, colleague = cast.sales_north, cast.sales_north_2
    acme = factories.organization(rep, name="Acme Heating")
    made = {
        "Boiler": actions.deal_create(actor=rep, values={"name": "Boiler", "amount": "1000",
                                                         "organization": acme.public_id,
                                                         "expected_close_date": today - dt.timedelta(days=3)}),
        "Roof": actions.deal_create(actor=rep, values={"name": "Roof", "amount": "50", "expected_close_date": today}),
        "Windows": actions.deal_create(actor=colleague, values={"name": "Windows", "amount": "700",
                                                                "stage": _stage("Proposal")}),
        "Nobody's": actions.deal_create(actor=cast.manager_north, values={"name": "Nobody's", "amount": "20",
                                                                          "owner": None}),
        "South": actions.deal_create(actor=cast.sales_south, values={"name": "South secret", "amount": "5"}),
    }  # fmt: skip
    won = actions.deal_create(actor=rep, values={"name": "Won pump", "amount": "300"})
    made["Won"] = actions.deal_move(actor=rep, deal=won, stage=_stage("Won"), expected_version=1)
    return made


NORTH = ["Boiler", "Nobody's", "Roof", "Windows", "Won pump"]


# --- filters -----------------------------------------------------------------------------------


def test_each_filter_narrows_the_list(cast, deals):
    client = _client(cast.sales_north)
    assert sorted(_names(client.get(URL))) == NORTH
    assert _names(client.get(URL, {"q": "roo"})) == ["Roof"]
    assert _names(client.get(URL, {"q": "acme"})) == ["Boiler"]  # the organization's name
    assert _names(client.get(URL, {"q": "heating boil"})) == ["Boiler"]  # every word, in either
    assert sorted(_names(client.get(URL, {"status": "open"}))) == ["Boiler", "Nobody's", "Roof", "Windows"]
    assert _names(client.get(URL, {"status": "won"})) == ["Won pump"]
    assert _names(client.get(URL, {"status": "lost"})) == []
    assert _names(client.get(URL, {"stage": str(_stage("Proposal").public_id)})) == ["Windows"]
    assert _names(client.get(URL, {"owner": str(cast.sales_north_2.pk)})) == ["Windows"]
    assert sorted(_names(client.get(URL, {"owner": "me"}))) == ["Boiler", "Roof", "Won pump"]
    assert _names(client.get(URL, {"owner": "none"})) == ["Nobody's"]
    assert sorted(_names(client.get(URL, {"team": str(cast.north.pk)}))) == NORTH
    assert _names(client.get(URL, {"close": "overdue"})) == ["Boiler"]
    assert sorted(_names(client.get(URL, {"amount_min": "300", "amount_max": "999.5"}))) == ["Windows", "Won pump"]
    assert _names(client.get(URL, {"amount_min": "1000"})) == ["Boiler"]
    assert _names(client.get(URL, {"amount_max": "20,00"})) == ["Nobody's"]  # a decimal comma too
    assert _names(client.get(URL, {"status": "open", "owner": "me", "amount_min": "100"})) == ["Boiler"]


def test_the_pipeline_filter_and_a_stage_of_another_pipeline(cast, deals):
    projects = actions.pipeline_create(
        actor=cast.admin,
        values={"name": "Projects"},
        stages=[
            {"name": "Scoping", "probability": 5},
            {"name": "Won", "outcome": "won"},
            {"name": "Lost", "outcome": "lost"},
        ],
    )
    actions.deal_create(actor=cast.sales_north, values={"name": "Plant", "pipeline": projects.public_id})
    client = _client(cast.sales_north)
    assert _names(client.get(URL, {"pipeline": str(projects.public_id)})) == ["Plant"]
    assert _names(client.get(URL, {"pipeline": str(projects.public_id).upper()})) == ["Plant"]
    default = queries.default_pipeline()
    assert default is not None
    assert sorted(_names(client.get(URL, {"pipeline": str(default.public_id)}))) == NORTH
    scoping = projects.stages.get(name="Scoping")
    assert _names(client.get(URL, {"stage": str(scoping.public_id)})) == ["Plant"]
    assert _names(client.get(URL, {"stage": str(scoping.public_id), "pipeline": str(default.public_id)})) == []


@pytest.mark.parametrize(
    ("today", "window", "expected"),
    [
        (dt.date(2026, 2, 10), "overdue", ["January"]),  # not "Closed early": it is won
        (dt.date(2026, 2, 10), "this_month", ["February", "Today"]),
        (dt.date(2026, 2, 10), "next_month", ["March"]),
        (dt.date(2026, 2, 10), "this_quarter", ["Closed early", "February", "January", "March", "Today"]),
        (dt.date(2026, 12, 10), "next_month", ["Next January"]),
        (dt.date(2026, 12, 10), "this_quarter", ["December", "November"]),
        (dt.date(2026, 11, 30), "next_month", ["December"]),
        (dt.date(2026, 4, 15), "this_quarter", ["April"]),
        (dt.date(2026, 4, 1), "overdue", ["February", "January", "March", "Today"]),  # not April: due today
    ],
)
def test_the_expected_close_windows_count_from_the_readers_today(cast, monkeypatch, today, window, expected):
    dates = {
        "January": dt.date(2026, 1, 5),
        "February": dt.date(2026, 2, 28),
        "Today": dt.date(2026, 2, 10),
        "March": dt.date(2026, 3, 31),
        "April": dt.date(2026, 4, 1),
        "November": dt.date(2026, 11, 1),
        "December": dt.date(2026, 12, 31),
        "Next January": dt.date(2027, 1, 1),
    }
    for name, day in dates.items():
        actions.deal_create(actor=cast.sales_north, values={"name": name, "expected_close_date": day})
    won = actions.deal_create(
        actor=cast.sales_north, values={"name": "Closed early", "expected_close_date": dates["January"]}
    )
    actions.deal_move(actor=cast.sales_north, deal=won, stage=_stage("Won"), expected_version=1)
    actions.deal_create(actor=cast.sales_north, values={"name": "Undated"})
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: today)
    assert _names(_client(cast.sales_north).get(URL, {"close": window, "sort": "name"})) == expected


def test_malformed_filters_are_ignored_and_the_page_answers(cast, deals):
    client = _client(cast.sales_north)
    junk = {
        "stage": "x", "pipeline": "' or 1=1", "status": "maybe", "owner": "'; drop", "team": "-1",
        "close": "yesterday", "amount_min": "abc", "amount_max": "1e999", "size": "7", "page": "-3", "sort": "password",
    }  # fmt: skip
    response = client.get(URL, junk)
    assert sorted(_names(response)) == NORTH
    assert not response.context["filters"].is_filtered
    assert client.get(URL, {"page": "999"}).context["page"].number == 1
    assert client.get(URL, {"q": "\x00"}).status_code == 200


# --- visibility --------------------------------------------------------------------------------


def test_another_teams_deals_never_show_whatever_the_filter(cast, deals):
    client = _client(cast.sales_north)
    assert _names(client.get(URL, {"owner": str(cast.sales_south.pk)})) == []
    assert _names(client.get(URL, {"team": str(cast.south.pk)})) == []
    assert _names(client.get(URL, {"q": "secret"})) == []
    page = client.get(URL, {"owner": str(cast.sales_south.pk)}).content.decode()
    assert "South secret" not in page
    assert "somebody not listed" in page and cast.sales_south.display_name not in page
    people = {person.username for person in client.get(URL).context["people"]}
    assert "sales_south" not in people
    assert _names(_client(cast.manager_north).get(URL, {"team": str(cast.south.pk)})) == []
    assert _names(_client(cast.admin).get(URL, {"team": str(cast.south.pk)})) == ["South secret"]
    assert _names(_client(cast.sales_south).get(URL)) == ["South secret"]


# --- sorting -----------------------------------------------------------------------------------


def test_sorting_by_each_column_both_ways(cast, deals):
    client = _client(cast.sales_north)
    assert _names(client.get(URL, {"sort": "amount"})) == ["Nobody's", "Roof", "Won pump", "Windows", "Boiler"]
    assert _names(client.get(URL, {"sort": "-amount"})) == ["Boiler", "Windows", "Won pump", "Roof", "Nobody's"]
    assert _names(client.get(URL, {"sort": "name"})) == NORTH
    assert _names(client.get(URL, {"sort": "-name"})) == NORTH[::-1]
    # Stages in their pipeline's order (Proposal and Won after the first stage), then by age.
    assert _names(client.get(URL, {"sort": "stage"})) == ["Boiler", "Roof", "Nobody's", "Windows", "Won pump"]
    assert _names(client.get(URL, {"sort": "-stage"})) == ["Won pump", "Windows", "Nobody's", "Roof", "Boiler"]
    # By owner's username (sales_north before sales_north_2); no owner, or no date, comes last either way.
    assert _names(client.get(URL, {"sort": "owner"})) == ["Boiler", "Roof", "Won pump", "Windows", "Nobody's"]
    assert _names(client.get(URL, {"sort": "-owner"})) == ["Windows", "Won pump", "Roof", "Boiler", "Nobody's"]
    assert _names(client.get(URL, {"sort": "close"})) == ["Boiler", "Roof", "Windows", "Nobody's", "Won pump"]
    assert _names(client.get(URL, {"sort": "-close"})) == ["Roof", "Boiler", "Won pump", "Nobody's", "Windows"]
    created = _names(client.get(URL, {"sort": "created"}))
    assert created == ["Boiler", "Roof", "Windows", "Nobody's", "Won pump"]
    assert _names(client.get(URL, {"sort": "-created"})) == created[::-1] == _names(client.get(URL))
    assert _names(client.get(URL, {"sort": "-updated"}))[0] == "Won pump"  # moved last
    assert _names(client.get(URL, {"sort": "updated"}))[-1] == "Won pump"
    assert _names(client.get(URL, {"sort": "nonsense"})) == _names(client.get(URL))


def test_names_sort_in_the_readers_order_and_ties_by_age(cast):
    for name in ("Zed", "Ábel", "Béla", "Aladár"):
        actions.deal_create(actor=cast.sales_north, values={"name": name, "amount": "10"})
    client = _client(cast.sales_north)
    assert _names(client.get(URL, {"sort": "name"})) == ["Ábel", "Aladár", "Béla", "Zed"]
    # Equal amounts keep one order, by id (the order they were made), and its reverse.
    assert _names(client.get(URL, {"sort": "amount"})) == ["Zed", "Ábel", "Béla", "Aladár"]
    assert _names(client.get(URL, {"sort": "-amount"})) == ["Aladár", "Béla", "Ábel", "Zed"]


def test_column_headers_sort_and_keep_the_filters(cast, deals):
    response = _client(cast.sales_north).get(URL, {"status": "open", "sort": "amount"})
    page = response.content.decode()
    links = {key: query for query, key in re.findall(r'href="\?([^"]*)"[^>]*data-sort="(\w+)"', page)}
    assert _query(f"?{links['amount']}") == {"status": "open", "sort": "-amount"}  # the sorted column turns round
    assert _query(f"?{links['name']}") == {"status": "open", "sort": "name"}
    assert set(links) == {"name", "stage", "amount", "close", "owner", "updated", "created"}
    assert re.search(r'data-sort="amount">Amount ↑</a>', page)


# --- the page ----------------------------------------------------------------------------------


def test_every_filter_shows_its_value_and_can_be_cleared(cast, deals):
    client = _client(cast.sales_north)
    stage = _stage("Proposal")
    default = queries.default_pipeline()
    assert default is not None
    chosen = {
        "q": "roof", "pipeline": str(default.public_id), "stage": str(stage.public_id), "status": "open",
        "owner": "me", "team": str(cast.north.pk), "close": "this_month", "amount_min": "10", "amount_max": "99.5",
    }  # fmt: skip
    page = client.get(URL, chosen).content.decode()
    assert 'name="q" value="roof"' in page
    for value in (chosen["pipeline"], chosen["stage"], "open", "me", chosen["team"], "this_month"):
        assert f'<option value="{value}" selected>' in page
    assert 'name="amount_min" min="0" step="any" value="10"' in page
    assert 'name="amount_max" min="0" step="any" value="99.5"' in page
    assert 'data-testid="clear-filters"' in page
    assert 'data-testid="clear-filters"' not in client.get(URL).content.decode()
    assert "Nothing matches these filters." in client.get(URL, {"q": "nothing like it"}).content.decode()


def test_rows_show_amounts_with_currency_and_dates_and_are_escaped(cast, deals):
    actions.deal_create(actor=cast.sales_north, values={"name": "<script>alert(1)</script>", "amount": "1234.5"})
    page = _client(cast.sales_north).get(URL, {"q": '"><b>'}).content.decode()
    assert "<b>" not in page and "&quot;&gt;&lt;b&gt;" in page
    page = _client(cast.sales_north).get(URL).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert f"1,234.50 {deals['Boiler'].currency}" in page
    assert "Acme Heating" in page
    close = deals["Roof"].expected_close_date
    assert f'<time datetime="{close.isoformat()}">{close.isoformat()}</time>' in page


def test_pages_of_a_size_keep_the_filters(cast):
    for n in range(30):
        actions.deal_create(actor=cast.sales_north, values={"name": f"Open {n:02}", "amount": "1"})
    won = actions.deal_create(actor=cast.sales_north, values={"name": "Won one"})
    actions.deal_move(actor=cast.sales_north, deal=won, stage=_stage("Won"), expected_version=1)
    client = _client(cast.sales_north)
    first = client.get(URL, {"status": "open", "sort": "name", "size": "25"})
    assert _names(first) == [f"Open {n:02}" for n in range(25)]
    following = re.search(r'rel="next" href="([^"]+)"', first.content.decode())
    assert following is not None
    assert _query(following.group(1)) == {"status": "open", "sort": "name", "size": "25", "page": "2"}
    second = client.get(URL + html.unescape(following.group(1)))
    assert _names(second) == [f"Open {n:02}" for n in range(25, 30)]
    assert 'rel="prev"' in second.content.decode()
    assert second.context["page"].first_index == 26 and second.context["page"].total == 30
    assert client.get(URL, {"size": "100"}).context["page"].size == 100
    assert client.get(URL, {"size": "33"}).context["page"].size == listing.PAGE_SIZE


def test_the_old_addresses_still_work(cast, deals):
    client = _client(cast.sales_north)
    assert sorted(_names(client.get(URL, {"mine": "1", "status": "open"}))) == ["Boiler", "Roof"]
    assert client.get(URL, {"mine": "1"}).context["filters"].owner == "me"
    assert _names(client.get(URL, {"mine": "1", "owner": "none"})) == ["Nobody's"]  # owner, when given, wins
    assert _names(client.get(URL, {"q": "Windows"})) == ["Windows"]
    # The board's "n deals in all" link: a stage by its public id.
    assert _names(client.get(URL, {"stage": str(_stage("Won").public_id)})) == ["Won pump"]


def test_htmx_asks_for_the_results_only_and_gets_a_clean_address(cast, deals):
    response = _client(cast.sales_north).get(URL, {"status": "open", "q": "", "mine": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Push-Url"] == f"{URL}?status=open&owner=me"
    assert "<h1>" not in response.content.decode()


def test_a_page_costs_the_same_queries_for_5_and_30_deals(cast):
    company = factories.organization(cast.sales_north, name="Acme")
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    stages = list(pipeline.stages.filter(outcome="open"))
    people = [cast.sales_north, cast.sales_north_2, cast.manager_north]

    def add(count: int) -> None:
        for n in range(count):
            actor = people[n % len(people)]
            values = {
                "name": f"Deal {n}",
                "amount": "1",
                "organization": company.public_id,
                "stage": stages[n % len(stages)],
            }
            actions.deal_create(actor=actor, values=values)

    client = _client(cast.manager_north)
    client.get(URL)  # the first request of a session settles what is cached once
    add(5)
    with CaptureQueriesContext(connection) as few:
        assert len(_names(client.get(URL, {"status": "open"}))) == 5
    add(25)
    with CaptureQueriesContext(connection) as many:
        assert len(_names(client.get(URL, {"status": "open"}))) == 30
    assert len(many.captured_queries) == len(few.captured_queries)


# --- saved views -------------------------------------------------------------------------------


def test_the_deals_list_is_registered_for_saved_views():
    deal = savedviews.saved_list(listing.ENTITY)
    assert deal is not None and deal.path() == URL
    assert savedviews.saved_list("contact") is not None and savedviews.saved_list("organization") is not None
    assert savedviews.saved_list("nothing") is None


def test_a_saved_deal_view_is_kept_shared_reapplied_and_deleted_by_its_owner_only(cast, deals):
    client = _client(cast.sales_north)
    save = reverse("parties:saved_view_save", args=[listing.ENTITY])
    saved = client.post(save, {"name": "Open, mine", "query": "status=open&owner=me&junk=1", "is_shared": "1"})
    view = SavedView.objects.get(name="Open, mine")
    assert view.entity == "deal" and view.query_string == "status=open&owner=me" and view.is_shared
    assert saved.status_code == 302 and saved["Location"] == f"{URL}?status=open&owner=me&view={view.pk}"
    client.post(save, {"name": "Just mine", "query": "owner=me"})  # not shared

    listed = client.get(saved["Location"])
    assert sorted(_names(listed)) == ["Boiler", "Roof"]
    page = listed.content.decode()
    assert "Open, mine" in page and "Just mine" in page
    assert reverse("parties:saved_view_delete", args=[listing.ENTITY, view.pk]) in page

    # A colleague sees the shared view (not the private one) and, applied, it means their own deals.
    colleague = _client(cast.sales_north_2)
    page = colleague.get(URL).content.decode()
    assert "Open, mine" in page and "Just mine" not in page
    assert reverse("parties:saved_view_delete", args=[listing.ENTITY, view.pk]) not in page
    assert _names(colleague.get(f"{URL}?{view.query_string}&view={view.pk}")) == ["Windows"]
    # A deal view is no contact view.
    assert "Open, mine" not in client.get(reverse("parties:contact_list")).content.decode()

    # Saving under the same name replaces the view.
    client.post(save, {"name": "Open, mine", "query": "status=won"})
    view.refresh_from_db()
    assert (view.query_string, view.is_shared) == ("status=won", False)
    assert "Open, mine" not in colleague.get(URL).content.decode()

    delete = reverse("parties:saved_view_delete", args=[listing.ENTITY, view.pk])
    assert colleague.post(delete).status_code == 404
    assert client.post(reverse("parties:saved_view_delete", args=["contact", view.pk])).status_code == 404
    deleted = client.post(delete)
    assert deleted.status_code == 302 and deleted["Location"] == URL
    assert not SavedView.objects.filter(pk=view.pk).exists()


def test_a_saved_view_keeps_only_the_filters_the_list_knows(cast):
    raw = (
        "q=%3Cb%3E+roof&stage=not-a-uuid&owner=12abc&team=7&close=yesterday&amount_min=-5&amount_max=1e400"
        "&size=13&sort=secret&page=4&foo=bar&mine=1&status=won"
    )
    view = parties_actions.saved_view_save(
        user=cast.sales_north, entity=listing.ENTITY, name="Junk", query_string=raw, is_shared=False
    )
    assert _query(f"?{view.query_string}") == {"q": "<b> roof", "owner": "me", "team": "7", "status": "won"}
    assert (
        listing.clean_query_string("sort=-amount&size=100&close=next_month") == "close=next_month&sort=-amount&size=100"
    )
    assert listing.clean_query_string("sort=-created&size=50") == ""  # the defaults are not written


def test_a_view_without_a_name_is_refused_and_the_list_comes_back(cast):
    client = _client(cast.sales_north)
    response = client.post(
        reverse("parties:saved_view_save", args=[listing.ENTITY]), {"name": " ", "query": "status=open"}
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}?status=open"
    assert not SavedView.objects.filter(user=cast.sales_north).exists()
    assert "a view name is 1 to 80 characters" in client.get(response["Location"]).content.decode()


def test_saved_views_of_an_unknown_list_are_refused(cast):
    with pytest.raises(ValidationFailed):
        parties_actions.saved_view_save(user=cast.sales_north, entity="nothing", name="x", query_string="",
                                        is_shared=False)  # fmt: skip
    client = _client(cast.sales_north)
    assert client.post(reverse("parties:saved_view_save", args=["nothing"]), {"name": "x"}).status_code == 404
    assert client.post(reverse("parties:saved_view_delete", args=["nothing", 1])).status_code == 404
