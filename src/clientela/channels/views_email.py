"""Pages of e-mail out: compose (from a contact's, an organization's or a deal's page, or as a
reply), an e-mail's own page with its headers, text, files, state and error, a file's download,
and the templates (list, edit with a row per language).

Views parse input, call one query or action and render. A record the user cannot see is a 404;
a change the user's role may not make is a 403. An e-mail's text is shown escaped, never as
HTML, and its files only as downloads (`Content-Disposition: attachment`, `nosniff`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientela.channels import actions, composing, forms_email, queries, tasks, templating
from clientela.channels.actions.templates import can_edit_templates
from clientela.channels.inbound import attachments as stored_files
from clientela.channels.models import EmailDirection, EmailTemplate
from clientela.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from clientela.core.ids import is_uuid
from clientela.core.visibility import can_see
from clientela.parties import queries as parties_queries
from clientela.privacy import queries as privacy_queries
from clientela.sales import queries as sales_queries

RECORD_URLS = {"contact": "parties:contact_detail", "organization": "parties:organization_detail",
               "deal": "sales:deal_detail"}  # fmt: skip


def _require_writer(request: HttpRequest) -> None:
    if not request.user.policy.can_write:
        raise DjangoPermissionDenied(_("your role may not change records"))


def _visible_record(request: HttpRequest, kind: str, public_id: Any) -> Any:
    sources = {
        "contact": parties_queries.contacts_visible,
        "organization": parties_queries.organizations_visible,
        "deal": sales_queries.deals_visible,
        "reply_to": queries.emails_visible,
    }
    found = sources[kind](request.user).filter(public_id=public_id).first() if is_uuid(public_id) else None
    if found is None:
        raise Http404(_("no such record"))
    return found


def _links(params: Any) -> dict[str, str]:
    return {name: params.get(name, "").strip() for name in forms_email.LINK_INPUTS if params.get(name, "").strip()}


def _linked_records(request: HttpRequest, links: dict[str, str]) -> dict[str, Any]:
    """The records the compose form is about (a deal brings its customer, a reply its contact)."""
    found = {name: _visible_record(request, name, public_id) for name, public_id in links.items()}
    for source in (found.get("deal"), found.get("reply_to")):
        for name in ("contact", "organization"):
            candidate = getattr(source, name, None) if source is not None else None
            if name not in found and candidate is not None and can_see(request.user, candidate):
                found[name] = candidate
    return found


def _default_to(found: dict[str, Any]) -> str:
    parent, contact = found.get("reply_to"), found.get("contact")
    if parent is not None:
        return parent.from_address if parent.direction == EmailDirection.INBOUND else ", ".join(parent.to)
    if contact is not None:
        return contact.primary_email
    organization = found.get("organization")
    emails = parties_queries.points_of(organization, "email") if organization is not None else []
    return emails[0].value if emails else ""


def _back_url(found: dict[str, Any]) -> str | None:
    if found.get("reply_to") is not None:
        return reverse("channels:email_detail", args=[found["reply_to"].public_id])
    for kind, name in RECORD_URLS.items():
        if found.get(kind) is not None:
            return reverse(name, args=[found[kind].public_id])
    return None


def _compose(
    request: HttpRequest, links: dict[str, str], shown: dict[str, Any], errors: list[Any], *, status: int = 200
) -> HttpResponse:
    found = _linked_records(request, links)
    beside, other = forms_email.errors_by_field(errors, forms_email.COMPOSE_FIELDS)
    addresses = composing.split_addresses(shown.get("to", "")) or []
    context = {
        "links": links, "found": found, "values": shown, "errors": beside, "other_errors": other,
        "has_errors": bool(errors), "templates": queries.email_templates(request.user, active_only=True),
        "purposes": [p for p in privacy_queries.purposes(active_only=True) if p.channel in ("", "email")],
        "bounced": list(queries.bounced_addresses(addresses).values()), "back_url": _back_url(found),
        "max_file_mb": composing.MAX_FILE_BYTES // (1024 * 1024),
        "max_files_mb": composing.MAX_FILES_BYTES // (1024 * 1024),
    }  # fmt: skip
    return render(request, "channels/email_compose.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def email_new(request: HttpRequest) -> HttpResponse:
    """Write an e-mail to a contact (`?contact=`), an organization's or a deal's people
    (`?organization=`, `?deal=`), or answer one (`?reply_to=`); it is queued and the worker sends
    it."""
    _require_writer(request)
    if request.method == "GET":
        links = _links(request.GET)
        found = _linked_records(request, links)
        parent = found.get("reply_to")
        shown = {"to": _default_to(found), "subject": composing.reply_subject(parent.subject) if parent else ""}
        return _compose(request, links, shown, [])
    links = _links(request.POST)
    values = forms_email.compose_values(request.POST, request.FILES)
    shown = {name: request.POST.get(name, "") for name in forms_email.COMPOSE_INPUTS}
    try:
        email = tasks.queue_email(actor=request.user, values=values)
    except ValidationFailed as failed:
        return _compose(request, links, shown, failed.errors, status=422)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    messages.success(request, _("E-mail queued: it goes out in a moment."))
    return HttpResponseRedirect(reverse("channels:email_detail", args=[email.public_id]))


@login_required
@require_GET
def email_preview(request: HttpRequest) -> HttpResponse:
    """The compose form's subject and text (htmx, when a template is picked): the template's, in
    the contact's language, variables filled in; what was typed when no template is picked."""
    found = _linked_records(request, _links(request.GET))
    subject, body = request.GET.get("subject", ""), request.GET.get("body_text", "")
    template_id = request.GET.get("template", "")
    if template_id:
        try:
            template = queries.email_template_get(request.user, template_id, active_only=True)
        except NotFound:
            raise Http404(_("no such template")) from None
        filled = templating.fill(
            template.texts.all(), contact=found.get("contact"), organization=found.get("organization"),
            deal=found.get("deal"), user=request.user,
        )  # fmt: skip
        if filled is not None:
            subject, body, _language = filled
    return render(request, "channels/_compose_text.html", {"values": {"subject": subject, "body_text": body},
                                                           "errors": {}})  # fmt: skip


def _email(request: HttpRequest, public_id: Any) -> Any:
    try:
        return queries.email_get(request.user, public_id)
    except NotFound:
        raise Http404(_("no such e-mail")) from None


@login_required
@require_POST
def meeting_invite(request: HttpRequest, public_id: str) -> HttpResponse:
    """Send a meeting's invitation to its participants, then show the e-mail (queued)."""
    from clientela.activities import queries as activity_queries

    _require_writer(request)
    try:
        meeting = activity_queries.activity_get(request.user, public_id)
    except NotFound:
        raise Http404 from None
    try:
        email = tasks.queue_invitation(actor=request.user, meeting=meeting)
    except ValidationFailed as refused:
        messages.error(request, "; ".join(error.message for error in refused.errors))
        return HttpResponseRedirect(reverse("activities:activity_detail", args=[meeting.public_id]))
    messages.success(request, _("The invitation is on its way to %(to)s.") % {"to": ", ".join(email.to)})
    return HttpResponseRedirect(reverse("channels:email_detail", args=[email.public_id]))


@login_required
@require_GET
def email_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    email = _email(request, public_id)
    links = [(label, record, RECORD_URLS[kind]) for kind, label in
             (("contact", _("Contact")), ("organization", _("Organization")), ("deal", _("Deal")))
             if (record := getattr(email, kind)) is not None and can_see(request.user, record)]  # fmt: skip
    activity = email.activity if email.activity_id and email.activity.deleted_at is None else None
    context = {
        "email": email, "links": links, "activity": activity if activity and can_see(request.user, activity) else None,
        "attachments": list(email.attachments.all()), "thread": queries.email_thread(request.user, email),
        "bounced": list(queries.bounced_addresses([*email.to, *email.cc]).values()),
        "can_reply": request.user.policy.can_write,
    }  # fmt: skip
    return render(request, "channels/email_detail.html", context)


@login_required
@require_GET
def email_attachment(request: HttpRequest, public_id: str, attachment_id: int) -> HttpResponse:
    """A file of an e-mail, always as a download: never opened by the browser as a page."""
    try:
        attachment = queries.email_attachment_get(request.user, public_id, attachment_id)
        stored = stored_files.open_stored(attachment.sha256)
    except (NotFound, OSError, ValueError):
        raise Http404(_("no such file")) from None
    kind = attachment.content_type if "html" not in attachment.content_type.lower() else stored_files.OCTET_STREAM
    response = FileResponse(stored, as_attachment=True, filename=attachment.filename,
                            content_type=kind or stored_files.OCTET_STREAM)  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


# --- templates -----------------------------------------------------------------------------------


def _template(request: HttpRequest, public_id: Any) -> EmailTemplate:
    try:
        return queries.email_template_get(request.user, public_id)
    except NotFound:
        raise Http404(_("no such template")) from None


def _require_template_editor(request: HttpRequest) -> None:
    if not can_edit_templates(request.user):
        raise DjangoPermissionDenied(_("only administrators and managers may change e-mail templates"))


@login_required
@require_GET
def template_list(request: HttpRequest) -> HttpResponse:
    context = {"templates": queries.email_templates(request.user), "can_edit": can_edit_templates(request.user),
               "variables": templating.VARIABLES}  # fmt: skip
    return render(request, "channels/template_list.html", context)


def _template_form(
    request: HttpRequest, template: EmailTemplate | None, values: dict[str, Any], rows: list[Any],
    errors: list[Any], *, status: int = 200,
) -> HttpResponse:  # fmt: skip
    beside, other = forms_email.errors_by_field(errors, ("name", "purpose", "is_active"))
    context = {
        "template": template, "values": values, "rows": rows, "errors": beside, "other_errors": other,
        "has_errors": bool(errors) or any(row.errors for row in rows), "variables": templating.VARIABLES,
        "can_edit": can_edit_templates(request.user),
    }  # fmt: skip
    return render(request, "channels/template_form.html", context, status=status)


def _save_template(request: HttpRequest, template: EmailTemplate | None) -> HttpResponse:
    rows = forms_email.text_rows(template, request.POST)
    values, order = forms_email.template_values(request.POST, rows)
    shown = {**values, "version": request.POST.get("version", "")}
    try:
        if template is None:
            saved = actions.email_template_create(actor=request.user, values=values)
        else:
            version = request.POST.get("version", "")
            saved = actions.email_template_update(
                actor=request.user, template=template, values=values,
                expected_version=int(version) if version.isdigit() else None, merge=True,
            )  # fmt: skip
    except ValidationFailed as failed:
        rest = forms_email.place_template_errors(failed.errors, rows, order)
        return _template_form(request, template, shown, rows, rest, status=422)
    except Conflict as conflict:
        message = _("Somebody else changed this template meanwhile (%(fields)s). Check and save again.") % {
            "fields": ", ".join(conflict.detail.overlapping) or "?"
        }
        return _template_form(request, template, shown, rows, [FieldError("", "conflict", message)], status=409)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    messages.success(request, _("Template saved."))
    return HttpResponseRedirect(reverse("channels:template_edit", args=[saved.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def template_new(request: HttpRequest) -> HttpResponse:
    _require_template_editor(request)
    if request.method == "POST":
        return _save_template(request, None)
    return _template_form(request, None, {"is_active": True}, forms_email.text_rows(None), [])


@login_required
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """A template's name, purpose and a subject and text per language; those who may not change
    templates read it."""
    template = _template(request, public_id)
    if request.method == "POST":
        _require_template_editor(request)
        return _save_template(request, template)
    values = {"name": template.name, "purpose": template.purpose, "is_active": template.is_active,
              "version": template.version}  # fmt: skip
    return _template_form(request, template, values, forms_email.text_rows(template), [])


@login_required
@require_POST
def template_trash(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_template_editor(request)
    template = _template(request, public_id)
    try:
        actions.email_template_trash(actor=request.user, template=template)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    messages.success(request, _("Template moved to the trash."))
    return HttpResponseRedirect(reverse("channels:template_list"))
