"""Which existing records a lead would be converted into: the organization and contact the
foundation's duplicate detection finds among the records the converter can see. Reads only;
the conversion itself is `actions.lead_convert`, and the lead's page shows the same finds
before the user converts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

from clientela.parties import duplicates
from clientela.parties.models import Contact, Organization
from clientela.sales.models import Lead

if TYPE_CHECKING:
    from clientela.accounts.models import User


def region(actor: User | None, country: str) -> str:
    """The country a lead's phone is read in: its own, else the converter's team's, else the site's."""
    team_country = getattr(getattr(actor, "team", None), "country", "") if actor is not None else ""
    return country or team_country or settings.PHONE_REGION


# What makes an existing record the lead's, not merely alike (`duplicates.Match.kind`).
_CONTACT_EVIDENCE = {"email", "phone"}
_ORGANIZATION_EVIDENCE = {"name", "tax_id", "email"}


def _look_alike(actor: User, probe: duplicates.Probe, evidence: set[str]) -> Any:
    for found in duplicates.find_duplicates(actor, probe, similar_names=False):
        kinds = {match.kind for match in found.matches}
        if kinds & evidence:
            return found.record
    return None


def contact_look_alike(actor: User, lead: Lead, organization: Organization | None) -> Contact | None:
    probe = duplicates.probe_from_values(
        "contact",
        {"first_name": lead.first_name, "last_name": lead.last_name},
        emails=[lead.email] if lead.email else [],
        phones=[lead.phone] if lead.phone else [],
        region=region(actor, lead.country),
    )
    found = _look_alike(actor, probe, _CONTACT_EVIDENCE)
    if found is None and organization is not None:  # the same name at the same company is the same person
        for candidate in duplicates.find_duplicates(actor, probe, similar_names=False):
            same_name = any(match.kind == "name" for match in candidate.matches)
            if same_name and candidate.record.affiliations.filter(organization=organization).exists():
                return candidate.record
    return found


def organization_look_alike(actor: User, lead: Lead) -> Organization | None:
    probe = duplicates.probe_from_values("organization", {"name": lead.company}, region=region(actor, lead.country))
    return _look_alike(actor, probe, _ORGANIZATION_EVIDENCE)


@dataclass(frozen=True)
class LookAlikes:
    organization: Organization | None
    contact: Contact | None


def look_alikes(actor: User, lead: Lead) -> LookAlikes:
    """What converting `lead` now would link to instead of creating."""
    organization = organization_look_alike(actor, lead) if lead.company else None
    return LookAlikes(organization, contact_look_alike(actor, lead, organization))
