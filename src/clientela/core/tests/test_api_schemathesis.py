"""The whole API fuzzed from its own OpenAPI document with every schemathesis check,
authenticated as an administrator, against a database with a few records.

The examples are the same on every run (derandomised), so that the suite's verdict does not
change from run to run; `CLIENTELA_FUZZ_RANDOM=1` draws new ones each run, and
`CLIENTELA_FUZZ_EXAMPLES` raises their number, for a deeper search."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from clientela.activities import actions as activity_actions
from clientela.privacy import actions as privacy_actions
from clientela.sales import actions as sales_actions
from clientela.sales import queries as sales_queries
from clientela.testing import factories
from clientela.testing.api import issue_token

CONFIG = schemathesis.Config.from_dict(
    {
        # Small by default so the suite stays quick; raise it for a deeper run.
        "generation": {"max-examples": int(os.environ.get("CLIENTELA_FUZZ_EXAMPLES", "15"))},
        "checks": {
            # RFC 6585 made 428 Precondition Required for exactly this case: a write without
            # If-Match. schemathesis' default list predates it; we add it, nothing else.
            "missing_required_header": {"expected-statuses": [400, 401, 403, 406, 415, 422, 428]},
        },
    }
)

# Serving /api/v1/openapi.json touches no database, so the schema loads at collection.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler(), config=CONFIG)


@dataclass
class Existing:
    token: str
    user_id: str
    team_id: str
    organization_id: str
    contact_id: str
    pipeline_id: str
    open_stage_id: str
    lost_reason_id: str
    product_id: str
    meeting_id: str
    purpose_code: str


@pytest.fixture(autouse=True)
def keep_the_test_transaction(db):
    # The WSGI handler closes "old" connections around each request, which would
    # end the test's transaction; Django's own test client unhooks them the same way.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def existing(cast, settings) -> Existing:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = factories.organization(cast.sales_north, name="Fuzz Org", tax_id="HU123")
    person = factories.contact(
        cast.sales_north, first_name="Fuzz", last_name="Person", organizations=[{"organization": org}]
    )
    factories.contact(cast.sales_south, first_name="Other", last_name="Team")
    pipeline = sales_queries.default_pipeline()
    assert pipeline is not None
    return Existing(
        token=issue_token(cast.admin),
        user_id=str(cast.sales_north.public_id),
        team_id=str(cast.north.public_id),
        organization_id=str(org.public_id),
        contact_id=str(person.public_id),
        pipeline_id=str(pipeline.public_id),
        open_stage_id=str(pipeline.stages.filter(outcome="open").first().public_id),
        lost_reason_id=str(sales_queries.lost_reasons(active_only=True).first().public_id),
        product_id=str(
            sales_actions.product_create(actor=cast.admin, values={"sku": "FUZZ", "name": "Fuzz"}).public_id
        ),
        meeting_id=str(
            activity_actions.activity_create(
                actor=cast.sales_north, values={"channel": "meeting", "contact": person.public_id}
            ).public_id
        ),
        purpose_code=privacy_actions.purpose_create(
            actor=cast.admin, values={"code": "newsletter", "name": "Newsletter", "legal_basis": "consent"}
        ).code,
    )


# A pipeline's stages as the actions accept them: the schema cannot say "exactly one won stage".
VALID_STAGES: list[dict[str, Any]] = [
    {"name": "New", "probability": 10},
    {"name": "Won", "outcome": "won"},
    {"name": "Lost", "outcome": "lost"},
]


def _ground_sales(case: Any, body: dict[str, Any], existing: Existing) -> None:
    """Deals, conversions, pipelines, lost reasons and lead rules: real linked records, a stage
    of the pipeline that needs no lost reason, stages the rules accept, names not taken yet, a
    rule that gives its leads to someone."""
    references = {
        "organization": existing.organization_id,
        "contact": existing.contact_id,
        "pipeline": existing.pipeline_id,
        "stage": existing.open_stage_id,
        "lost_reason": existing.lost_reason_id,
    }
    deal = body.get("deal")
    targets: list[dict[str, Any]] = [body, deal] if isinstance(deal, dict) else [body]
    for target in targets:
        for name, real in references.items():
            if target.get(name) is not None:
                target[name] = real
    path = case.operation.path
    if path.endswith(("/forecasts/snapshots", "/forecasts/adjustments")):
        month = "2026-12"
        body.update({k: month for k in ("first", "last") if k in body})
    for index, item in enumerate(body.get("items") or []):
        if isinstance(item, dict) and item.get("product") is not None:
            item["product"] = existing.product_id
            item["min_quantity"] = str(index + 1)  # one price per product and quantity break
    if path.endswith(("/quotes", "/revise")):
        body["deal"] = None  # a deal of the caller's; none here
        if body.get("valid_until"):
            body["valid_until"] = None  # a quote is valid from today for up to a year: the default 30 days
        for line in body.get("lines") or []:
            if isinstance(line, dict):  # a product, and a price where no price list gives one
                line["product"] = existing.product_id
                line["unit_price"] = line.get("unit_price") or "1"
    if path.endswith("/exchange-rates") and body.get("currency") is not None:
        body["currency"] = "HUF"  # a rate is of a currency other than the reporting one (EUR here)
        if isinstance(body.get("rate"), str) and not body["rate"].strip("0."):
            body["rate"] = "1"  # a currency worth nothing has no rate (the pattern cannot say "positive")
    if "/products" in path and body.get("sku") is not None:
        body["sku"] = f"s{uuid.uuid4().hex[:12]}"  # a SKU names one live product: a new one each time
    if "/lead-assignment-rules" in path:
        # A rule gives its leads to someone (an owner or a team with sales people), in a real country.
        if case.method.upper() == "POST" and body.get("owner") is None and body.get("team") is None:
            body["team"] = existing.team_id
        if body.get("country"):
            body["country"] = "PL"
    if "/pipelines" in path or "/lost-reasons" in path:
        if body.get("name") is not None:
            body["name"] = f"n{uuid.uuid4().hex[:12]}"
        if "stages" in body:
            body["stages"] = [{**stage} for stage in VALID_STAGES]


def _ground_activities(case: Any, existing: Existing) -> None:
    """Activities, tasks, projects and the calendar: moments that are real days (the pattern lets
    February 30th through), a meeting that ends after it starts, a link to a real contact, real
    participants and assignees, a repeating task that is due, a project due after it starts, a
    calendar window of at most 62 days; no deal or project (none exists here)."""
    path = case.operation.path
    if path.endswith("/calendar") and isinstance(case.query, dict):
        case.query.update(start="2026-12-07T00:00:00+01:00", end="2026-12-14T00:00", user=existing.user_id)
    body = case.body
    if not isinstance(body, dict) or not path.endswith(("/activities", "/tasks", "/projects")):
        return
    moments = {"occurred_at": "2026-12-07T10:00", "ends_at": "2026-12-07T11:30:00+01:00",
               "due_at": "2026-12-08T09:00:00Z", "remind_at": "2026-12-08T08:45:00+01:00"}  # fmt: skip
    for name, moment in moments.items():
        if body.get(name) is not None:
            body[name] = moment
    for name in ("deal", "project"):
        body.pop(name, None)
    if body.get("assignee") is not None:
        body["assignee"] = existing.user_id
    if body.get("attendees"):
        body["attendees"] = [existing.contact_id]
    if body.get("guests"):
        body["guests"] = [{"name": "Éva Guest", "email": "eva@example.com"}]
    if path.endswith("/activities") and not (body.get("contact") or body.get("organization")):
        body["contact"] = existing.contact_id
    if body.get("recurrence"):
        body["due_at"] = moments["due_at"]
    if body.get("starts_on") and body.get("due_on"):
        body["starts_on"], body["due_on"] = sorted([body["starts_on"], body["due_on"]])


def _ground_emails(case: Any, body: dict[str, Any], existing: Existing) -> None:
    """E-mails and their templates: to the contact that exists (at addresses a mail server takes),
    with a subject when no template gives one, answering none and with no files (they would be
    kept in the data directory); templates under new names, one text per language, without
    braces (a variable the schema cannot list)."""
    path = case.operation.path
    if path.endswith("/emails/invitations"):
        body["activity"] = existing.meeting_id  # a meeting whose contact has an address
    if path.endswith("/emails"):
        for name in ("deal", "template", "reply_to", "attachments"):
            body.pop(name, None)
        body["contact"] = existing.contact_id
        for name in ("to", "cc"):
            if body.get(name):
                body[name] = ["fuzz@example.com"] if isinstance(body[name], list) else "fuzz@example.com"
        if not (body.get("subject") or "").strip():
            body["subject"] = "Fuzz"
    if "/email-templates" in path:
        if body.get("name") is not None:
            body["name"] = f"t{uuid.uuid4().hex[:12]}"
        for index, text in enumerate(body.get("texts") or []):
            if isinstance(text, dict):
                text["language"] = ("en", "hu", "tr", "ru", "pl", "ro", "de", "fr")[index % 8] + f"-{index:02d}"
                text.update({k: text[k].replace("{", "(") for k in ("subject", "body") if isinstance(text.get(k), str)})


def _ground_privacy(case: Any, body: dict[str, Any], existing: Existing) -> None:
    """Purposes under new codes (double opt-in only where consent is the basis), policy versions
    under new names, consents and objections for the contact that exists and a purpose that does,
    with the fields each kind needs, requests whose payload fits their type, retention rules that
    erase only contacts."""
    path = case.operation.path
    if path.endswith("/purposes") and "code" in body:
        body["code"] = f"p{uuid.uuid4().hex[:12]}"
    if "/purposes" in path and body.get("double_opt_in"):
        body["legal_basis"] = "consent"
    if path.endswith("/policy-versions") and body.get("name") is not None:
        body["name"] = f"v{uuid.uuid4().hex[:12]}"
    if path.endswith(("/consents", "/restrictions", "/privacy-requests")) and "contact" in body:
        body["contact"] = existing.contact_id
    if path.endswith("/consents"):
        body["purpose"] = existing.purpose_code
        body["channel"] = ""
        body.pop("captured_at", None)
        if body.get("valid_from") and body.get("valid_until"):
            body["valid_from"], body["valid_until"] = sorted([body["valid_from"], body["valid_until"]])
        if body.get("source") == "import":
            body["evidence"] = "row 7 of the signed sheet"
    if path.endswith("/restrictions"):
        body["purpose"] = existing.purpose_code if body.get("kind") == "purpose" else ""
        if body.get("kind") == "channel":
            body["channel"] = body.get("channel") or "email"
        if body.get("kind") == "fields" and not body.get("fields"):
            body["fields"] = ["birth_date"]
    if path.endswith("/privacy-requests"):
        body.pop("received_at", None)
        body["payload"] = {"values": {"title": "Fuzz"}} if body.get("type") == "rectification" else {}
    if path.endswith("/retention-rules") and body.get("action") == "erase":
        body["record_type"] = "parties.contact"


def ground_positive_case(case: Any, existing: Existing) -> None:
    """Give a schema-valid case the references only the database can make valid.

    The schema can say "a user id" or "an opaque cursor" but not "one that exists":
    a positive case gets real ids for owner/team/parent/organizations, no invented
    cursor, no *required* custom field (one would make every later create
    without it invalid — state, not shape), and creates may be look-alikes of
    earlier ones (duplicate detection answers 409 by the data, not by the schema;
    its own tests are in test_api_contacts). Negative cases stay as generated.
    """
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
        if case.operation.path.endswith("/forecasts"):  # a range of at most 36 months: two fields together
            case.query.pop("last", None)
    _ground_activities(case, existing)
    if case.method.upper() == "POST" and case.operation.path.rstrip("/").endswith(("/contacts", "/organizations")):
        case.query = {**(case.query or {}), "allow_duplicates": "true"}
    body = case.body
    if not isinstance(body, dict):
        return
    if body.get("owner") is not None:
        body["owner"] = existing.user_id
    if body.get("team") is not None:
        body["team"] = existing.team_id
    if body.get("parent") is not None:
        body["parent"] = existing.organization_id
    for item in body.get("organizations") or []:
        if isinstance(item, dict):
            item["organization"] = existing.organization_id
    if "custom" in body:
        body["custom"] = {}
    _ground_sales(case, body, existing)
    _ground_emails(case, body, existing)
    _ground_privacy(case, body, existing)
    if case.operation.path.endswith("/sms") and body.get("contact") is not None:
        body["to"] = "+36 20 960 7198"  # a number phonenumbers can read: the schema can only say "text"
    if case.operation.path.endswith("/custom-fields") and "required" in body:
        body["required"] = False
        body["key"] = f"k{uuid.uuid4().hex[:12]}"


@schema.parametrize()
@settings(
    deadline=None, suppress_health_check=list(HealthCheck), derandomize=not os.environ.get("CLIENTELA_FUZZ_RANDOM")
)
def test_the_api_conforms_to_its_openapi_document(case, existing):
    ground_positive_case(case, existing)
    case.call_and_validate(headers={"Authorization": f"Bearer {existing.token}"})
