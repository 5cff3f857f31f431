"""Who sees and changes which leads and deals, for every role of the cast, through every sales
endpoint and page: a record another team owns is "not found", as if it did not exist."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from clientela.sales import actions
from clientela.testing.api import ApiClient
from clientela.testing.cast import PASSWORD

# username -> sees North's records, sees South's records, may write
ROLES = {
    "admin": (True, True, True),
    "manager_north": (True, False, True),
    "sales_north": (True, False, True),
    "sales_south": (False, True, True),
    "service_north": (True, False, True),
    "marketing": (True, True, True),
    "analyst": (True, True, False),
    "readonly_north": (True, False, False),
}


@pytest.fixture
def records(cast):
    north_deal = actions.deal_create(actor=cast.sales_north, values={"name": "North deal"})
    south_deal = actions.deal_create(actor=cast.sales_south, values={"name": "South deal"})
    north_lead = actions.lead_create(actor=cast.sales_north, values={"last_name": "North lead"})
    south_lead = actions.lead_create(actor=cast.sales_south, values={"last_name": "South lead"})
    return {"north": (north_deal, north_lead), "south": (south_deal, south_lead)}


@pytest.mark.parametrize("username", list(ROLES))
def test_each_role_reads_exactly_the_leads_and_deals_of_its_scope(cast, records, username):
    sees_north, sees_south, _writes = ROLES[username]
    user = getattr(cast, username)
    api = ApiClient(user)
    expected_deals = {name for name, seen in (("North deal", sees_north), ("South deal", sees_south)) if seen}
    assert {d["name"] for d in api.get("/deals").json()["items"]} == expected_deals
    expected_leads = {name for name, seen in (("North lead", sees_north), ("South lead", sees_south)) if seen}
    assert {lead["last_name"] for lead in api.get("/leads").json()["items"]} == expected_leads
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    for side, seen in (("north", sees_north), ("south", sees_south)):
        deal, lead = records[side]
        status = 200 if seen else 404
        assert api.get(f"/deals/{deal.public_id}").status_code == status
        assert api.get(f"/deals/{deal.public_id}/history").status_code == status
        assert api.get(f"/leads/{lead.public_id}").status_code == status
        assert client.get(reverse("sales:deal_detail", args=[deal.public_id])).status_code == status
        assert client.get(reverse("sales:lead_detail", args=[lead.public_id])).status_code == status
    board = client.get(reverse("sales:deal_board")).content.decode()
    assert ("North deal" in board) == sees_north and ("South deal" in board) == sees_south
    listed = client.get(reverse("sales:deal_list")).content.decode()
    assert ("North deal" in listed) == sees_north and ("South deal" in listed) == sees_south
    leads = client.get(reverse("sales:lead_list")).content.decode()
    assert ("North lead" in leads) == sees_north and ("South lead" in leads) == sees_south
    dashboard = client.get(reverse("sales:dashboard"))
    assert dashboard.status_code == 200
    open_deals = sum(row.deals for row in dashboard.context["by_stage"])
    assert open_deals == sees_north + sees_south  # the kept figures, summed within the reader's scope


@pytest.mark.parametrize("username", list(ROLES))
def test_administrator_settings_and_imports_are_offered_only_to_whom_the_role_allows(cast, username):
    user = getattr(cast, username)
    admin = user.policy.can_administer
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    assert client.get(reverse("sales:settings_lead_assignment")).status_code == (200 if admin else 403)
    assert ApiClient(user).get("/lead-assignment-rules").status_code == (200 if admin else 403)
    assert client.get(reverse("sales:lead_import")).status_code == (200 if user.policy.can_import else 403)


@pytest.mark.parametrize("username", list(ROLES))
def test_only_roles_that_write_create_move_and_convert(cast, records, username):
    sees_north, _sees_south, writes = ROLES[username]
    user = getattr(cast, username)
    api = ApiClient(user)
    created = api.post("/deals", {"name": f"New by {username}"})
    assert created.status_code == (201 if writes else 403)
    deal, lead = records["north"]
    if not sees_north:
        return
    etag = api.get(f"/deals/{deal.public_id}")["ETag"]
    moved = api.patch(f"/deals/{deal.public_id}", {"probability": 40}, headers={"If-Match": etag})
    assert moved.status_code == (200 if writes else 403)
    converted = api.post(f"/leads/{lead.public_id}/convert", {"create_deal": False})
    assert converted.status_code == (201 if writes else 403)
