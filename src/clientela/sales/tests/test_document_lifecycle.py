"""What happens to quotes, orders and invoices after they are made: a quote is revised into a
new revision (the old one kept, superseded), rejected, or expires; an order is invoiced in parts,
never beyond what it holds; a credit note takes back part of an invoice and lowers what it is
owed; every refusal names its reason and changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from clientela.sales import actions
from clientela.sales.models import Invoice, Order, Quote
from clientela.testing import factories
from clientela.testing.api import ApiClient

YEAR = timezone.localdate().year


@pytest.fixture
def catalogue(cast):
    thermostat = actions.product_create(actor=cast.admin, values={"sku": "T-1", "name": "Thermostat", "tax_rate": "27"})
    valve = actions.product_create(actor=cast.admin, values={"sku": "V-1", "name": "Valve", "tax_rate": "5"})
    return {"thermostat": str(thermostat.public_id), "valve": str(valve.public_id)}


@pytest.fixture
def customer(cast):
    return str(factories.organization(cast.sales_north, name="Kovács Kft.").public_id)


def _quote(api: ApiClient, customer: str, catalogue: dict[str, str], **extra) -> dict:
    made = api.post("/quotes", {"organization": customer, "currency": "EUR", **extra, "lines": [
        {"product": catalogue["thermostat"], "quantity": "3", "unit_price": "19.99", "discount_percent": "10"},
        {"product": catalogue["valve"], "quantity": "10", "unit_price": "4.10"},
    ]})  # fmt: skip
    assert made.status_code == 201, made.content
    return made.json()


def test_a_quote_is_valid_thirty_days_unless_it_says_otherwise(cast, customer, catalogue):
    api = ApiClient(cast.sales_north)
    quote = _quote(api, customer, catalogue)
    assert quote["valid_until"] == (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert (quote["revision"], quote["revises"], quote["order"], quote["mails"]) == (1, None, None, [])
    past = api.post("/quotes", {"organization": customer, "valid_until": "2020-01-01",
                                "lines": [{"product": catalogue["valve"], "unit_price": "1"}]})  # fmt: skip
    assert past.status_code == 422 and past.json()["errors"][0]["field"] == "valid_until"


def test_revising_a_quote_keeps_the_sent_revision_and_numbers_the_new_one_after_it(cast, customer, catalogue):
    api = ApiClient(cast.sales_north)
    first = _quote(api, customer, catalogue)
    revised = api.post(f"/quotes/{first['id']}/revise", {"lines": [
        {"product": catalogue["thermostat"], "quantity": "4", "unit_price": "19.99", "discount_percent": "10"},
    ]})  # fmt: skip
    assert revised.status_code == 201, revised.content
    second = revised.json()
    assert second["number"] == f"{first['number']}-2" and second["revision"] == 2
    assert second["revises"]["id"] == first["id"] and second["organization"]["id"] == customer
    assert (second["net_total"], second["gross_total"]) == ("71.96", "91.39")  # 4 × 19.99 less 10%, 27%
    old = api.get(f"/quotes/{first['id']}").json()
    assert old["status"] == "superseded" and old["revised_by"]["id"] == second["id"]
    assert [line["quantity"] for line in old["lines"]] == ["3", "10"]  # what was sent stays as it was
    assert api.post(f"/quotes/{first['id']}/accept", {}).status_code == 409
    third = api.post(f"/quotes/{second['id']}/revise", {"lines": [{"product": catalogue["valve"], "unit_price": "4"}]})
    assert third.json()["number"] == f"{first['number']}-3"


def test_a_rejected_quote_cannot_be_accepted_revised_or_rejected_again(cast, customer, catalogue):
    api = ApiClient(cast.sales_north)
    quote = _quote(api, customer, catalogue)
    rejected = api.post(f"/quotes/{quote['id']}/reject", {"reason": "Too expensive"})
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert "Too expensive" in rejected.json()["note"]
    for path, body in (("accept", {}), ("reject", {}), ("revise", {"lines": [{"product": catalogue["valve"],
                                                                              "unit_price": "1"}]})):  # fmt: skip
        refused = api.post(f"/quotes/{quote['id']}/{path}", body)
        assert refused.status_code == 409, (path, refused.content)
        assert refused.json()["errors"][0]["code"] == "quote_closed"
    assert Quote.objects.count() == 1 and Order.objects.count() == 0


def test_a_quote_past_its_validity_cannot_be_accepted_and_the_worker_marks_it_expired(cast, customer, catalogue):
    api = ApiClient(cast.sales_north)
    quote = _quote(api, customer, catalogue)
    Quote.objects.filter(public_id=quote["id"]).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    refused = api.post(f"/quotes/{quote['id']}/accept", {})
    assert refused.status_code == 409 and "expired" in refused.json()["errors"][0]["message"]
    assert actions.quotes_expire() == 1 and actions.quotes_expire() == 0
    assert api.get(f"/quotes/{quote['id']}").json()["status"] == "expired"
    revived = api.post(f"/quotes/{quote['id']}/revise", {"lines": [{"product": catalogue["valve"], "unit_price": "4"}]})
    assert revived.status_code == 201 and revived.json()["status"] == "draft"  # an expired offer made again


def _order(api: ApiClient, customer: str, catalogue: dict[str, str]) -> str:
    quote = _quote(api, customer, catalogue)
    return api.post(f"/quotes/{quote['id']}/accept", {}).json()["order"]


def test_an_order_is_invoiced_in_parts_and_never_beyond_what_it_holds(cast, customer, catalogue):
    api = ApiClient(cast.sales_north)
    order = _order(api, customer, catalogue)
    first = api.post(f"/orders/{order}/invoice", {"lines": [{"line": 1, "quantity": "1"}, {"line": 2}]})
    assert first.status_code == 201, first.content
    part = first.json()
    assert [(line["position"], line["quantity"]) for line in part["lines"]] == [(1, "1"), (2, "10")]
    assert part["net_total"] == "58.99"  # 17.99 + 41.00
    state = api.get(f"/orders/{order}").json()
    assert state["status"] == "partially_invoiced"
    assert [line["invoiced_quantity"] for line in state["lines"]] == ["1", "10"]

    too_much = api.post(f"/orders/{order}/invoice", {"lines": [{"line": 1, "quantity": "3"}]})
    assert too_much.status_code == 422 and too_much.json()["errors"][0]["field"] == "lines[0].quantity"
    spent = api.post(f"/orders/{order}/invoice", {"lines": [{"line": 2, "quantity": "1"}]})
    assert spent.status_code == 422 and spent.json()["errors"][0]["field"] == "lines[0].line"

    rest = api.post(f"/orders/{order}/invoice", {}).json()  # what is left: the other two thermostats
    assert [(line["position"], line["quantity"]) for line in rest["lines"]] == [(1, "2")]
    assert rest["number"] == f"INV-{YEAR}-000002"
    done = api.get(f"/orders/{order}").json()
    assert done["status"] == "invoiced" and [i["id"] for i in done["invoices"]] == [part["id"], rest["id"]]
    assert api.post(f"/orders/{order}/invoice", {}).status_code == 409
    assert Invoice.objects.count() == 2


def test_a_credit_note_takes_back_part_of_an_invoice_and_lowers_what_is_owed(cast, customer, catalogue):
    api = ApiClient(cast.sales_north)
    invoice = api.post(f"/orders/{_order(api, customer, catalogue)}/invoice", {}).json()
    assert invoice["gross_total"] == "111.59"  # 68.54 + 41.00 + 2.05
    assert api.post("/payments", {"invoice": invoice["id"], "amount": "50.00"}).status_code == 201

    missing_reason = api.post(f"/invoices/{invoice['id']}/credit-note", {"reason": " "})
    assert missing_reason.status_code == 422 and missing_reason.json()["errors"][0]["field"] == "reason"
    made = api.post(f"/invoices/{invoice['id']}/credit-note",
                    {"reason": "Two valves arrived broken", "lines": [{"line": 2, "quantity": "2"}]})  # fmt: skip
    assert made.status_code == 201, made.content
    note = made.json()
    assert note["kind"] == "credit_note" and note["number"] == f"CN-{YEAR}-000001"
    assert note["credits"]["id"] == invoice["id"] and note["reason"] == "Two valves arrived broken"
    assert (note["net_total"], note["tax_total"], note["gross_total"]) == ("8.20", "0.41", "8.61")

    after = api.get(f"/invoices/{invoice['id']}").json()
    assert (after["credited_total"], after["outstanding"], after["status"]) == ("8.61", "52.98", "partially_paid")
    assert [n["id"] for n in after["credit_notes"]] == [note["id"]]
    assert (
        api.post("/payments", {"invoice": note["id"], "amount": "1.00"}).status_code == 422
    )  # a credit note is not paid

    more = api.post(f"/invoices/{invoice['id']}/credit-note", {"reason": "x", "lines": [{"line": 2, "quantity": "9"}]})
    assert more.status_code == 422 and "8" in more.json()["errors"][0]["message"]  # 8 valves are left to credit
    rest = api.post(f"/invoices/{invoice['id']}/credit-note", {"reason": "Order cancelled"}).json()
    final = api.get(f"/invoices/{invoice['id']}").json()
    assert Decimal(final["credited_total"]) == Decimal(note["gross_total"]) + Decimal(rest["gross_total"])
    assert final["outstanding"] == "-50.00"  # the payment is to be returned
    assert api.post(f"/invoices/{invoice['id']}/credit-note", {"reason": "again"}).status_code == 409


def test_an_unpaid_invoice_credited_in_full_is_credited(cast, customer, catalogue):
    api = ApiClient(cast.sales_north)
    invoice = api.post(f"/orders/{_order(api, customer, catalogue)}/invoice", {}).json()
    api.post(f"/invoices/{invoice['id']}/credit-note", {"reason": "Wrong customer"})
    after = api.get(f"/invoices/{invoice['id']}").json()
    assert (after["status"], after["outstanding"], after["overdue"]) == ("credited", "0.00", False)


def test_another_team_can_neither_revise_nor_credit_nor_send(cast, customer, catalogue):
    api = ApiClient(cast.sales_north)
    quote = _quote(api, customer, catalogue)
    invoice = api.post(f"/orders/{_order(api, customer, catalogue)}/invoice", {}).json()
    south = ApiClient(cast.sales_south)
    line = {"lines": [{"product": catalogue["valve"], "unit_price": "1"}]}
    assert south.post(f"/quotes/{quote['id']}/revise", line).status_code == 404
    assert south.post(f"/quotes/{quote['id']}/reject", {}).status_code == 404
    assert south.post(f"/quotes/{quote['id']}/send", {}).status_code == 404
    assert south.get(f"/quotes/{quote['id']}/pdf").status_code == 404
    assert south.post(f"/invoices/{invoice['id']}/credit-note", {"reason": "x"}).status_code == 404
    assert south.get(f"/invoices/{invoice['id']}/pdf").status_code == 404
    assert south.get(f"/invoices/{invoice['id']}/xml").status_code == 404
