"""Consents: given, withdrawn, refused, confirmed; from a page, the API, an import or the
person's own form. One row per contact, purpose and channel holds the current state; each change
is one event of the change log (the full history: status, when, how, policy, evidence)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.visibility import require_write
from clientela.parties.models import Contact
from clientela.privacy.models import CaptureSource, Consent, ConsentStatus, ContactChannel, Purpose
from clientela.privacy.rules import clean_consent, policy_in_force

if TYPE_CHECKING:
    from clientela.accounts.models import User

# Called with a consent awaiting confirmation, after the commit (privacy/apps.py registers the
# job that e-mails the person the confirmation link).
CONFIRMATION_SENDERS: list[Callable[[Consent], None]] = []


def _check_channel(purpose: Purpose, channel: str) -> None:
    if channel and channel not in ContactChannel.values:
        raise ValidationFailed.single("channel", "invalid", _("is not a channel"))
    if channel and purpose.channel and channel != purpose.channel:
        raise ValidationFailed.single(
            "channel", "invalid", _("the purpose is for %(channel)s only") % {"channel": purpose.channel}
        )


def consent_record(
    *,
    actor: User | None,
    contact: Contact,
    purpose: Purpose,
    channel: str = "",
    values: dict[str, Any],
    expected_version: int | None = None,
) -> Consent:
    """Set the contact's consent for `purpose` on `channel` ("" = every channel of the purpose).

    `actor` None is the person themselves (a public form, a confirmation link).
    """
    if actor is not None:
        require_write(actor, contact)
    _check_channel(purpose, channel)
    channel = channel or purpose.channel
    cleaned = clean_consent(values, None, purpose)
    if "policy_version" not in cleaned:
        cleaned["policy_version"] = policy_in_force(timezone.localdate(cleaned["captured_at"]))
    if cleaned["status"] != ConsentStatus.GRANTED and "confirmed_at" not in values:
        cleaned["confirmed_at"] = None
    for attempt in range(2):
        try:
            with transaction.atomic():
                current = (
                    Consent.all_objects.select_for_update()
                    .filter(contact=contact, purpose=purpose, channel=channel)
                    .first()
                )
                if current is None:
                    consent = records.create_record(
                        Consent,
                        actor=actor,
                        values={
                            **cleaned, "contact": contact, "purpose": purpose, "channel": channel,
                            "owner": contact.owner, "team": contact.team,
                        },
                        action="consent.record",
                    )  # fmt: skip
                else:
                    consent = records.update_record(
                        current,
                        actor=actor,
                        values=cleaned,
                        action="consent.record",
                        expected_version=expected_version,
                    )
                if consent.status == ConsentStatus.PENDING:
                    for send in CONFIRMATION_SENDERS:
                        transaction.on_commit(lambda send=send, consent=consent: send(consent))
                return consent
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def consent_confirm(*, consent: Consent, evidence: str) -> Consent:
    """The person confirmed from their mailbox (double opt-in): the consent is in force."""
    if consent.status != ConsentStatus.PENDING:
        return consent
    now = timezone.now()
    note = (consent.evidence + "\n" if consent.evidence else "") + evidence
    return records.update_record(
        consent,
        actor=None,
        values={"status": ConsentStatus.GRANTED, "confirmed_at": now, "evidence": note[:5000]},
        action="consent.confirm",
    )


def consents_from_form(*, contact: Contact, choices: dict[Purpose, bool], evidence: str, form: str) -> list[Consent]:
    """The person's own choices on their preferences page (reached from a link mailed to them,
    so a grant there is confirmed)."""
    now = timezone.now()
    written = []
    with transaction.atomic():
        for purpose, granted in choices.items():
            current = Consent.objects.filter(contact=contact, purpose=purpose, channel=purpose.channel).first()
            status = ConsentStatus.GRANTED if granted else ConsentStatus.WITHDRAWN
            if current is not None and current.status == status:
                continue
            if current is None and not granted:
                continue
            written.append(
                consent_record(
                    actor=None,
                    contact=contact,
                    purpose=purpose,
                    channel=purpose.channel,
                    values={
                        "status": status,
                        "captured_at": now,
                        "source": CaptureSource.FORM,
                        "form": form,
                        "evidence": evidence,
                        "confirmed_at": now if granted else None,
                    },
                )  # fmt: skip
            )
    return written


def consents_import(*, actor: User, rows: list[dict[str, Any]]) -> list[Consent]:
    """Consents from a file: every row checked first (errors name the row), then all written.

    A row names the contact (public id), the purpose (code), the channel, the status, when it
    was given and its evidence (where and how: "signed paper form 2024-03", a web log line).
    """
    from clientela.parties import queries as parties_queries
    from clientela.privacy import queries

    errors: list[FieldError] = []
    prepared: list[tuple[Contact, Purpose, str, dict[str, Any]]] = []
    for number, row in enumerate(rows, start=1):
        where = f"rows[{number}]"
        contact = (
            parties_queries.contacts_visible(actor).filter(public_id=row.get("contact")).first()
            if _uuid(row.get("contact"))
            else None
        )
        purpose = queries.purpose_by_code(str(row.get("purpose") or ""))
        if contact is None:
            errors.append(FieldError(f"{where}.contact", "not_found", _("no such contact")))
        if purpose is None:
            errors.append(FieldError(f"{where}.purpose", "not_found", _("no such purpose")))
        if contact is None or purpose is None:
            continue
        values = {k: row.get(k) for k in ("status", "captured_at", "evidence", "valid_from", "valid_until", "form")}
        values = {k: v for k, v in values.items() if v not in (None, "")}
        values["source"] = CaptureSource.IMPORT
        try:
            _check_channel(purpose, str(row.get("channel") or ""))
            clean_consent(values, None, purpose)
        except ValidationFailed as failed:
            errors.extend(FieldError(f"{where}.{e.field}", e.code, e.message) for e in failed.errors)
            continue
        prepared.append((contact, purpose, str(row.get("channel") or ""), values))
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        return [
            consent_record(actor=actor, contact=contact, purpose=purpose, channel=channel, values=values)
            for contact, purpose, channel, values in prepared
        ]


def _uuid(value: Any) -> bool:
    from clientela.core.ids import is_uuid

    return is_uuid(value)
