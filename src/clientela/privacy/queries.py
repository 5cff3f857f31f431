"""Every read of the privacy app, scoped.

Purposes and policy versions are the company's settings: everyone reads them. Consents and
objections are read with the contact they belong to (a reader who may not see the contact
sees none of them). The queue of subject requests, the retention rules and the audit of
sensitive reads belong to the roles with the privacy permission; others see the requests of
the contacts they may see. `may_process` and `refused_contacts` answer, for every job and
page that reaches a person, whether it may.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core.errors import NotFound, PermissionDenied
from clientela.core.ids import is_uuid
from clientela.core.models import Event
from clientela.core.validation import one_by_public_id
from clientela.core.visibility import visible
from clientela.parties import queries as parties_queries
from clientela.parties.models import Contact
from clientela.privacy.models import (
    Consent,
    Erasure,
    PolicyVersion,
    PrivacyRequest,
    Purpose,
    RequestStatus,
    Restriction,
    RestrictionKind,
    RetentionRule,
    RetentionRun,
    SensitiveRead,
)
from clientela.privacy.rules import Decision, decide, months_before

if TYPE_CHECKING:
    from clientela.accounts.models import User


def has_privacy_permission(user: Any) -> bool:
    return bool(getattr(user.policy, "can_manage_privacy", False))


def require_privacy(user: Any) -> None:
    if not has_privacy_permission(user):
        raise PermissionDenied(_("only roles with the privacy permission may do this"))


# --- purposes and policies ------------------------------------------------------------------


def purposes(*, active_only: bool = False) -> QuerySet[Purpose]:
    found = Purpose.objects.all()
    return found.filter(active=True) if active_only else found


def purpose_get(public_id: Any) -> Purpose:
    return one_by_public_id(Purpose.objects.all(), public_id, _("no such purpose"))


def purpose_by_code(code: str) -> Purpose | None:
    return Purpose.objects.filter(code=code).first() if code else None


def policies() -> QuerySet[PolicyVersion]:
    return PolicyVersion.objects.all()


def purpose_named(value: Any) -> Purpose | None:
    """An active purpose by its public id or its code (what the API, the pages and the channels
    accept); None for none named or none such."""
    if value in (None, ""):
        return None
    if isinstance(value, Purpose):
        return value
    text = str(value).strip()
    found = Purpose.objects.filter(public_id=text).first() if is_uuid(text) else purpose_by_code(text)
    return found if found is not None and found.active else None


def history(record: Any, *, newest_first: bool = False) -> QuerySet[Event]:
    """A privacy record's events (its history: a consent's changes, a request's steps); the
    caller read the record through its scoped query."""
    events = Event.objects.filter(record_type=record._meta.label_lower, record_id=record.public_id)
    return events.select_related("actor").order_by("-id" if newest_first else "id")


# --- consents and objections -----------------------------------------------------------------


def contact_for(reader: User, public_id: Any) -> Contact:
    return parties_queries.contact_get(reader, public_id)


def consents_visible(reader: User) -> QuerySet[Consent]:
    return Consent.objects.filter(contact__in=visible(Contact.objects.all(), reader)).select_related(
        "purpose", "policy_version", "contact"
    )


def consents_of(reader: User, contact: Contact) -> QuerySet[Consent]:
    return consents_visible(reader).filter(contact=contact)


def consent_get(reader: User, public_id: Any, *, include_trash: bool = False) -> Consent:
    return one_by_public_id(consents_visible(reader), public_id, _("no such consent"))


def restrictions_visible(reader: User) -> QuerySet[Restriction]:
    return Restriction.objects.filter(contact__in=visible(Contact.objects.all(), reader)).select_related(
        "purpose", "contact"
    )


def restrictions_of(reader: User, contact: Contact, *, live_only: bool = False) -> QuerySet[Restriction]:
    found = restrictions_visible(reader).filter(contact=contact)
    return found.filter(lifted_at__isnull=True) if live_only else found


def restriction_get(reader: User, public_id: Any, *, include_trash: bool = False) -> Restriction:
    return one_by_public_id(restrictions_visible(reader), public_id, _("no such objection"))


def restricted_fields(contact_ids: Iterable[int]) -> dict[int, set[str]]:
    """The fields each contact restricted (an objection to the processing of named fields)."""
    hidden: dict[int, set[str]] = defaultdict(set)
    rows = Restriction.objects.filter(
        contact_id__in=list(contact_ids), kind=RestrictionKind.FIELDS, lifted_at__isnull=True
    ).values_list("contact_id", "fields")
    for contact_id, names in rows:
        hidden[contact_id].update(names or [])
    return hidden


# --- may a contact be processed? ----------------------------------------------------------------


def decisions(
    contact_ids: Iterable[int], *, purpose: Purpose | None, channel: str, day: dt.date | None = None
) -> dict[int, Decision]:
    """Whether each contact may be processed for `purpose` on `channel`: two queries for any number."""
    ids = list(dict.fromkeys(contact_ids))
    day = day or timezone.localdate()
    consents: dict[int, list[Consent]] = defaultdict(list)
    restrictions: dict[int, list[Restriction]] = defaultdict(list)
    if purpose is not None:
        for consent in Consent.objects.filter(contact_id__in=ids, purpose=purpose):
            consents[consent.contact_id].append(consent)
    for restriction in Restriction.objects.filter(contact_id__in=ids, lifted_at__isnull=True).exclude(
        kind=RestrictionKind.FIELDS
    ):
        restrictions[restriction.contact_id].append(restriction)
    return {
        contact_id: decide(
            purpose=purpose,
            channel=channel,
            consents=consents[contact_id],
            restrictions=restrictions[contact_id],
            day=day,
        )
        for contact_id in ids
    }


def may_process(contact_id: int, *, purpose: Purpose | None, channel: str) -> Decision:
    return decisions([contact_id], purpose=purpose, channel=channel)[contact_id]


def refused_contacts(contact_ids: Iterable[int], *, purpose: Purpose | None, channel: str = "") -> set[int]:
    """The contacts among `contact_ids` that may not be processed for `purpose` on `channel`."""
    return {cid for cid, d in decisions(contact_ids, purpose=purpose, channel=channel).items() if not d.allowed}


def profiling_refused(contact_ids: Iterable[int]) -> set[int]:
    """Contacts that objected to profiling (analytics leaves them out of scoring)."""
    return set(
        Restriction.objects.filter(
            contact_id__in=list(contact_ids), kind=RestrictionKind.PROFILING, lifted_at__isnull=True
        ).values_list("contact_id", flat=True)
    )


def profiling_refused_all(contact_ids: Iterable[int]) -> set[int]:
    """Contacts no scoring may include: those who objected to profiling, and those the active
    profiling purposes may not process (an objection to the purpose; no consent where it needs one)."""
    ids = list(contact_ids)
    refused = profiling_refused(ids)
    for purpose in Purpose.objects.filter(active=True, kind="profiling"):
        refused |= refused_contacts(ids, purpose=purpose)
    return refused


# --- subject requests -----------------------------------------------------------------------------


def requests_visible(reader: User) -> QuerySet[PrivacyRequest]:
    found = PrivacyRequest.objects.select_related("contact", "owner")
    if has_privacy_permission(reader):
        return found
    return found.filter(contact__in=visible(Contact.objects.all(), reader))


def request_get(reader: User, public_id: Any, *, include_trash: bool = False) -> PrivacyRequest:
    return one_by_public_id(requests_visible(reader), public_id, _("no such privacy request"))


def request_queue(reader: User, *, status: str = "", request_type: str = "") -> QuerySet[PrivacyRequest]:
    found = requests_visible(reader)
    if status == "pending":
        found = found.filter(status__in=(RequestStatus.OPEN, RequestStatus.VERIFIED))
    elif status:
        found = found.filter(status=status)
    if request_type:
        found = found.filter(type=request_type)
    return found.order_by("due_on", "id")


def requests_overdue(reader: User, today: dt.date | None = None) -> QuerySet[PrivacyRequest]:
    today = today or timezone.localdate()
    return request_queue(reader, status="pending").filter(due_on__lt=today)


def erasures() -> QuerySet[Erasure]:
    return Erasure.objects.all()


# --- retention ----------------------------------------------------------------------------------------


def retention_rules(reader: User) -> QuerySet[RetentionRule]:
    require_privacy(reader)
    return RetentionRule.objects.all()


def retention_rule_get(reader: User, public_id: Any) -> RetentionRule:
    require_privacy(reader)
    return one_by_public_id(RetentionRule.objects.all(), public_id, _("no such retention rule"))


def retention_runs(rule: RetentionRule, *, limit: int = 20) -> list[RetentionRun]:
    return list(rule.runs.all()[:limit])


def retention_candidates(rule: RetentionRule, now: dt.datetime | None = None) -> QuerySet[Any]:
    """The records `rule` reaches now: no change and no activity since the cut-off.

    A contact with invoices or an open subject request is kept (the law keeps financial records;
    a request decides for itself); a converted lead is kept with what it became.
    """
    from django.apps import apps

    cutoff = months_before(now or timezone.now(), rule.months)
    if rule.record_type == "sales.lead":
        lead = apps.get_model("sales", "Lead")
        return lead.objects.filter(updated_at__lt=cutoff, converted_at__isnull=True).order_by("id")
    if rule.record_type == "activities.activity":
        activity = apps.get_model("activities", "Activity")
        return activity.objects.filter(occurred_at__lt=cutoff, updated_at__lt=cutoff).order_by("id")
    if rule.record_type == "parties.contact":
        activity = apps.get_model("activities", "Activity")
        invoice = apps.get_model("sales", "Invoice")
        deal = apps.get_model("sales", "Deal")
        recent_activity = activity.objects.filter(contact_id__isnull=False, occurred_at__gte=cutoff)
        return (
            Contact.objects.filter(updated_at__lt=cutoff)
            .exclude(pk__in=recent_activity.values("contact_id"))
            .exclude(pk__in=invoice.all_objects.filter(contact_id__isnull=False).values("contact_id"))
            .exclude(pk__in=deal.objects.filter(contact_id__isnull=False, updated_at__gte=cutoff).values("contact_id"))
            .exclude(pk__in=PrivacyRequest.objects.filter(status__in=("open", "verified")).values("contact_id"))
            .order_by("id")
        )
    raise NotFound(_("no such record type"))


# --- the person's own pages (reached through a signed link, no reader) -------------------------------


def consent_to_confirm(public_id: Any) -> Consent | None:
    return Consent.objects.select_related("purpose").filter(public_id=public_id).first() if is_uuid(public_id) else None


def contact_of_link(public_id: Any) -> Contact | None:
    return Contact.objects.filter(public_id=public_id).first() if is_uuid(public_id) else None


def consent_purposes_granted(contact: Contact) -> set[int]:
    """The purposes the contact's consents in force are for."""
    today = timezone.localdate()
    return {c.purpose_id for c in Consent.objects.filter(contact=contact, status="granted") if c.in_force(today)}


# --- the worker -------------------------------------------------------------------------------------------


def consent_for_worker(consent_id: int) -> Consent | None:
    return Consent.objects.select_related("contact", "purpose").filter(pk=consent_id).first()


def retention_rules_active() -> QuerySet[RetentionRule]:
    return RetentionRule.objects.filter(active=True).select_related("owner")


def retention_rule_for_worker(rule_id: int) -> RetentionRule:
    return RetentionRule.objects.get(pk=rule_id)


# --- the audit of sensitive reads ---------------------------------------------------------------------


def sensitive_reads(reader: User, *, limit: int = 100) -> list[SensitiveRead]:
    require_privacy(reader)
    return list(SensitiveRead.objects.select_related("user")[:limit])
