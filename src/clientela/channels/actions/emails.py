"""E-mail out, as the writer queues it: `email_queue` checks everything (`channels.composing`),
fills a template in, keeps the files, gives the e-mail its Message-ID — once, so every retry
sends the same message — and logs one event. The worker then sends it
(`channels.tasks.send_email`, whose outcomes are `actions.email_delivery`).

The e-mail is the sender's (owner) and their team's. Its contact, organization, deal, template
and the e-mail it answers must be records the sender may see; an address that bounced before is
not refused (the page warns of it: an address may have been fixed since).
"""

from __future__ import annotations

import hashlib
from email.utils import parseaddr
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from clientela.channels import composing, consent, queries, templating
from clientela.channels.actions.templates import LANGUAGE_CODE
from clientela.channels.composing import Upload
from clientela.channels.inbound import attachments as stored_files
from clientela.channels.models import Email, EmailAttachment, EmailDirection, EmailStatus, EmailTemplate
from clientela.core import mailing, records
from clientela.core.errors import FieldError, ValidationFailed
from clientela.core.validation import visible_reference
from clientela.core.visibility import require_write
from clientela.parties import queries as parties_queries
from clientela.sales import queries as sales_queries

if TYPE_CHECKING:
    from clientela.accounts.models import User

ACCEPTED = frozenset({
    "contact", "organization", "deal", "to", "cc", "subject", "body_text", "template", "attachments", "reply_to",
    "language", "purpose",
})  # fmt: skip
LINKS = ("contact", "organization", "deal")


def _references(actor: User, values: dict[str, Any], errors: list[FieldError]) -> dict[str, Any]:
    """The records the e-mail names, among those the sender may see (else "not found")."""
    sources = {
        "contact": (parties_queries.contacts_visible(actor), _("no such contact")),
        "organization": (parties_queries.organizations_visible(actor), _("no such organization")),
        "deal": (sales_queries.deals_visible(actor).select_related("contact", "organization"), _("no such deal")),
        "template": (queries.email_templates(actor, active_only=True), _("no such template")),
        "reply_to": (queries.emails_visible(actor), _("no such e-mail")),
    }
    return {name: visible_reference(queryset, values.get(name), name, message, errors)
            for name, (queryset, message) in sources.items()}  # fmt: skip


def _fill_links(actor: User, found: dict[str, Any]) -> None:
    """A deal brings its customer, and a reply its conversation's records, unless named (those
    the sender may see)."""
    sources: list[tuple[Any, tuple[str, ...]]] = []
    if found["deal"] is not None:
        sources.append((found["deal"], ("contact", "organization")))
    if found["reply_to"] is not None:
        sources.append((found["reply_to"], LINKS))
    for source, names in sources:
        for name in names:
            if found[name] is not None or getattr(source, f"{name}_id") is None:
                continue
            candidate = getattr(source, name)
            if candidate.deleted_at is None and _sees(actor, name, candidate):
                found[name] = candidate


def _sees(actor: User, name: str, record: Any) -> bool:
    sources = {
        "contact": parties_queries.contacts_visible,
        "organization": parties_queries.organizations_visible,
        "deal": sales_queries.deals_visible,
    }
    return sources[name](actor).filter(pk=record.pk).exists()


def _recipients(values: dict[str, Any], found: dict[str, Any], errors: list[FieldError]) -> tuple[list, list]:
    parent, contact = found["reply_to"], found["contact"]
    for name in ("to", "cc"):  # one text holding a line break: refused whole, not split at it
        if isinstance(values.get(name), str) and composing.breaks_header(values[name].strip()):
            errors.append(FieldError(name, "header_injection", _("an address must be one line")))
            values = {**values, name: ""}
    to = composing.split_addresses(values.get("to"))
    cc = composing.split_addresses(values.get("cc"))
    if to is None:
        errors.append(FieldError("to", "invalid", _("give addresses separated by commas")))
        to = []
    if cc is None:
        errors.append(FieldError("cc", "invalid", _("give addresses separated by commas")))
        cc = []
    if not to and values.get("to") in (None, "", []):
        if parent is not None:
            to = [parent.from_address] if parent.direction == EmailDirection.INBOUND else list(parent.to)
        elif contact is not None and contact.primary_email:
            to = [contact.primary_email]
        elif contact is None and found["organization"] is not None:
            to = [point.value for point in parties_queries.points_of(found["organization"], "email")][:1]
    unresolved = {e.field for e in errors} & {"contact", "reply_to"}  # whose address it would have been
    if not to and not unresolved:
        errors.append(FieldError("to", "required", _("the contact has no e-mail address: give one")))
    to = composing.check_addresses("to", to, errors)
    cc = composing.check_addresses("cc", cc, errors)
    if len(to) + len(cc) > composing.MAX_RECIPIENTS:
        errors.append(FieldError("to", "too_many", _("at most %(n)d recipients") % {"n": composing.MAX_RECIPIENTS}))
    return to, cc


def _text(value: Any, name: str, errors: list[FieldError]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        errors.append(FieldError(name, "invalid", _("must be text")))
        return None
    return value


def _uploads(value: Any, errors: list[FieldError]) -> list[Upload]:
    if value in (None, []):
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(item, Upload) for item in value):
        errors.append(FieldError("attachments", "invalid", _("give the files to attach")))
        return []
    uploads = list(value)
    composing.check_uploads(uploads, errors)
    return uploads


def sender(actor: User) -> tuple[str, str]:
    """Who an e-mail is from: the sender's own address, else the installation's
    (DEFAULT_FROM_EMAIL), with the sender's name (on one line)."""
    name = composing.HEADER_BREAKS.sub(" ", actor.display_name or "").strip()[:200]
    address = (actor.email or "").strip()
    try:
        validate_email(address)
    except ValidationError:
        address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address, name


def _template_text(
    actor: User, template: EmailTemplate | None, found: dict[str, Any], language: str
) -> tuple[str | None, str | None, str]:
    """The template's subject and text in the contact's language (else the sender's, English,
    the first), variables filled in, and the language used."""
    filled = None
    if template is not None:
        filled = templating.fill(template.texts.all(), contact=found["contact"], organization=found["organization"],
                                 deal=found["deal"], user=actor, language=language)  # fmt: skip
    return filled if filled is not None else (None, None, language)


def _store_files(uploads: list[Upload]) -> list[dict[str, Any]]:
    """Keep each file's bytes under the data directory by their SHA-256 (the same file once)."""
    rows = []
    for upload in uploads:
        digest = hashlib.sha256(upload.content).hexdigest()
        stored_files.store(upload.content, digest)
        kind = stored_files.sniff(upload.content)
        declared = composing.HEADER_BREAKS.sub(" ", upload.content_type or "").strip()[:100]
        rows.append({"filename": stored_files.safe_filename(upload.filename, kind), "content_type": kind,
                     "declared_type": declared, "size": len(upload.content), "sha256": digest})  # fmt: skip
    return rows


def email_queue(*, actor: User, values: dict[str, Any]) -> Email:
    """Queue an e-mail from `actor`: to the contact's primary address unless `to` is given,
    with `subject` and `body_text` (or the `template`'s, filled in, when left blank), `cc`,
    `attachments` (`composing.Upload`s), linked to a contact, an organization and/or a deal, or
    answering the e-mail `reply_to` (threaded onto its conversation)."""
    require_write(actor)
    errors: list[FieldError] = [FieldError(name, "unknown_field", _("is not a field you can set"))
                                for name in values if name not in ACCEPTED]  # fmt: skip
    found = _references(actor, values, errors)
    _fill_links(actor, found)
    if not any(found[name] for name in LINKS) and not {e.field for e in errors} & set(LINKS):
        errors.append(FieldError("contact", "required", _("say whom the e-mail is to: a contact, an organization "
                                                          "or a deal")))  # fmt: skip
    to, cc = _recipients(values, found, errors)
    language = (_text(values.get("language"), "language", errors) or "").strip().lower()
    if language and not LANGUAGE_CODE.match(language):
        errors.append(FieldError("language", "invalid", _("a language code such as en, hu or pt-br")))
    subject_given = (_text(values.get("subject"), "subject", errors) or "").strip()
    body_given = _text(values.get("body_text"), "body_text", errors) or ""
    subject, body, language = _template_text(actor, found["template"], found, language)
    parent = found["reply_to"]
    subject = subject_given or subject or (composing.reply_subject(parent.subject) if parent is not None else "")
    body = body_given if body_given.strip() else (body or body_given)
    if subject or "template" not in {e.field for e in errors}:  # else the template would have given one
        composing.check_subject(subject, errors)
    composing.check_body(body, errors)
    uploads = _uploads(values.get("attachments"), errors)
    purpose = consent.purpose_named(values.get("purpose"))
    if values.get("purpose") not in (None, "") and purpose is None:
        errors.append(FieldError("purpose", "not_found", _("no such purpose")))
    if not errors:
        reached = consent.contacts_reached(found["contact"].pk if found["contact"] else None, [*to, *cc])
        reason = consent.refusal(reached, purpose=purpose, channel="email")
        if reason:
            errors.append(FieldError("purpose" if purpose else "to", "no_consent", reason))
    if errors:
        raise ValidationFailed(errors)
    from_address, from_name = sender(actor)
    contact = found["contact"]
    email_values: dict[str, Any] = {
        "direction": EmailDirection.OUTBOUND, "status": EmailStatus.QUEUED, "contact": contact,
        "organization": found["organization"], "deal": found["deal"], "template": found["template"],
        "language": language or (contact.language if contact is not None else ""), "from_address": from_address,
        "from_name": from_name, "to": to, "cc": cc, "subject": subject, "body_text": body,
        "message_id": mailing.new_message_id(), "owner": actor, "team": actor.team, "purpose": purpose,
    }  # fmt: skip
    if parent is not None:
        email_values["in_reply_to"] = parent.message_id
        email_values["references"] = composing.reply_references(parent.references, parent.message_id)
        email_values["thread"] = parent.thread if parent.thread_id else parent
    files = _store_files(uploads)

    def after_insert(email: Email) -> dict[str, list[Any]]:
        if not files:
            return {}
        EmailAttachment.objects.bulk_create([EmailAttachment(email=email, **row) for row in files])
        return {"attachments": [None, [{"filename": row["filename"], "size": row["size"]} for row in files]]}

    return records.create_record(
        Email, actor=actor, values={k: v for k, v in email_values.items() if v is not None}, action="email.queue",
        after_insert=after_insert,
    )  # fmt: skip
