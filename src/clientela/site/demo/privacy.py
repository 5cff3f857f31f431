"""The demo's privacy data, written through the privacy actions: the purposes a company of this
kind processes data for, with their legal bases; two policy versions; consents given over the last
two years at fairs (imported with their evidence), on calls (entered on a page) and on the website
(the person's own form), some withdrawn since; a few objections (to profiling, to e-mail, to named
fields); the queue of subject requests (one overdue); two retention rules, left inactive so the
demo keeps its history."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from clientela.parties.models import Contact
from clientela.privacy import actions
from clientela.privacy.models import PolicyVersion, Purpose, RetentionRule

PURPOSES: list[dict[str, Any]] = [
    {"code": "newsletter-email", "name": "Newsletter and offers by e-mail", "kind": "marketing",
     "legal_basis": "consent", "channel": "email", "double_opt_in": True,
     "description": "A monthly newsletter and seasonal offers. Never passed to third parties."},
    {"code": "offers-sms", "name": "Offers by SMS", "kind": "marketing", "legal_basis": "consent", "channel": "sms",
     "description": "At most two text messages a month."},
    {"code": "events-phone", "name": "Event invitations by phone", "kind": "marketing", "legal_basis": "consent",
     "channel": "phone"},
    {"code": "profiling", "name": "Customer analytics and scoring", "kind": "profiling",
     "legal_basis": "legitimate_interests",
     "description": "RFM scores, lifetime value and churn risk from purchases; no automated decisions."},
    {"code": "sales-follow-up", "name": "Sales follow-up", "kind": "sales", "legal_basis": "legitimate_interests"},
    {"code": "service", "name": "Service and support", "kind": "service", "legal_basis": "contract"},
    {"code": "invoicing", "name": "Invoicing and accounting", "kind": "other", "legal_basis": "legal_obligation",
     "description": "Invoices are kept for the period the law requires."},
]  # fmt: skip
POLICIES = [
    {"name": "2024-1", "effective_from": "2024-01-01", "url": "https://clientela.example/privacy/2024-1",
     "summary": "What we collect, why, for how long; your rights of access, correction, erasure and objection."},
    {"name": "2026-1", "effective_from": "2026-01-01", "url": "https://clientela.example/privacy/2026-1",
     "summary": "Adds SMS offers and customer analytics; how to object to either."},
]  # fmt: skip


def write_privacy(*, seed: int, now: dt.datetime, admin: Any, share: float = 0.2) -> dict[str, int]:
    rng = random.Random(seed + 13)
    # Loaded again (`demo --force`): the settings written the first time are kept, not doubled.
    purposes = {p.code: p for p in Purpose.all_objects.filter(code__in=[v["code"] for v in PURPOSES])}
    for values in PURPOSES:
        if values["code"] not in purposes:
            purposes[values["code"]] = actions.purpose_create(actor=admin, values=values)
    known = set(PolicyVersion.all_objects.values_list("name", flat=True))
    for values in POLICIES:
        if values["name"] not in known:
            actions.policy_create(actor=admin, values=values)
    contacts = list(Contact.objects.filter(owner__isnull=False).select_related("owner", "team").order_by("pk"))
    consents = objections = 0
    for number, contact in enumerate(contacts):
        if rng.random() < share:
            consents += _consents(rng, now, contact, purposes, number)
        roll = rng.random()
        if roll < 0.01:
            actions.restriction_create(actor=contact.owner, contact=contact, values={"kind": "profiling",
                                       "reason": "Asked not to be scored (letter)."})  # fmt: skip
            objections += 1
        elif roll < 0.02:
            actions.restriction_create(actor=contact.owner, contact=contact,
                                       values={"kind": "channel", "channel": "email",
                                               "reason": "Replied STOP"})  # fmt: skip
            objections += 1
        elif roll < 0.025:
            actions.restriction_create(actor=contact.owner, contact=contact,
                                       values={"kind": "fields", "fields": ["birth_date", "income_band"]})  # fmt: skip
            objections += 1
    requests = _requests(rng, now, contacts)
    rules: tuple[dict[str, Any], ...] = (
        {"name": "Leads without activity for two years", "record_type": "sales.lead", "months": 24,
         "action": "trash", "active": False},
        {"name": "Contacts without activity for five years", "record_type": "parties.contact", "months": 60,
         "action": "erase", "active": False},
    )  # fmt: skip
    named = set(RetentionRule.all_objects.values_list("name", flat=True))
    for values in rules:
        if values["name"] not in named:
            actions.retention_rule_create(actor=admin, values=values)
    return {"purposes": len(purposes), "consents": consents, "objections": objections, "requests": requests}


def _consents(rng: random.Random, now: dt.datetime, contact: Contact, purposes: dict[str, Any], number: int) -> int:
    written = 0
    captured = now - dt.timedelta(days=rng.randint(2, 700), hours=rng.randint(0, 9))
    how = rng.choices(["import", "page", "form"], weights=[4, 3, 3])[0]
    evidence = {
        "import": f"Sign-up sheet of the trade fair, row {number % 180 + 2}",
        "page": "Agreed on a call",
        "form": "Website newsletter form; confirmation link opened",
    }[how]
    wanted = ["newsletter-email"] + (["offers-sms"] if rng.random() < 0.35 else [])
    for code in wanted:
        actions.consent_record(
            actor=contact.owner, contact=contact, purpose=purposes[code],
            values={"status": "granted", "captured_at": captured, "source": how, "evidence": evidence,
                    "confirmed_at": captured + dt.timedelta(minutes=rng.randint(2, 300)),
                    "form": "newsletter" if how == "form" else ""},
        )  # fmt: skip
        written += 1
        if rng.random() < 0.15:  # withdrawn since, from an unsubscribe link
            withdrawn = min(captured + dt.timedelta(days=rng.randint(5, 200)), now - dt.timedelta(hours=1))
            actions.consent_record(
                actor=contact.owner, contact=contact, purpose=purposes[code],
                values={"status": "withdrawn", "captured_at": withdrawn,
                        "source": "form", "form": "preferences", "evidence": "Unsubscribe link"},
            )  # fmt: skip
    return written


def _requests(rng: random.Random, now: dt.datetime, contacts: list[Contact]) -> int:
    picked = rng.sample(contacts, min(6, len(contacts)))
    plans = [
        ("access", 4, "E-mail: wants a copy of everything we hold.", {}),
        ("erasure", 38, "Letter: asks us to delete all their data.", {}),
        ("objection", 2, "Phone: no more marketing calls.", {"kind": "channel", "channel": "phone"}),
        ("rectification", 9, "Moved house; new job title.", {"values": {"title": "Head of purchasing"}}),
        ("access", 20, "Web form: what do you know about me?", {}),
        ("objection", 12, "Does not want to be profiled.", {"kind": "profiling"}),
    ]
    for contact, (kind, days_ago, details, payload) in zip(picked, plans, strict=False):
        actions.privacy_request_create(
            actor=contact.owner, contact=contact, payload=payload,
            values={"type": kind, "received_at": now - dt.timedelta(days=days_ago), "details": details,
                    "channel": details.split(":")[0]},
        )  # fmt: skip
    return len(picked)
