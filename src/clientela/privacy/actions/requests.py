"""Data subjects' requests: logged by anyone who may see the contact, verified, and carried out
once by a role with the privacy permission. Each step is an event of the request (the audit
trail: who received it, who verified the person's identity and how, who fulfilled it, when)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import FieldError, Refused, ValidationFailed
from clientela.core.visibility import require_write
from clientela.parties.entities import CONTACT
from clientela.parties.models import Contact
from clientela.privacy.actions.access import access_export
from clientela.privacy.actions.erasure import contact_erase
from clientela.privacy.actions.restrictions import restriction_create
from clientela.privacy.models import PrivacyRequest, RequestStatus, RequestType, RestrictionKind
from clientela.privacy.queries import purpose_by_code, require_privacy
from clientela.privacy.rules import clean_request, clean_restriction

if TYPE_CHECKING:
    from clientela.accounts.models import User

_PENDING = (RequestStatus.OPEN, RequestStatus.VERIFIED)


class RequestClosed(Refused):
    """The request was fulfilled or rejected: it is not carried out again."""

    status = 409
    code = "request_closed"

    def __init__(self) -> None:
        self.message = _("the request is already closed (fulfilled or rejected)")
        super().__init__(self.message)


def _clean_payload(request_type: str, payload: Any) -> dict[str, Any]:
    """What an objection or a rectification asks for, checked when the request is logged."""
    if payload in (None, ""):
        payload = {}
    if not isinstance(payload, dict):
        raise ValidationFailed.single("payload", "invalid", _("must be an object"))
    if request_type == RequestType.OBJECTION:
        kind = payload.get("kind") or RestrictionKind.PROFILING
        code = payload.get("purpose") or ""
        purpose = purpose_by_code(str(code))
        if code and purpose is None:
            raise ValidationFailed.single("payload.purpose", "not_found", _("no such purpose"))
        try:
            cleaned = clean_restriction(
                {"kind": kind, "channel": payload.get("channel") or "", "fields": payload.get("fields") or []}, purpose
            )
        except ValidationFailed as failed:
            raise ValidationFailed(
                [FieldError(f"payload.{e.field}", e.code, e.message) for e in failed.errors]
            ) from None
        return {**cleaned, "purpose": code}
    if request_type == RequestType.RECTIFICATION:
        values = payload.get("values")
        if not isinstance(values, dict) or not values:
            raise ValidationFailed.single(
                "payload.values", "required", _("name the fields to correct and their values")
            )
        unknown = [name for name in values if name not in CONTACT.value_fields]
        if unknown:
            raise ValidationFailed.single(
                "payload.values", "invalid", _("not a contact field: %(names)s") % {"names": ", ".join(unknown)}
            )
        return {"values": values}
    return {}


def privacy_request_create(
    *, actor: User, contact: Contact, values: dict[str, Any], payload: Any = None
) -> PrivacyRequest:
    require_write(actor, contact)
    cleaned = clean_request(values)
    cleaned["payload"] = _clean_payload(cleaned["type"], payload)
    return records.create_record(
        PrivacyRequest,
        actor=actor,
        values={**cleaned, "contact": contact, "owner": actor, "team": contact.team},
        action="privacy_request.create",
    )


def privacy_request_verify(
    *, actor: User, request: PrivacyRequest, verification: str, expected_version: int | None = None
) -> PrivacyRequest:
    """Record how the person's identity was checked (a reply from the address on file, an ID seen)."""
    require_privacy(actor)
    text = (verification or "").strip()
    if not text:
        raise ValidationFailed.single("verification", "required", _("say how the identity was verified"))
    if request.status not in _PENDING:
        raise RequestClosed()
    return records.update_record(
        request,
        actor=actor,
        values={"verification": text[:5000], "verified_at": timezone.now(), "status": RequestStatus.VERIFIED},
        action="privacy_request.verify",
        expected_version=expected_version,
    )


def privacy_request_reject(*, actor: User, request: PrivacyRequest, outcome: str) -> PrivacyRequest:
    require_privacy(actor)
    if request.status not in _PENDING:
        raise RequestClosed()
    if not (outcome or "").strip():
        raise ValidationFailed.single("outcome", "required", _("say why the request is rejected"))
    return records.update_record(
        request,
        actor=actor,
        values={"status": RequestStatus.REJECTED, "outcome": outcome.strip()[:5000], "fulfilled_at": timezone.now()},
        action="privacy_request.reject",
    )


def privacy_request_fulfil(*, actor: User, request: PrivacyRequest, verification: str = "") -> PrivacyRequest:
    """Carry the request out, once: export, erase, restrict or correct, then close it."""
    require_privacy(actor)
    with transaction.atomic():
        request = (
            PrivacyRequest.all_objects.select_for_update(of=("self",)).select_related("contact").get(pk=request.pk)
        )
        if request.status not in _PENDING:
            raise RequestClosed()
        if verification.strip():
            request = privacy_request_verify(actor=actor, request=request, verification=verification)
        if request.type in (RequestType.ACCESS, RequestType.ERASURE) and not request.verification.strip():
            raise ValidationFailed.single(
                "verification", "required", _("verify the person's identity before disclosing or erasing their data")
            )
        contact = request.contact
        if contact is None:
            raise ValidationFailed.single("contact", "not_found", _("the request names no contact"))
        outcome = _carry_out(actor, request, contact)
        return records.update_record(
            request,
            actor=actor,
            values={"status": RequestStatus.DONE, "fulfilled_at": timezone.now(), "outcome": outcome},
            action="privacy_request.fulfil",
        )


def _carry_out(actor: User, request: PrivacyRequest, contact: Contact) -> str:
    if request.type == RequestType.ACCESS:
        counts = access_export(actor=actor, request=request)
        return _("Export of %(rows)s rows in %(kinds)s kinds of record.") % {
            "rows": sum(n for k, n in counts.items() if k != "files"),
            "kinds": len(counts),
        }
    if request.type == RequestType.ERASURE:
        result = contact_erase(actor=actor, contact=contact, request=request)
        return _("Erased: %(rows)s rows changed, %(files)s files removed.") % {
            "rows": result.rows_changed,
            "files": result.files_removed,
        }
    if request.type == RequestType.OBJECTION:
        payload = dict(request.payload)
        purpose = purpose_by_code(payload.pop("purpose", "") or "")
        restriction = restriction_create(actor=actor, contact=contact, values=payload, purpose=purpose)
        return _("Objection in force: %(what)s.") % {"what": restriction.get_kind_display()}
    from clientela.parties import actions as parties_actions

    values = request.payload.get("values", {})
    parties_actions.contact_update(actor=actor, contact=contact, values=values)
    return _("Corrected: %(fields)s.") % {"fields": ", ".join(sorted(values))}
