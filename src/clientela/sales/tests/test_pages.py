"""The sales pages: the board, moving a card (and being told when it moved meanwhile), deal
and lead pages and forms, conversion from the lead's page, and who sees what."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clientela.sales import actions, queries
from clientela.sales.models import Deal, Lead
from clientela.testing.cast import PASSWORD


def _client(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _stage(name):
    pipeline = queries.default_pipeline()
    assert pipeline is not None
    return pipeline.stages.get(name=name)


def test_the_board_shows_each_stage_with_its_deals_count_and_totals(cast):
    actions.deal_create(actor=cast.sales_north, values={"name": "Boiler", "amount": "1000", "currency": "EUR"})
    actions.deal_create(actor=cast.sales_north, values={"name": "Roof", "amount": "500", "currency": "EUR"})
    actions.deal_create(actor=cast.sales_south, values={"name": "South secret", "amount": "7"})
    response = _client(cast.sales_north).get(reverse("sales:deal_board"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Boiler" in page and "Roof" in page and "South secret" not in page
    columns = response.context["columns"]
    first = columns[0]
    assert first.stage.name == "Qualification" and first.count == 2
    assert first.totals == [("EUR", 1500, 150)]
    boiler = Deal.objects.get(name="Boiler")
    assert f'href="{reverse("sales:deal_detail", args=[boiler.public_id])}"' in page
    assert f'data-move-url="{reverse("sales:deal_move", args=[boiler.public_id])}"' in page


def test_the_board_reads_a_bounded_number_of_queries(cast, django_assert_max_num_queries):
    for n in range(30):
        actions.deal_create(actor=cast.sales_north, values={"name": f"Deal {n}", "amount": str(n)})
    client = _client(cast.sales_north)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("sales:deal_board")).status_code == 200


def test_moving_a_card_by_its_form_moves_the_deal_and_a_stale_card_is_refused_with_a_message(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    client = _client(cast.sales_north)
    url = reverse("sales:deal_move", args=[deal.public_id])
    moved = client.post(
        url, {"stage": _stage("Proposal").public_id, "version": 1}, headers={"Accept": "application/json"}
    )
    assert moved.status_code == 200 and "Proposal" in moved.json()["message"]
    stale = client.post(url, {"stage": _stage("Won").public_id, "version": 1}, headers={"Accept": "application/json"})
    assert stale.status_code == 409 and stale.json()["level"] == "warning"
    assert Deal.objects.get(pk=deal.pk).stage == _stage("Proposal")


def test_moving_into_lost_without_a_reason_is_refused_and_with_one_closes_the_deal(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    client = _client(cast.sales_north)
    url = reverse("sales:deal_move", args=[deal.public_id])
    refused = client.post(
        url, {"stage": _stage("Lost").public_id, "version": 1}, headers={"Accept": "application/json"}
    )
    assert refused.status_code == 422
    reason = queries.lost_reasons().get(name="Price")
    lost = client.post(url, {"stage": _stage("Lost").public_id, "version": 1, "lost_reason": reason.public_id})
    assert lost.status_code == 302
    deal.refresh_from_db()
    assert deal.stage == _stage("Lost") and deal.lost_reason == reason


def test_readers_see_the_board_without_move_forms_and_cannot_move(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    client = _client(cast.readonly_north)
    page = client.get(reverse("sales:deal_board")).content.decode()
    assert "Boiler" in page and "Move to…" not in page
    url = reverse("sales:deal_move", args=[deal.public_id])
    assert client.post(url, {"stage": _stage("Won").public_id, "version": 1}).status_code == 403


def test_another_teams_deal_and_lead_pages_are_not_found(cast):
    deal = actions.deal_create(actor=cast.sales_south, values={"name": "South"})
    lead = actions.lead_create(actor=cast.sales_south, values={"last_name": "Southern"})
    client = _client(cast.sales_north)
    assert client.get(reverse("sales:deal_detail", args=[deal.public_id])).status_code == 404
    assert client.get(reverse("sales:lead_detail", args=[lead.public_id])).status_code == 404
    assert client.post(reverse("sales:lead_convert", args=[lead.public_id])).status_code == 404


def test_a_deal_is_created_and_edited_from_its_forms_with_errors_by_field(cast):
    client = _client(cast.sales_north)
    bad = client.post(
        reverse("sales:deal_new"),
        {"name": "", "amount": "-3", "currency": "EUR", "stage": _stage("Proposal").public_id},
    )
    assert bad.status_code == 422
    assert {e.field for e in bad.context["errors"]} == {"name", "amount"}
    created = client.post(
        reverse("sales:deal_new"),
        {"name": "Heat pump", "amount": "2500", "currency": "EUR", "stage": _stage("Proposal").public_id},
    )
    deal = Deal.objects.get(name="Heat pump")
    assert created.status_code == 302 and deal.stage == _stage("Proposal") and deal.probability == 50
    page = client.get(reverse("sales:deal_detail", args=[deal.public_id]))
    assert page.status_code == 200 and "Heat pump" in page.content.decode()
    edited = client.post(
        reverse("sales:deal_edit", args=[deal.public_id]),
        {
            "name": "Heat pump x2",
            "amount": "5000",
            "currency": "EUR",
            "stage": _stage("Proposal").public_id,
            "version": 1,
        },
    )
    assert edited.status_code == 302
    deal.refresh_from_db()
    assert (deal.name, deal.amount, deal.version) == ("Heat pump x2", 5000, 2)


def test_two_people_editing_one_deal_keep_both_changes_or_are_told(cast):
    deal = actions.deal_create(actor=cast.sales_north, values={"name": "Boiler", "amount": "100"})
    fields = {"currency": "EUR", "stage": _stage("Qualification").public_id, "version": 1}
    first, second = _client(cast.sales_north), _client(cast.sales_north_2)
    assert (
        first.post(
            reverse("sales:deal_edit", args=[deal.public_id]), {**fields, "name": "Boiler", "amount": "200"}
        ).status_code
        == 302
    )
    clash = second.post(
        reverse("sales:deal_edit", args=[deal.public_id]), {**fields, "name": "Boiler", "amount": "300"}
    )
    assert clash.status_code == 409 and "Sales North changed Amount" in clash.content.decode()
    deal.refresh_from_db()
    assert deal.amount == 200


@pytest.mark.parametrize("language", ["hu", "pl"])
def test_the_sales_pages_render_in_other_languages(cast, language):
    actions.deal_create(actor=cast.sales_north, values={"name": "Boiler"})
    client = _client(cast.sales_north)
    for name in ("sales:deal_board", "sales:deal_list", "sales:lead_list", "sales:deal_new", "sales:lead_new"):
        response = client.get(reverse(name), headers={"Accept-Language": language})
        assert response.status_code == 200, name


def test_a_lead_is_converted_from_its_page_linking_the_existing_contact(cast):
    from clientela.testing import factories

    person = factories.contact(cast.sales_north, first_name="Anna", last_name="Kovács", emails=["anna@kovacs.example"])
    lead = actions.lead_create(
        actor=cast.sales_north, values={"first_name": "Anna", "last_name": "Kovács", "email": "anna@kovacs.example"}
    )
    client = _client(cast.sales_north)
    page = client.get(reverse("sales:lead_detail", args=[lead.public_id])).content.decode()
    assert "Links to the existing contact" in page
    response = client.post(
        reverse("sales:lead_convert", args=[lead.public_id]),
        {
            "contact": person.public_id,
            "create_deal": "1",
            "deal_name": "Boiler for Anna",
            "amount": "900",
            "stage": _stage("Proposal").public_id,
        },
    )
    deal = Deal.objects.get(name="Boiler for Anna")
    assert response.status_code == 302 and response["Location"] == reverse("sales:deal_detail", args=[deal.public_id])
    assert deal.contact == person and deal.stage == _stage("Proposal")
    assert Lead.objects.get(pk=lead.pk).status == "converted"


def test_a_lead_is_created_and_disqualified_from_the_pages(cast):
    client = _client(cast.sales_north)
    refused = client.post(
        reverse("sales:lead_new"), {"last_name": "", "email": "nope", "source": "other", "status": "new"}
    )
    assert refused.status_code == 422
    client.post(
        reverse("sales:lead_new"), {"last_name": "Nagy", "company": "Nagy Bt.", "source": "web_form", "status": "new"}
    )
    lead = Lead.objects.get(last_name="Nagy")
    client.post(
        reverse("sales:lead_disqualify", args=[lead.public_id]), {"reason": "no_budget", "note": "", "version": 1}
    )
    lead.refresh_from_db()
    assert lead.status == "disqualified"
    listed = client.get(reverse("sales:lead_list"), {"status": "disqualified"}).content.decode()
    assert "Nagy" in listed


def test_the_home_page_lists_my_open_deals_by_stage_those_closing_this_month_and_stale_ones(cast):
    import datetime as dt

    from django.utils import timezone

    soon = actions.deal_create(
        actor=cast.sales_north, values={"name": "Closing soon", "expected_close_date": timezone.localdate().isoformat()}
    )
    old = actions.deal_create(actor=cast.sales_north, values={"name": "Forgotten"})
    Deal.all_objects.filter(pk=old.pk).update(stage_entered_at=timezone.now() - dt.timedelta(days=45))
    actions.deal_create(actor=cast.sales_north_2, values={"name": "Colleague's"})
    response = _client(cast.sales_north).get(reverse("site:home"))
    work = response.context["work"]
    assert [(stage.name, count) for stage, count, _sums in work.by_stage] == [("Qualification", 2)]
    assert work.closing_this_month == [soon] and work.stale == [old]
    page = response.content.decode()
    assert "Closing soon" in page and "Forgotten" in page and "Colleague" not in page


def test_an_organizations_page_shows_the_deals_its_reader_may_see(cast):
    from clientela.testing import factories

    company = factories.organization(cast.sales_north, name="Shared Ltd")
    actions.deal_create(actor=cast.admin, values={"name": "Admin's deal", "organization": company.public_id})
    actions.deal_create(actor=cast.sales_north, values={"name": "North's deal", "organization": company.public_id})
    url = reverse("parties:organization_detail", args=[company.public_id])
    page = _client(cast.admin).get(url).content.decode()
    assert "Admin&#x27;s deal" in page and "North&#x27;s deal" in page and "Arrives with the sales module" not in page
    north = _client(cast.sales_north).get(url).content.decode()
    assert "North&#x27;s deal" in north and "Admin&#x27;s deal" not in north


def test_the_forecast_page_shows_months_by_category_and_a_manager_adjusts_it(cast):
    from django.utils import timezone

    month = timezone.localdate().replace(day=1)
    actions.deal_create(
        actor=cast.sales_north,
        values={"name": "A", "amount": "1000", "currency": "EUR", "expected_close_date": month.isoformat(),
                "forecast_category": "commit"},
    )  # fmt: skip
    manager = _client(cast.manager_north)
    page = manager.get(reverse("sales:forecast"), {"currency": "EUR"})
    assert page.status_code == 200 and 'data-testid="adjust-form"' in page.content.decode()
    saved = manager.post(
        reverse("sales:forecast") + "?currency=EUR",
        {"period": month.strftime("%Y-%m"), "category": "commit", "amount": "750", "currency": "EUR", "note": "late"},
    )
    assert saved.status_code == 302
    assert "adjusted: 750" in manager.get(reverse("sales:forecast"), {"currency": "EUR"}).content.decode()
    rep = _client(cast.sales_north)
    rep_page = rep.get(reverse("sales:forecast")).content.decode()
    assert 'data-testid="adjust-form"' not in rep_page
    assert rep.post(reverse("sales:forecast"), {"period": month.strftime("%Y-%m"), "category": "commit",
                                                 "amount": "1", "currency": "EUR"}).status_code == 403  # fmt: skip
    taken = rep.post(reverse("sales:forecast"), {"kind": "snapshot", "label": "mine"})
    assert taken.status_code == 302
    from clientela.sales import forecasting

    snapshot = forecasting.snapshots().get()
    compared = rep.get(reverse("sales:forecast"), {"snapshot": snapshot.public_id, "currency": "EUR"})
    assert 'data-testid="comparison"' in compared.content.decode()
