"""REST endpoints of e-mail out: /api/v1/emails (write one: queued, then sent by the worker;
read them with their delivery state) and /email-templates.

Each endpoint parses input, calls one scoped query or one action, and answers. An e-mail the
caller may not see is a 404, exactly as if it did not exist, and a record they may not see named
in a body is a field error (`contact`: no such contact). Creates honour `Idempotency-Key`;
template writes need `If-Match` (428 without, 412 when stale), and a delete goes to the trash.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from typing import TYPE_CHECKING, Any

from django.db.models import Case, F, Q, QuerySet, When
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from clientela.channels import actions, queries, tasks
from clientela.channels.composing import Upload
from clientela.channels.models import Email, EmailTemplate
from clientela.channels.schemas import (
    EmailCreate,
    EmailListParams,
    EmailOut,
    EmailPage,
    InvitationCreate,
    TemplateCreate,
    TemplateListParams,
    TemplateOut,
    TemplatePage,
    TemplatePatch,
)
from clientela.core.apikit.auth import caller
from clientela.core.apikit.bodies import team_ref, user_ref
from clientela.core.apikit.errors import COMMON, PRECONDITIONS, WITH_RECORD, ErrorOut
from clientela.core.apikit.etag import NOT_MODIFIED, IfMatch, IfNoneMatch, conditional_read, etag_for, expected_version
from clientela.core.apikit.idempotency import IdempotencyKeyHeader, run_idempotent
from clientela.core.apikit.pagination import paginate, parse_sort
from clientela.core.context import acting_via, overwriting
from clientela.core.errors import FieldError, NotFound, ValidationFailed
from clientela.core.visibility import can_see
from clientela.parties.api_support import record_headers

if TYPE_CHECKING:
    from clientela.accounts.models import User

emails = Router(tags=["emails"])
email_templates = Router(tags=["email templates"])


def _json(schema: Any, data: dict[str, Any]) -> dict[str, Any]:
    return schema.model_validate(data).model_dump(mode="json")


# --- e-mails ---------------------------------------------------------------------------------------


def _readable(queryset: QuerySet[Email]) -> QuerySet[Email]:
    """E-mails with the ids a body shows, read in the same query (thread, template, activity)."""
    return queryset.annotate(
        thread_public_id=F("thread__public_id"),
        template_public_id=F("template__public_id"),
        activity_public_id=Case(When(activity__deleted_at__isnull=True, then=F("activity__public_id")), default=None),
    ).prefetch_related("attachments")


def _seen(user: User, record: Any) -> uuid.UUID | None:
    return record.public_id if record is not None and can_see(user, record) else None


def email_body(user: User, email: Email) -> dict[str, Any]:
    return {
        "id": email.public_id, "version": email.version, "direction": email.direction, "status": email.status,
        "from_address": email.from_address, "from_name": email.from_name, "to": list(email.to), "cc": list(email.cc),
        "subject": email.subject, "body_text": email.body_text, "language": email.language,
        "message_id": email.message_id, "in_reply_to": email.in_reply_to, "references": email.references,
        "thread": getattr(email, "thread_public_id", None) or email.public_id,
        "contact": _seen(user, email.contact), "organization": _seen(user, email.organization),
        "deal": _seen(user, email.deal), "template": getattr(email, "template_public_id", None),
        "activity": getattr(email, "activity_public_id", None), "attempts": email.attempts, "error": email.error,
        "needs_triage": email.needs_triage, "sent_at": email.sent_at, "received_at": email.received_at,
        "created_at": email.created_at, "owner": user_ref(email.owner), "team": team_ref(email.team),
        "attachments": [
            {"id": a.pk, "filename": a.filename, "content_type": a.content_type, "size": a.size, "refused": a.refused}
            for a in email.attachments.all()
        ],
    }  # fmt: skip


def _email(user: User, public_id: Any) -> Email:
    found = _readable(queries.emails_visible(user)).filter(public_id=public_id).first()
    if found is None:
        raise NotFound(_("no such e-mail"))
    return found


def _uploads(payload: EmailCreate) -> list[Upload]:
    uploads, errors = [], []
    for index, item in enumerate(payload.attachments):
        try:
            content = base64.b64decode(item.content_base64, validate=True)
        except (binascii.Error, ValueError):
            errors.append(FieldError(f"attachments[{index}].content_base64", "invalid", _("is not base64")))
            continue
        uploads.append(Upload(filename=item.filename, content=content, content_type=item.content_type))
    if errors:
        raise ValidationFailed(errors)
    return uploads


def _queue_values(payload: EmailCreate) -> dict[str, Any]:
    data = payload.model_dump(exclude_unset=True, exclude={"attachments"})
    values = {name: str(value) if isinstance(value, uuid.UUID) else value for name, value in data.items()
              if value is not None}  # fmt: skip
    if payload.attachments:
        values["attachments"] = _uploads(payload)
    return values


@emails.post("", response={202: EmailOut, **COMMON, 409: ErrorOut}, summary="Write an e-mail (sent by the worker)")
def email_create(request: HttpRequest, payload: EmailCreate, idempotency_key: IdempotencyKeyHeader = None) -> Any:
    """`202` with the e-mail `queued`: the worker sends it through the SMTP server (tried again
    1, 5 and 15 minutes after a failure that may pass), then it is `sent` with its `sent_at` and
    an `activity` of channel `email` on the timeline — or `failed` with the server's answer in
    `error`. Without `to` it goes to the contact's primary address; without `subject` and
    `body_text`, the `template`'s are used (in the contact's language, variables filled in).
    Files: at most 20, 10 MB each and 20 MB together (and the request at most 10 MB)."""
    user = caller(request)

    def produce() -> tuple[int, dict[str, Any], dict[str, str]]:
        with acting_via("api"):
            email = tasks.queue_email(actor=user, values=_queue_values(payload))
        body = _json(EmailOut, email_body(user, _email(user, email.public_id)))
        return 202, body, record_headers("emails")(body)

    return run_idempotent(
        request, user=user, key=idempotency_key, payload=payload.model_dump(mode="json", exclude_unset=True),
        produce=produce, headers_for=record_headers("emails"),
    )  # fmt: skip


@emails.post("/invitations", response={202: EmailOut, **COMMON}, summary="Invite a meeting's participants")
def invitation_create(request: HttpRequest, payload: InvitationCreate) -> Any:
    """`202` with the invitation e-mail `queued`: to the meeting's contact, the contacts taking
    part and its guests (those with an address), with the meeting as a calendar file
    (`text/calendar; method=REQUEST`) their calendar program offers to accept. Sent again after
    the meeting changed, it updates the entry they accepted."""
    from clientela.activities import queries as activity_queries

    user = caller(request)
    try:
        meeting = activity_queries.activity_get(user, payload.activity)
    except NotFound:
        raise ValidationFailed([FieldError("activity", "not_found", _("no such activity"))]) from None
    with acting_via("api"):
        email = tasks.queue_invitation(actor=user, meeting=meeting)
    body = _json(EmailOut, email_body(user, _email(user, email.public_id)))
    return Status(202, body)


@emails.get("", response={200: EmailPage, **COMMON}, summary="List e-mails")
def email_list(request: HttpRequest, params: Query[EmailListParams]) -> dict[str, Any]:
    """Newest first; page with `cursor` (from `next_cursor`) and `limit`."""
    user = caller(request)
    queryset = _readable(queries.emails_visible(user))
    exact = {
        "contact__public_id": params.contact, "organization__public_id": params.organization,
        "deal__public_id": params.deal, "direction": params.direction, "status": params.status,
    }  # fmt: skip
    queryset = queryset.filter(**{lookup: value for lookup, value in exact.items() if value is not None})
    if params.thread is not None:
        queryset = queryset.filter(Q(public_id=params.thread) | Q(thread__public_id=params.thread))
    keys = parse_sort(None, allowed=("created_at",), default=("-created_at",))
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [email_body(user, email) for email in page.items], "next_cursor": page.next_cursor}


@emails.get("/{email_id}", response={200: EmailOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read an e-mail")
def email_read(
    request: HttpRequest, email_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    user = caller(request)
    email = _email(user, email_id)
    return conditional_read(response, if_none_match, email.version, email_body(user, email))


# --- templates -------------------------------------------------------------------------------------


def template_body(template: EmailTemplate) -> dict[str, Any]:
    return {
        "id": template.public_id, "version": template.version, "name": template.name, "purpose": template.purpose,
        "is_active": template.is_active, "created_at": template.created_at, "updated_at": template.updated_at,
        "deleted_at": template.deleted_at,
        "texts": [{"language": t.language, "subject": t.subject, "body": t.body} for t in template.texts.all()],
    }  # fmt: skip


def _template_values(payload: Any) -> dict[str, Any]:
    return payload.model_dump(exclude_unset=True)


@email_templates.get("", response={200: TemplatePage, **COMMON}, summary="List e-mail templates")
def template_list(request: HttpRequest, params: Query[TemplateListParams]) -> dict[str, Any]:
    user = caller(request)
    queryset = queries.email_templates(user)
    if params.active is not None:
        queryset = queryset.filter(is_active=params.active)
    keys = parse_sort(None, allowed=("name",), default=("name",))
    page = paginate(queryset, keys=keys, cursor=params.cursor, limit=params.limit)
    return {"items": [template_body(t) for t in page.items], "next_cursor": page.next_cursor}


@email_templates.post("", response={201: TemplateOut, **COMMON, 409: ErrorOut}, summary="Create an e-mail template")
def template_create(
    request: HttpRequest, payload: TemplateCreate, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Administrators and managers. A variable other than those listed in the docs is refused,
    naming the text (`texts[0].body`) and the variable."""
    user = caller(request)

    def produce() -> tuple[int, dict[str, Any], dict[str, str]]:
        with acting_via("api"):
            template = actions.email_template_create(actor=user, values=_template_values(payload))
        body = _json(TemplateOut, template_body(queries.email_template_get(user, template.public_id)))
        return 201, body, record_headers("email-templates")(body)

    return run_idempotent(
        request, user=user, key=idempotency_key, payload=payload.model_dump(mode="json", exclude_unset=True),
        produce=produce, headers_for=record_headers("email-templates"),
    )  # fmt: skip


@email_templates.get(
    "/{template_id}", response={200: TemplateOut, **NOT_MODIFIED, **WITH_RECORD}, summary="Read an e-mail template"
)
def template_read(
    request: HttpRequest, template_id: uuid.UUID, response: HttpResponse, if_none_match: IfNoneMatch = None
) -> dict[str, Any] | HttpResponse:
    template = queries.email_template_get(caller(request), template_id)
    return conditional_read(response, if_none_match, template.version, template_body(template))


@email_templates.patch("/{template_id}", response={200: TemplateOut, **PRECONDITIONS}, summary="Change a template")
def template_patch(
    request: HttpRequest, template_id: uuid.UUID, payload: TemplatePatch, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    """Send only the fields to change, with `If-Match` set to the ETag you read."""
    user = caller(request)
    template = queries.email_template_get(user, template_id)
    expected = expected_version(if_match, template.version)
    with acting_via("api"), overwriting(expected is None):
        updated = actions.email_template_update(
            actor=user, template=template, values=_template_values(payload), expected_version=expected
        )
    response["ETag"] = etag_for(updated)
    return template_body(queries.email_template_get(user, template_id))


@email_templates.delete(
    "/{template_id}", response={200: TemplateOut, **PRECONDITIONS}, summary="Move a template to the trash"
)
def template_delete(
    request: HttpRequest, template_id: uuid.UUID, if_match: IfMatch, response: HttpResponse
) -> dict[str, Any]:
    user = caller(request)
    template = queries.email_template_get(user, template_id)
    expected = expected_version(if_match, template.version)
    with acting_via("api"), overwriting(expected is None):
        trashed = actions.email_template_trash(actor=user, template=template, expected_version=expected)
    response["ETag"] = etag_for(trashed)
    return template_body(queries.email_template_get(user, trashed.public_id, include_trash=True))
