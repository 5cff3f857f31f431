"""Leads: capture, qualify, disqualify, convert.

Conversion turns a qualified lead into an organization (for its company), a contact and,
unless declined, a deal, in one transaction. It links to the records that already exist
instead of duplicating them: the ones the caller names, else the visible look-alikes the
foundation's duplicate detection finds (same e-mail or phone, same name). Converting a
converted lead again creates nothing and answers what the first conversion made.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.context import acting_via
from clientela.core.errors import Refused, ValidationFailed
from clientela.core.visibility import can_see, require_delete, require_write
from clientela.parties import actions as parties_actions
from clientela.parties.models import Contact, Organization
from clientela.parties.rules import Collections, require_import
from clientela.sales.actions.assignment import assign_lead
from clientela.sales.actions.deals import deal_create
from clientela.sales.actions.history import LeadPlan, leads_load_history
from clientela.sales.conversion import contact_look_alike, organization_look_alike, region
from clientela.sales.models import Deal, DisqualifyReason, Lead, LeadSource, LeadStatus
from clientela.sales.rules import clean_lead, lead_phone_normalized, require_open_status

if TYPE_CHECKING:
    from clientela.accounts.models import User


class LeadClosed(Refused):
    """The lead is converted, disqualified or in the trash: the action no longer applies."""

    status = 409
    code = "lead_closed"

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def lead_create(*, actor: User, values: dict[str, Any]) -> Lead:
    require_write(actor)
    cleaned = clean_lead(actor, values, None)
    cleaned.setdefault("owner", actor)
    cleaned.setdefault("team", actor.team)
    cleaned["phone_normalized"] = lead_phone_normalized(cleaned, region(actor, ""))
    require_open_status(cleaned)
    return records.create_record(Lead, actor=actor, values=cleaned, action="lead.create")


def leads_import_batch(*, actor: User, rows: list[dict[str, Any]]) -> int:
    """Create the leads of an import, all in one transaction, with bulk inserts: each row's
    values (cleaned by `clean_lead`, the importer's check) are checked again by
    `leads_load_history`, as a history of one step, so nothing reaches the table unchecked. A row
    without an owner goes by the lead assignment rules (`assign_lead`), else to the importer;
    without a source, its source is "import". Every lead has its `lead.create` event, with the
    source "import". Returns how many were created."""
    require_import(actor)
    now = timezone.now()
    plans = []
    with transaction.atomic():
        for values in rows:
            own = {k: v for k, v in values.items() if k not in ("owner", "team", "status")}
            own.setdefault("source", LeadSource.IMPORT)
            by_rule = None if values.get("owner") else assign_lead(own)
            if by_rule is not None:
                owner, team = by_rule
            else:
                owner = values.get("owner") or actor
                team = values["team"] if "team" in values else (getattr(owner, "team", None) or actor.team)
            steps = [(values.get("status") or LeadStatus.NEW, now)]  # a closed status is refused there
            plans.append(LeadPlan(values=own, steps=steps, owner=owner, team=team, by_rule=by_rule is not None))
        with acting_via("import"):
            return leads_load_history(actor=actor, plans=plans, happening_now=True)


def lead_update(
    *, actor: User, lead: Lead, values: dict[str, Any], expected_version: int | None = None, merge: bool = False
) -> Lead:
    require_write(actor, lead)
    cleaned = clean_lead(actor, values, lead)
    if "status" in cleaned and cleaned["status"] != lead.status:
        if cleaned["status"] in (LeadStatus.CONVERTED, LeadStatus.DISQUALIFIED):
            raise ValidationFailed.single(
                "status", "invalid", _("a lead is converted or disqualified by its own action")
            )
        if lead.status == LeadStatus.CONVERTED:
            raise ValidationFailed.single("status", "invalid", _("a converted lead stays converted"))
        if lead.status == LeadStatus.DISQUALIFIED:  # reopened: the reason no longer holds
            cleaned.setdefault("disqualify_reason", "")
            cleaned.setdefault("disqualify_note", "")
    if "phone" in cleaned or "country" in cleaned:
        merged = {"phone": lead.phone, "country": lead.country, **cleaned}
        cleaned["phone_normalized"] = lead_phone_normalized(merged, region(actor, ""))
    return records.update_record(
        lead, actor=actor, values=cleaned, action="lead.update", expected_version=expected_version, merge=merge
    )


def lead_disqualify(
    *, actor: User, lead: Lead, reason: str, note: str = "", expected_version: int | None = None
) -> Lead:
    """Close a lead as not worth pursuing, with a reason from the list."""
    require_write(actor, lead)
    if lead.status == LeadStatus.CONVERTED:
        raise LeadClosed(_("this lead was converted"))
    if reason not in DisqualifyReason.values:
        raise ValidationFailed.single("reason", "invalid", _("choose a reason from the list"))
    if len(note) > 500 or "\x00" in note:
        raise ValidationFailed.single("note", "invalid", _("at most 500 characters"))
    values = {"status": LeadStatus.DISQUALIFIED, "disqualify_reason": reason, "disqualify_note": note.strip()}
    return records.update_record(
        lead, actor=actor, values=values, action="lead.disqualify", expected_version=expected_version
    )


def lead_trash(*, actor: User, lead: Lead, expected_version: int | None = None) -> Lead:
    require_delete(actor, lead)
    return records.trash_record(lead, actor=actor, action="lead.trash", expected_version=expected_version)


def lead_restore(*, actor: User, lead: Lead) -> Lead:
    require_delete(actor, lead)
    return records.restore_record(lead, actor=actor, action="lead.restore")


# --- conversion -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """What a lead became; `created` says which of them the conversion made (not linked)."""

    organization: Organization | None
    contact: Contact
    deal: Deal | None
    created: frozenset[str] = frozenset()


def _converted(lead: Lead) -> Conversion:
    if lead.converted_contact is None:  # pragma: no cover - a converted lead always names its contact
        raise LeadClosed(_("this lead was converted, but its contact no longer exists"))
    return Conversion(lead.converted_organization, lead.converted_contact, lead.converted_deal)


def lead_convert(
    *,
    actor: User,
    lead: Lead,
    organization: Organization | None = None,
    contact: Contact | None = None,
    deal_values: dict[str, Any] | None = None,
    create_deal: bool = True,
) -> Conversion:
    """Convert `lead` into an organization, a contact and (unless `create_deal` is false) a deal.

    `organization` / `contact`: existing records (visible to the actor) to link to; when left
    out, a visible look-alike is linked, else a new record is created. `deal_values` are the
    deal's fields (name, amount, pipeline...; by default from the lead). A converted lead
    answers its first conversion and creates nothing; a disqualified one is refused."""
    require_write(actor, lead)
    for given in (organization, contact):
        if given is not None:
            require_write(actor, given)
    with transaction.atomic():
        current = Lead.all_objects.select_for_update().get(pk=lead.pk)  # one conversion at a time
        if current.status == LeadStatus.CONVERTED:
            return _converted(
                Lead.all_objects.select_related("converted_organization", "converted_contact", "converted_deal").get(
                    pk=lead.pk
                )
            )
        if current.status == LeadStatus.DISQUALIFIED:
            raise LeadClosed(_("this lead was disqualified: reopen it before converting it"))
        if current.deleted_at is not None:
            raise LeadClosed(_("this lead is in the trash"))
        created: set[str] = set()
        people = {"owner": current.owner or actor, "team": current.team}
        if organization is None and current.company:
            organization = organization_look_alike(actor, current)
            if organization is None:
                organization = parties_actions.organization_create(
                    actor=actor,
                    values={"name": current.company, "website": current.website, **people},
                    collections=Collections(
                        addresses=[{"country": current.country}] if current.country else None,
                    ),
                )
                created.add("organization")
        if contact is None:
            contact = contact_look_alike(actor, current, organization)
        if contact is None:
            contact = parties_actions.contact_create(
                actor=actor,
                values={
                    "first_name": current.first_name,
                    "last_name": current.last_name,
                    "title": current.title,
                    "source": LeadSource(current.source).label if current.source else "",
                    **people,
                },
                collections=Collections(
                    emails=[current.email] if current.email else None,
                    phones=[current.phone] if current.phone else None,
                    affiliations=[{"organization": organization, "is_primary": True}] if organization else None,
                ),
            )
            created.add("contact")
        elif organization is not None and can_see(actor, contact):
            _affiliate(actor, contact, organization)
        deal = None
        if create_deal:
            values = {
                "name": current.company or current.full_name,
                "organization": organization,
                "contact": contact,
                "lead": current,
                **people,
            }
            if current.estimated_amount is not None:
                values["amount"] = current.estimated_amount
            if current.currency:
                values["currency"] = current.currency
            values.update(deal_values or {})
            deal = deal_create(actor=actor, values=values)
            created.add("deal")
        converted = {
            "status": LeadStatus.CONVERTED,
            "converted_at": timezone.now(),
            "converted_organization": organization,
            "converted_contact": contact,
            "converted_deal": deal,
        }
        records.update_record(current, actor=actor, values=converted, action="lead.convert")
    return Conversion(organization, contact, deal, frozenset(created))


def _affiliate(actor: User, contact: Contact, organization: Organization) -> None:
    """Link an existing contact to the organization, keeping their other affiliations."""
    links = list(contact.affiliations.select_related("organization"))
    if any(link.organization_id == organization.pk for link in links):
        return
    items = [
        {"organization": link.organization, "role": link.role, "is_primary": link.is_primary}
        for link in links  # those the actor may not see too: they stay
    ]
    items.append({"organization": organization, "is_primary": not items})
    parties_actions.contact_update(actor=actor, contact=contact, values={}, collections=Collections(affiliations=items))
