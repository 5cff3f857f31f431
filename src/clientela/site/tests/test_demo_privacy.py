"""The demo's privacy data: purposes with their legal bases, policy versions, consents with their
evidence (some withdrawn), objections that the jobs honour, a queue of requests with one overdue."""

from __future__ import annotations

import datetime as dt

import pytest

from clientela.privacy import queries
from clientela.privacy.models import Consent, PrivacyRequest, Purpose, Restriction, RetentionRule
from clientela.site.demo.load import load

SMALL = 0.05


@pytest.fixture
def demo(empty_database: None) -> None:
    load(seed=2024, scale=SMALL, seeded_ids=True, now=dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC))


def test_the_demo_has_purposes_consents_objections_and_requests(demo):
    bases = set(Purpose.objects.values_list("legal_basis", flat=True))
    assert {"consent", "contract", "legitimate_interests", "legal_obligation"} <= bases
    consents = Consent.objects.all()
    assert consents.filter(status="granted").exists() and consents.filter(status="withdrawn").exists()
    assert not consents.filter(source="import", evidence="").exists()
    assert all(c.policy_version_id for c in consents)
    assert Restriction.objects.exists()
    assert PrivacyRequest.objects.filter(status="open").count() == 6
    assert PrivacyRequest.objects.filter(due_on__lt=dt.date(2026, 11, 30)).exists()
    assert not RetentionRule.objects.filter(active=True).exists()  # the demo keeps its history


def test_the_demo_newsletter_reaches_only_those_who_consented(demo):
    newsletter = Purpose.objects.get(code="newsletter-email")
    granted = set(Consent.objects.filter(purpose=newsletter, status="granted").values_list("contact_id", flat=True))
    every = set(Consent.objects.filter(purpose=newsletter).values_list("contact_id", flat=True))
    refused = queries.refused_contacts(every, purpose=newsletter, channel="email")
    assert every - refused <= granted
