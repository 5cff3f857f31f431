"""Lead assignment rules: the first active rule that matches a lead without an owner gives it
to a person or, in turn, to a team's sales people — for web forms and imports; administrators
keep the rules on a settings page; bad rules are named and change nothing."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.parties.tests.importing_files import write_csv
from clientela.sales import actions, queries
from clientela.sales.importing import import_leads
from clientela.sales.models import Lead, LeadAssignmentRule
from clientela.testing.cast import PASSWORD

ENQUIRY = {"first_name": "Anna", "last_name": "Kovács", "company": "Kovács Kft.", "email": "anna@kovacs.example"}


def _rule(cast, **values):
    return actions.lead_rule_create(actor=cast.admin, values={"name": "Rule", **values})


def _post(form, data, address="203.0.113.7"):
    return Client(REMOTE_ADDR=address).post(reverse("sales:webform", args=[form.token]), data)


def _client(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def test_the_first_matching_rule_wins_and_an_empty_condition_matches_anything(cast):
    _rule(cast, name="Poles", country="pl", owner=cast.sales_south)
    _rule(cast, name="Everyone else", team=cast.north)

    polish = actions.assign_lead({"country": "PL", "source": "website"})
    other = actions.assign_lead({"country": "HU"})

    assert polish == (cast.sales_south, cast.south)
    assert other is not None and other[1] == cast.north


def test_each_condition_narrows_and_inactive_rules_are_skipped(cast):
    retired = _rule(cast, name="Retired", owner=cast.sales_south)
    actions.lead_rule_update(actor=cast.admin, rule=retired, values={"active": False})
    _rule(cast, name="Partners", source="partner", contains="kft", owner=cast.sales_north_2)

    assert actions.assign_lead({"source": "partner", "company": "Kovács KFT."}) == (cast.sales_north_2, cast.north)
    assert actions.assign_lead({"source": "partner", "company": "Kovács Zrt."}) is None
    assert actions.assign_lead({"source": "website", "company": "Kovács Kft."}) is None
    assert actions.assign_lead({"source": "partner", "email": "anna@kft.example"}) is not None


def test_a_teams_leads_go_round_in_turn_to_its_active_sales_people(cast):
    _rule(cast, team=cast.north)
    cast.sales_north_2.is_active = False
    cast.sales_north_2.save()
    owners = [actions.assign_lead({})[0].username for _n in range(3)]  # type: ignore[index]
    assert owners == ["manager_north", "sales_north", "manager_north"]  # not service, read-only or inactive


def test_a_web_forms_lead_follows_the_rules_then_the_forms_turn(cast):
    form = actions.lead_form_create(actor=cast.admin, values={"name": "Contact us", "team": cast.north})
    _rule(cast, name="Poles", country="PL", owner=cast.sales_south)
    _post(form, {**ENQUIRY, "country": "PL"})
    _post(form, {**ENQUIRY, "last_name": "Nagy", "country": "HU"}, address="203.0.113.8")

    polish, hungarian = Lead.objects.order_by("created_at", "id")
    assert (polish.owner, polish.team) == (cast.sales_south, cast.south)
    assert hungarian.team == cast.north and hungarian.owner == cast.manager_north


def test_imported_rows_without_an_owner_follow_the_rules_even_beyond_the_importers_team(cast, tmp_path):
    _rule(cast, name="Poles", country="PL", team=cast.south)
    rows = [["Kowalski", "PL", ""], ["Nagy", "HU", ""], ["Tóth", "PL", "sales_north"]]
    path = write_csv(tmp_path / "leads.csv", rows, header=["Last name", "Country", "Owner"])
    report = import_leads(path, actor=cast.sales_north)
    assert report.created == 3, report.errors
    owners = dict(Lead.objects.values_list("last_name", "owner__username"))
    assert owners == {"Kowalski": "manager_south", "Nagy": "sales_north", "Tóth": "sales_north"}


def test_bad_rules_are_named_and_change_nothing(cast):
    with pytest.raises(ValidationFailed) as refused:
        actions.lead_rule_create(actor=cast.admin, values={"name": "", "country": "Hungary", "source": "fax"})
    assert {e.field for e in refused.value.errors} >= {"name", "country", "source"}
    with pytest.raises(ValidationFailed) as nobody:
        actions.lead_rule_create(actor=cast.admin, values={"name": "Nobody"})
    assert [e.field for e in nobody.value.errors] == ["owner"]
    with pytest.raises(ValidationFailed) as service:
        actions.lead_rule_create(actor=cast.admin, values={"name": "Service", "owner": cast.service_north})
    assert [e.field for e in service.value.errors] == ["owner"]
    assert not LeadAssignmentRule.objects.exists()


def test_a_deactivated_owner_or_a_team_without_takers_is_refused_and_skipped_later(cast):
    from clientela.accounts.models import Team

    cast.sales_south.is_active = False
    cast.sales_south.save()
    with pytest.raises(ValidationFailed) as gone:
        actions.lead_rule_create(actor=cast.admin, values={"name": "Gone", "owner": cast.sales_south})
    assert [e.field for e in gone.value.errors] == ["owner"]
    empty = Team.objects.create(name="Empty")
    with pytest.raises(ValidationFailed) as nobody:
        actions.lead_rule_create(actor=cast.admin, values={"name": "Empty", "team": empty})
    assert [e.field for e in nobody.value.errors] == ["team"]
    assert not LeadAssignmentRule.objects.exists()

    _rule(cast, name="Hers", owner=cast.sales_north_2)
    cast.sales_north_2.is_active = False  # deactivated after the rule was made: the rule no longer gives leads
    cast.sales_north_2.save()
    assert actions.assign_lead({}) is None


def test_only_administrators_keep_the_rules(cast):
    with pytest.raises(PermissionDenied):
        actions.lead_rule_create(actor=cast.manager_north, values={"name": "Mine", "owner": cast.manager_north})
    assert _client(cast.sales_north).get(reverse("sales:settings_lead_assignment")).status_code == 403


def test_the_settings_page_adds_reorders_retires_and_deletes_rules(cast):
    client = _client(cast.admin)
    url = reverse("sales:settings_lead_assignment")
    added = client.post(url, {"operation": "save", "name": "Poles", "country": "pl",
                              "owner": str(cast.sales_south.public_id)})  # fmt: skip
    assert added.status_code == 302
    client.post(url, {"operation": "save", "name": "North", "team": str(cast.north.public_id)})
    north = LeadAssignmentRule.objects.get(name="North")
    client.post(url, {"operation": "up", "rule": str(north.public_id)})
    assert [r.name for r in queries.assignment_rules()] == ["North", "Poles"]

    refused = client.post(url, {"operation": "save", "name": "Bad", "country": "Poland"})
    assert refused.status_code == 422 and "<strong>country</strong>" in refused.content.decode()

    client.post(url, {"operation": "retire", "rule": str(north.public_id)})
    assert not LeadAssignmentRule.objects.get(pk=north.pk).active
    client.post(url, {"operation": "trash", "rule": str(north.public_id)})
    assert [r.name for r in queries.assignment_rules()] == ["Poles"]
    page = client.get(url).content.decode()
    assert "Poles" in page and "country" in page


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_leads_at_once_go_to_two_people_of_the_team(cast):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL for concurrent writers")
    _rule(cast, team=cast.north)
    form = actions.lead_form_create(actor=cast.admin, values={"name": "Contact us", "team": cast.south})
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def post(n: int) -> None:
        try:
            start.wait(timeout=10)
            _post(form, {**ENQUIRY, "last_name": f"Visitor {n}"}, address=f"203.0.113.{n}")
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not failures
    assert sorted(Lead.objects.values_list("owner__username", flat=True)) == ["manager_north", "sales_north"]


# --- the API ---------------------------------------------------------------------------------


def test_administrators_keep_the_rules_through_the_api_with_the_foundations_guarantees(cast):
    from clientela.testing.api import ApiClient

    api = ApiClient(cast.admin)
    created = api.post("/lead-assignment-rules", {"name": "Poles", "country": "PL", "team": str(cast.south.public_id)})
    assert created.status_code == 201, created.content
    rule = created.json()
    assert (rule["country"], rule["team"]["name"], rule["owner"], rule["position"]) == ("PL", "South", None, 0)

    stale = api.patch(f"/lead-assignment-rules/{rule['id']}", {"contains": "sp. z o.o."}, headers={"If-Match": '"0"'})
    assert stale.status_code == 412
    changed = api.patch(f"/lead-assignment-rules/{rule['id']}", {"contains": "sp. z o.o."},
                        headers={"If-Match": '"1"'})  # fmt: skip
    assert changed.status_code == 200 and changed.json()["contains"] == "sp. z o.o."

    refused = api.post("/lead-assignment-rules", {"name": "Bad", "country": "Poland", "source": "fax"})
    assert refused.status_code == 422
    assert len(api.get("/lead-assignment-rules").json()["items"]) == 1

    deleted = api.delete(f"/lead-assignment-rules/{rule['id']}", headers={"If-Match": '"2"'})
    assert deleted.status_code == 200
    assert api.get("/lead-assignment-rules").json()["items"] == []


def test_only_administrators_reach_the_rules_api(cast):
    from clientela.testing.api import ApiClient

    manager = ApiClient(cast.manager_north)
    assert manager.get("/lead-assignment-rules").status_code == 403
    assert (
        manager.post("/lead-assignment-rules", {"name": "Mine", "owner": str(cast.manager_north.public_id)}).status_code
        == 403
    )
