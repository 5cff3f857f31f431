"""The privacy app's rules: what a purpose, a consent, an objection, a request and a retention
rule may hold (every bad field reported at once), and whether a contact may be processed for a
purpose on a channel. Nothing here writes."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.validation import catch_errors, clean_values
from clientela.privacy.models import (
    CaptureSource,
    Consent,
    ConsentStatus,
    LegalBasis,
    PolicyVersion,
    PrivacyRequest,
    Purpose,
    PurposeKind,
    Restriction,
    RestrictionKind,
    RetentionRule,
)

PURPOSE_FIELDS = frozenset({"code", "name", "description", "kind", "legal_basis", "channel", "double_opt_in", "active"})
POLICY_FIELDS = frozenset({"name", "effective_from", "summary", "url"})
CONSENT_FIELDS = frozenset(
    {"status", "captured_at", "source", "form", "evidence", "confirmed_at", "valid_from", "valid_until"}
)
RESTRICTION_FIELDS = frozenset({"kind", "channel", "fields", "reason"})
REQUEST_FIELDS = frozenset({"type", "received_at", "channel", "details", "verification"})
RETENTION_FIELDS = frozenset({"name", "record_type", "months", "action", "active"})
# The record types a retention rule may name, and the contact fields an objection may name.
RETENTION_TYPES = ("sales.lead", "parties.contact", "activities.activity")
RESTRICTABLE_FIELDS = (
    "birth_date", "gender", "marital_status", "children", "occupation", "income_band", "title", "notes", "addresses",
    "phones", "custom",
)  # fmt: skip
MAX_RETENTION_MONTHS = 1200


def _require(values: dict[str, Any], current: Any, names: Iterable[str], errors: list[FieldError]) -> None:
    for name in names:
        value = values.get(name, getattr(current, name, None) if current is not None else None)
        if value in (None, ""):
            errors.append(FieldError(name, "required", _("is required")))


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def clean_purpose(values: dict[str, Any], current: Purpose | None) -> dict[str, Any]:
    cleaned = clean_values(Purpose, values, allowed=PURPOSE_FIELDS)
    errors: list[FieldError] = []
    _require(cleaned, current, ("code", "name", "legal_basis"), errors)
    if "code" in cleaned:
        cleaned["code"] = cleaned["code"].lower()
        clash = Purpose.all_objects.filter(code=cleaned["code"])
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            errors.append(FieldError("code", "duplicate", _("is used by another purpose")))
    basis = cleaned.get("legal_basis", getattr(current, "legal_basis", ""))
    if cleaned.get("double_opt_in") and basis != LegalBasis.CONSENT:
        errors.append(FieldError("double_opt_in", "invalid", _("only a purpose that rests on consent is confirmed")))
    _raise(errors)
    return cleaned


def clean_policy(values: dict[str, Any], current: PolicyVersion | None) -> dict[str, Any]:
    cleaned = clean_values(PolicyVersion, values, allowed=POLICY_FIELDS)
    errors: list[FieldError] = []
    _require(cleaned, current, ("name", "effective_from"), errors)
    if "name" in cleaned:
        clash = PolicyVersion.all_objects.filter(name=cleaned["name"])
        if current is not None:
            clash = clash.exclude(pk=current.pk)
        if clash.exists():
            errors.append(FieldError("name", "duplicate", _("is used by another version")))
    _raise(errors)
    return cleaned


def policy_in_force(day: dt.date) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(effective_from__lte=day).order_by("-effective_from").first()


def clean_consent(values: dict[str, Any], current: Consent | None, purpose: Purpose) -> dict[str, Any]:
    """A consent's values; the moment defaults to now, the policy to the one in force then."""
    cleaned = clean_values(Consent, values, allowed=CONSENT_FIELDS)
    errors: list[FieldError] = []
    _require(cleaned, current, ("status",), errors)
    cleaned.setdefault("captured_at", timezone.now())
    if cleaned["captured_at"] > timezone.now() + dt.timedelta(minutes=5):
        errors.append(FieldError("captured_at", "invalid", _("is in the future")))
    cleaned.setdefault("source", getattr(current, "source", "") or CaptureSource.PAGE)
    valid_from = cleaned.get("valid_from", getattr(current, "valid_from", None))
    valid_until = cleaned.get("valid_until", getattr(current, "valid_until", None))
    if valid_from and valid_until and valid_until < valid_from:
        errors.append(FieldError("valid_until", "invalid", _("is before the start")))
    status = cleaned.get("status")
    if status == ConsentStatus.GRANTED and purpose.double_opt_in and not cleaned.get("confirmed_at"):
        # Granted by the person but not yet confirmed from their mailbox: pending until they are.
        cleaned["status"] = ConsentStatus.PENDING
    if cleaned.get("source") == CaptureSource.IMPORT and not (cleaned.get("evidence") or "").strip():
        errors.append(FieldError("evidence", "required", _("an imported consent needs its evidence")))
    if not purpose.active:
        errors.append(FieldError("purpose", "inactive", _("is no longer in use")))
    _raise(errors)
    return cleaned


def clean_restriction(values: dict[str, Any], purpose: Purpose | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    raw_fields = values.get("fields") or []
    cleaned = catch_errors(errors, clean_values, Restriction, {**values, "fields": []}, allowed=RESTRICTION_FIELDS)
    if cleaned is None:
        _raise(errors)
        return {}
    kind = cleaned.get("kind")
    if not kind:
        errors.append(FieldError("kind", "required", _("is required")))
    if kind == RestrictionKind.CHANNEL and not cleaned.get("channel"):
        errors.append(FieldError("channel", "required", _("name the channel the person objects to")))
    if kind == RestrictionKind.PURPOSE and purpose is None:
        errors.append(FieldError("purpose", "required", _("name the purpose the person objects to")))
    if kind == RestrictionKind.FIELDS:
        if not isinstance(raw_fields, list) or not raw_fields:
            errors.append(FieldError("fields", "required", _("name the fields")))
        else:
            unknown = [str(name) for name in raw_fields if name not in RESTRICTABLE_FIELDS]
            if unknown:
                errors.append(
                    FieldError(
                        "fields", "invalid", _("cannot be restricted: %(names)s") % {"names": ", ".join(unknown)}
                    )
                )
            cleaned["fields"] = sorted({str(name) for name in raw_fields})
    _raise(errors)
    if kind != RestrictionKind.CHANNEL:
        cleaned["channel"] = ""
    return cleaned


def due_on(received: dt.datetime) -> dt.date:
    """One month after receipt (GDPR Art. 12(3)); a 31st falls on the month's last day."""
    day = timezone.localdate(received)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def clean_request(values: dict[str, Any]) -> dict[str, Any]:
    cleaned = clean_values(PrivacyRequest, values, allowed=REQUEST_FIELDS)
    errors: list[FieldError] = []
    _require(cleaned, None, ("type",), errors)
    cleaned.setdefault("received_at", timezone.now())
    if cleaned["received_at"] > timezone.now() + dt.timedelta(minutes=5):
        errors.append(FieldError("received_at", "invalid", _("is in the future")))
    _raise(errors)
    cleaned["due_on"] = due_on(cleaned["received_at"])
    return cleaned


def clean_retention_rule(values: dict[str, Any], current: RetentionRule | None) -> dict[str, Any]:
    cleaned = clean_values(RetentionRule, values, allowed=RETENTION_FIELDS)
    errors: list[FieldError] = []
    _require(cleaned, current, ("name", "record_type", "months"), errors)
    record_type = cleaned.get("record_type")
    if record_type and record_type not in RETENTION_TYPES:
        errors.append(
            FieldError("record_type", "invalid", _("is not one of %(types)s") % {"types": ", ".join(RETENTION_TYPES)})
        )
    months = cleaned.get("months")
    if months is not None and not 1 <= months <= MAX_RETENTION_MONTHS:
        errors.append(FieldError("months", "invalid", _("must be between 1 and %(n)s") % {"n": MAX_RETENTION_MONTHS}))
    kind = cleaned.get("record_type", getattr(current, "record_type", ""))
    if cleaned.get("action") == "erase" and kind != "parties.contact":
        errors.append(FieldError("action", "invalid", _("only contacts are erased; other records go to the trash")))
    _raise(errors)
    return cleaned


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same moment `months` calendar months earlier (a 31st on the month's last day)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


# --- may a contact be processed? -----------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


# Objections reach what rests on the company's own interest or on consent; a contract or a legal
# obligation (service, invoicing) goes on (GDPR Art. 21(1) and (2)).
_OBJECTABLE = {LegalBasis.CONSENT, LegalBasis.LEGITIMATE_INTERESTS, LegalBasis.PUBLIC_TASK}


def decide(
    *,
    purpose: Purpose | None,
    channel: str,
    consents: Iterable[Consent],
    restrictions: Iterable[Restriction],
    day: dt.date,
) -> Decision:
    """Whether the company may process a contact for `purpose` on `channel` ("" = no channel).

    No purpose named is correspondence in the company's legitimate interest. An objection to
    the purpose, to profiling (for a profiling purpose) or to the channel stops what rests on
    consent or legitimate interests; a purpose that rests on consent needs one in force for it,
    on that channel or on every channel.
    """
    basis = purpose.legal_basis if purpose is not None else LegalBasis.LEGITIMATE_INTERESTS
    kind = purpose.kind if purpose is not None else PurposeKind.SALES
    if basis in _OBJECTABLE:
        for restriction in restrictions:
            if restriction.lifted_at is not None:
                continue
            if (
                restriction.kind == RestrictionKind.PURPOSE
                and purpose is not None
                and restriction.purpose_id == purpose.pk
            ):
                return Decision(False, _("objected to this purpose"))
            if restriction.kind == RestrictionKind.PROFILING and kind == PurposeKind.PROFILING:
                return Decision(False, _("objected to profiling"))
            if restriction.kind == RestrictionKind.CHANNEL and channel and restriction.channel == channel:
                return Decision(False, _("objected to being reached by %(channel)s") % {"channel": channel})
    if purpose is not None and basis == LegalBasis.CONSENT:
        for consent in consents:
            if consent.purpose_id == purpose.pk and consent.channel in ("", channel) and consent.in_force(day):
                return Decision(True)
        return Decision(False, _("has not consented to %(purpose)s") % {"purpose": purpose.name})
    return Decision(True)
