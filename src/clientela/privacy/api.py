"""REST endpoints of the privacy app: /api/v1/purposes, /policy-versions, /consents,
/restrictions, /privacy-requests (with /fulfil, /reject and /export) and /retention-rules.

Consents and objections are read and written with their contact (one the caller may not see is
a 404 or a field error `contact`). Purposes, policy versions, retention rules and fulfilling a
request need the privacy permission (administrators unless CLIENTELA_PRIVACY_ROLES says more);
anyone who may change the contact logs a request.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router

from clientela.core.apikit.auth import caller
from clientela.core.apikit.errors import COMMON, PRECONDITIONS, WITH_RECORD, ErrorOut
from clientela.core.apikit.etag import IfMatch, etag_for, expected_version
from clientela.core.apikit.idempotency import IdempotencyKeyHeader
from clientela.core.apikit.pagination import paginate, parse_sort
from clientela.core.context import acting_via, overwriting
from clientela.core.errors import ApiError, FieldError, NotFound
from clientela.parties.api_support import created_once
from clientela.privacy import actions, queries
from clientela.privacy.models import Consent, PolicyVersion, PrivacyRequest, Purpose, Restriction, RetentionRule
from clientela.privacy.rules import months_before
from clientela.privacy.schemas import (
    ConsentCreate,
    ConsentEventOut,
    ConsentListParams,
    ConsentOut,
    ConsentPage,
    FulfilBody,
    PolicyCreate,
    PolicyOut,
    PrivacyRequestCreate,
    PrivacyRequestListParams,
    PrivacyRequestOut,
    PrivacyRequestPage,
    PurposeCreate,
    PurposeOut,
    PurposePatch,
    RejectBody,
    RestrictionCreate,
    RestrictionListParams,
    RestrictionOut,
    RestrictionPage,
    RetentionPreviewOut,
    RetentionRuleCreate,
    RetentionRuleOut,
    RetentionRunOut,
)

if TYPE_CHECKING:
    from clientela.accounts.models import User

purposes = Router(tags=["privacy"])
policies = Router(tags=["privacy"])
consents = Router(tags=["privacy"])
restrictions = Router(tags=["privacy"])
privacy_requests = Router(tags=["privacy"])
retention_rules = Router(tags=["privacy"])


def _purpose_named(text: str, field: str = "purpose") -> Purpose:
    found = queries.purpose_named(text)
    if found is None:
        raise ApiError(422, [FieldError(field, "not_found", _("no such purpose"))])
    return found


def _contact_named(user: User, public_id: Any) -> Any:
    try:
        return queries.contact_for(user, public_id)
    except NotFound:
        raise ApiError(422, [FieldError("contact", "not_found", _("no such contact"))]) from None


# --- bodies ------------------------------------------------------------------------------------------


def purpose_body(purpose: Purpose) -> dict[str, Any]:
    return {
        "id": purpose.public_id, "code": purpose.code, "name": purpose.name, "description": purpose.description,
        "kind": purpose.kind, "legal_basis": purpose.legal_basis, "channel": purpose.channel,
        "double_opt_in": purpose.double_opt_in, "needs_consent": purpose.needs_consent, "active": purpose.active,
        "version": purpose.version,
    }  # fmt: skip


def policy_body(policy: PolicyVersion) -> dict[str, Any]:
    return {
        "id": policy.public_id, "name": policy.name, "effective_from": policy.effective_from,
        "summary": policy.summary, "url": policy.url, "version": policy.version,
    }  # fmt: skip


def consent_body(consent: Consent) -> dict[str, Any]:
    return {
        "id": consent.public_id, "contact": consent.contact.public_id, "purpose": consent.purpose.public_id,
        "purpose_code": consent.purpose.code, "channel": consent.channel, "status": consent.status,
        "captured_at": consent.captured_at, "source": consent.source, "form": consent.form,
        "policy_version": consent.policy_version.name if consent.policy_version else None,
        "evidence": consent.evidence, "confirmed_at": consent.confirmed_at, "valid_from": consent.valid_from,
        "valid_until": consent.valid_until, "in_force": consent.in_force(timezone.localdate()),
        "version": consent.version,
    }  # fmt: skip


def restriction_body(restriction: Restriction) -> dict[str, Any]:
    return {
        "id": restriction.public_id, "contact": restriction.contact.public_id, "kind": restriction.kind,
        "channel": restriction.channel, "purpose": restriction.purpose.code if restriction.purpose else None,
        "fields": restriction.fields, "reason": restriction.reason, "starts_at": restriction.starts_at,
        "lifted_at": restriction.lifted_at, "version": restriction.version,
    }  # fmt: skip


def request_body(item: PrivacyRequest) -> dict[str, Any]:
    pending = item.status in ("open", "verified")
    export = reverse("api:privacy_request_export", args=[item.public_id]) if item.export_file else None
    return {
        "id": item.public_id, "contact": item.contact.public_id if item.contact else None, "type": item.type,
        "status": item.status, "received_at": item.received_at, "due_on": item.due_on,
        "overdue": pending and item.due_on < timezone.localdate(), "channel": item.channel, "details": item.details,
        "verification": item.verification, "verified_at": item.verified_at, "payload": item.payload,
        "outcome": item.outcome, "fulfilled_at": item.fulfilled_at, "export": export, "version": item.version,
    }  # fmt: skip


def rule_body(rule: RetentionRule) -> dict[str, Any]:
    return {
        "id": rule.public_id, "name": rule.name, "record_type": rule.record_type, "months": rule.months,
        "action": rule.action, "active": rule.active, "last_run_at": rule.last_run_at, "version": rule.version,
    }  # fmt: skip


# --- purposes and policy versions -----------------------------------------------------------------


@purposes.get("", response={200: list[PurposeOut], **COMMON}, summary="List the purposes of processing")
def purpose_list(request: HttpRequest) -> list[dict[str, Any]]:
    caller(request)
    return [purpose_body(p) for p in queries.purposes()]


@purposes.post("", response={201: PurposeOut, **COMMON, 409: ErrorOut}, summary="Create a purpose")
def purpose_create(
    request: HttpRequest, payload: PurposeCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Needs the privacy permission. A purpose that rests on `consent` is used for a person only
    while they have given it (on the channel used, or on every channel)."""
    user = caller(request)

    def create() -> dict[str, Any]:
        return purpose_body(actions.purpose_create(actor=user, values=payload.model_dump()))

    return created_once(request, user, payload, idempotency_key, "purposes", create)


@purposes.get("/{purpose_id}", response={200: PurposeOut, **WITH_RECORD}, summary="Read a purpose")
def purpose_read(request: HttpRequest, purpose_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    caller(request)
    purpose = queries.purpose_get(purpose_id)
    response["ETag"] = etag_for(purpose)
    return purpose_body(purpose)


@purposes.patch("/{purpose_id}", response={200: PurposeOut, **PRECONDITIONS}, summary="Change a purpose")
def purpose_patch(
    request: HttpRequest, purpose_id: uuid.UUID, payload: PurposePatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    purpose = queries.purpose_get(purpose_id)
    expected = expected_version(if_match, purpose.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.purpose_update(
            actor=user, purpose=purpose, values=payload.model_dump(exclude_unset=True), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return purpose_body(updated)


@policies.get("", response={200: list[PolicyOut], **COMMON}, summary="List the privacy policy versions")
def policy_list(request: HttpRequest) -> list[dict[str, Any]]:
    caller(request)
    return [policy_body(p) for p in queries.policies()]


@policies.post("", response={201: PolicyOut, **COMMON, 409: ErrorOut}, summary="Add a privacy policy version")
def policy_create(
    request: HttpRequest, payload: PolicyCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    user = caller(request)

    def create() -> dict[str, Any]:
        return policy_body(actions.policy_create(actor=user, values=payload.model_dump()))

    return created_once(request, user, payload, idempotency_key, "policy-versions", create)


# --- consents -------------------------------------------------------------------------------------


@consents.get("", response={200: ConsentPage, **COMMON}, summary="List consents")
def consent_list(request: HttpRequest, params: Query[ConsentListParams]) -> dict[str, Any]:
    """Filter by `contact` (its id) and `purpose` (its code). Consents of contacts you may not see are left out."""
    user = caller(request)
    queryset = queries.consents_visible(user)
    if params.contact:
        queryset = queryset.filter(contact__public_id=params.contact)
    if params.purpose:
        queryset = queryset.filter(purpose__code=params.purpose)
    page = paginate(queryset, keys=parse_sort(None, allowed=("captured_at",), default=("-captured_at",)),
                    cursor=params.cursor, limit=params.limit)  # fmt: skip
    return {"items": [consent_body(c) for c in page.items], "next_cursor": page.next_cursor}


@consents.post("", response={201: ConsentOut, **COMMON, 409: ErrorOut}, summary="Record a consent")
def consent_create(
    request: HttpRequest, payload: ConsentCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Sets the contact's consent for the purpose on the channel ("" = every channel): granted,
    withdrawn or refused, with when, how (`source`, `form`) and the evidence; the policy version
    in force then is recorded. An imported consent needs its evidence. A purpose with double
    opt-in keeps a grant `pending` and e-mails the person a confirmation link."""
    user = caller(request)
    contact = _contact_named(user, payload.contact)
    purpose = _purpose_named(payload.purpose)
    values = payload.model_dump(exclude={"contact", "purpose", "channel"}, exclude_none=True)

    def create() -> dict[str, Any]:
        consent = actions.consent_record(
            actor=user, contact=contact, purpose=purpose, channel=payload.channel, values=values
        )
        return consent_body(queries.consent_get(user, consent.public_id))

    return created_once(request, user, payload, idempotency_key, "consents", create)


@consents.get("/{consent_id}", response={200: ConsentOut, **WITH_RECORD}, summary="Read a consent")
def consent_read(request: HttpRequest, consent_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    consent = queries.consent_get(user, consent_id)
    response["ETag"] = etag_for(consent)
    return consent_body(consent)


@consents.get(
    "/{consent_id}/history", response={200: list[ConsentEventOut], **WITH_RECORD}, summary="A consent's history"
)
def consent_history(request: HttpRequest, consent_id: uuid.UUID) -> list[dict[str, Any]]:
    """Every change of the consent, oldest first: its status, when, how and the evidence each time."""
    user = caller(request)
    consent = queries.consent_get(user, consent_id)
    return [
        {"occurred_at": e.occurred_at, "action": e.action, "by": e.actor.username if e.actor else None,
         "changes": e.changes}
        for e in queries.history(consent)
    ]  # fmt: skip


# --- objections and restrictions ------------------------------------------------------------------


@restrictions.get("", response={200: RestrictionPage, **COMMON}, summary="List objections and restrictions")
def restriction_list(request: HttpRequest, params: Query[RestrictionListParams]) -> dict[str, Any]:
    user = caller(request)
    queryset = queries.restrictions_visible(user)
    if params.contact:
        queryset = queryset.filter(contact__public_id=params.contact)
    page = paginate(queryset, keys=parse_sort(None, allowed=("starts_at",), default=("-starts_at",)),
                    cursor=params.cursor, limit=params.limit)  # fmt: skip
    return {"items": [restriction_body(r) for r in page.items], "next_cursor": page.next_cursor}


@restrictions.post("", response={201: RestrictionOut, **COMMON, 409: ErrorOut}, summary="Record an objection")
def restriction_create(
    request: HttpRequest, payload: RestrictionCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """`kind`: `profiling` (analytics leaves the contact out of scoring), `channel` (no processing on
    it that rests on consent or legitimate interests), `purpose`, or `fields` (hidden from roles
    without the privacy permission)."""
    user = caller(request)
    contact = _contact_named(user, payload.contact)
    purpose = _purpose_named(payload.purpose) if payload.purpose else None
    values = {
        "kind": payload.kind,
        "channel": payload.channel,
        "fields": list(payload.fields),
        "reason": payload.reason,
    }

    def create() -> dict[str, Any]:
        made = actions.restriction_create(actor=user, contact=contact, values=values, purpose=purpose)
        return restriction_body(queries.restriction_get(user, made.public_id))

    return created_once(request, user, payload, idempotency_key, "restrictions", create)


@restrictions.post("/{restriction_id}/lift", response={200: RestrictionOut, **WITH_RECORD}, summary="Lift an objection")
def restriction_lift(request: HttpRequest, restriction_id: uuid.UUID) -> dict[str, Any]:
    user = caller(request)
    restriction = queries.restriction_get(user, restriction_id)
    with acting_via("api"):
        actions.restriction_lift(actor=user, restriction=restriction)
    return restriction_body(queries.restriction_get(user, restriction_id))


# --- subject requests --------------------------------------------------------------------------------


@privacy_requests.get("", response={200: PrivacyRequestPage, **COMMON}, summary="The queue of privacy requests")
def request_list(request: HttpRequest, params: Query[PrivacyRequestListParams]) -> dict[str, Any]:
    """Oldest deadline first. `status=pending` is open or verified. Roles with the privacy permission
    see every request; others those of the contacts they may see."""
    user = caller(request)
    queryset = queries.request_queue(user, status=params.status or "", request_type=params.type or "")
    if params.contact:
        queryset = queryset.filter(contact__public_id=params.contact)
    page = paginate(queryset, keys=parse_sort(None, allowed=("due_on",), default=("due_on",)),
                    cursor=params.cursor, limit=params.limit)  # fmt: skip
    return {"items": [request_body(r) for r in page.items], "next_cursor": page.next_cursor}


@privacy_requests.post("", response={201: PrivacyRequestOut, **COMMON, 409: ErrorOut}, summary="Log a privacy request")
def request_create(
    request: HttpRequest, payload: PrivacyRequestCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """`type`: `access` (an export of every record linked to the person), `rectification`
    (`payload.values`), `erasure`, `objection` (`payload.kind`, `channel`, `purpose`, `fields`). Due
    one month after `received_at` (default now)."""
    user = caller(request)
    contact = _contact_named(user, payload.contact)
    values = payload.model_dump(exclude={"contact", "payload"}, exclude_none=True)

    def create() -> dict[str, Any]:
        made = actions.privacy_request_create(actor=user, contact=contact, values=values, payload=payload.payload)
        return request_body(queries.request_get(user, made.public_id))

    return created_once(request, user, payload, idempotency_key, "privacy-requests", create)


@privacy_requests.get(
    "/{request_id}", response={200: PrivacyRequestOut, **WITH_RECORD}, summary="Read a privacy request"
)
def request_read(request: HttpRequest, request_id: uuid.UUID, response: HttpResponse) -> dict[str, Any]:
    user = caller(request)
    item = queries.request_get(user, request_id)
    response["ETag"] = etag_for(item)
    return request_body(item)


@privacy_requests.post(
    "/{request_id}/fulfil",
    response={200: PrivacyRequestOut, **WITH_RECORD, 409: ErrorOut},
    summary="Carry out a request",
)
def request_fulfil(request: HttpRequest, request_id: uuid.UUID, payload: FulfilBody) -> dict[str, Any]:
    """Needs the privacy permission; once only (409 `request_closed` after). An access or erasure
    request needs the identity verification (give it here or before). Access: the ZIP is then at
    `export`. Erasure: the person is anonymised everywhere; invoices keep their legal content."""
    user = caller(request)
    item = queries.request_get(user, request_id)
    with acting_via("api"):
        actions.privacy_request_fulfil(actor=user, request=item, verification=payload.verification)
    return request_body(queries.request_get(user, request_id))


@privacy_requests.post(
    "/{request_id}/reject", response={200: PrivacyRequestOut, **WITH_RECORD, 409: ErrorOut}, summary="Reject a request"
)
def request_reject(request: HttpRequest, request_id: uuid.UUID, payload: RejectBody) -> dict[str, Any]:
    user = caller(request)
    item = queries.request_get(user, request_id)
    with acting_via("api"):
        actions.privacy_request_reject(actor=user, request=item, outcome=payload.outcome)
    return request_body(queries.request_get(user, request_id))


@privacy_requests.get(
    "/{request_id}/export",
    response={200: None, **WITH_RECORD},
    summary="Download an access request's export (ZIP)",
    url_name="privacy_request_export",
)
def request_export(request: HttpRequest, request_id: uuid.UUID) -> HttpResponse:
    """`application/zip`: `manifest.json`, `contact.json`, one JSON and one CSV per kind of record
    linked to the person, `events.*` (the change log) and `files/`. Needs the privacy permission."""
    user = caller(request)
    queries.require_privacy(user)
    item = queries.request_get(user, request_id)
    path = Path(settings.DATA_DIR) / item.export_file if item.export_file else None
    if path is None or not path.is_file():
        raise NotFound(_("this request has no export"))
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"privacy-export-{item.public_id}.zip",
        content_type="application/zip",
    )


# --- retention ---------------------------------------------------------------------------------------


@retention_rules.get("", response={200: list[RetentionRuleOut], **COMMON}, summary="List retention rules")
def rule_list(request: HttpRequest) -> list[dict[str, Any]]:
    user = caller(request)
    return [rule_body(r) for r in queries.retention_rules(user)]


@retention_rules.post("", response={201: RetentionRuleOut, **COMMON, 409: ErrorOut}, summary="Create a retention rule")
def rule_create(
    request: HttpRequest, payload: RetentionRuleCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Records of `record_type` with no change and no activity for `months` go to the trash (or a
    contact is erased); the worker applies active rules daily."""
    user = caller(request)

    def create() -> dict[str, Any]:
        return rule_body(actions.retention_rule_create(actor=user, values=payload.model_dump()))

    return created_once(request, user, payload, idempotency_key, "retention-rules", create)


@retention_rules.get(
    "/{rule_id}/preview", response={200: RetentionPreviewOut, **WITH_RECORD}, summary="What a rule reaches now"
)
def rule_preview(request: HttpRequest, rule_id: uuid.UUID) -> dict[str, Any]:
    user = caller(request)
    rule = queries.retention_rule_get(user, rule_id)
    now = timezone.now()
    candidates = queries.retention_candidates(rule, now)
    return {
        "found": candidates.count(),
        "cutoff": months_before(now, rule.months),
        "records": list(candidates.values_list("public_id", flat=True)[:500]),
    }


@retention_rules.post("/{rule_id}/apply", response={200: RetentionRunOut, **WITH_RECORD}, summary="Apply a rule now")
def rule_apply(request: HttpRequest, rule_id: uuid.UUID) -> dict[str, Any]:
    user = caller(request)
    rule = queries.retention_rule_get(user, rule_id)
    with acting_via("api"):
        run = actions.retention_apply(actor=user, rule=rule)
    return {
        "started_at": run.started_at, "finished_at": run.finished_at, "found": run.found, "done": run.done,
        "records": run.records, "error": run.error,
    }  # fmt: skip
