"""The privacy pages: the consent, objection and request forms of a contact's page, a consent's
history, the queue of subject requests and each request (verify, fulfil, reject, download the
export), the purposes and policy versions, and the audit of sensitive reads. Every write goes
through `actions`; an error names the field and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from clientela.core.errors import ActionError, Conflict, NotFound, PermissionDenied, Refused, ValidationFailed
from clientela.parties.profile import change_entries
from clientela.privacy import actions, queries
from clientela.privacy.models import (
    CaptureSource,
    ContactChannel,
    LegalBasis,
    PurposeKind,
    RequestStatus,
    RequestType,
)


def _contact_page(contact: Any) -> str:
    return reverse("parties:contact_detail", args=[contact.public_id]) + "#privacy"


def _report(request: HttpRequest, error: ActionError) -> None:
    if isinstance(error, ValidationFailed):
        for item in error.errors:
            messages.error(request, f"{item.field}: {item.message}")
    elif isinstance(error, Refused):
        messages.error(request, str(error.message))
    elif isinstance(error, Conflict):
        messages.error(request, _("Someone changed this meanwhile; look again and retry."))
    else:
        messages.error(request, str(error))


def _contact(request: HttpRequest, public_id: str) -> Any:
    try:
        return queries.contact_for(request.user, public_id)
    except NotFound:
        raise Http404(_("no such contact")) from None


# --- the contact's panel ------------------------------------------------------------------------


@login_required
@require_POST
def consent_new(request: HttpRequest, public_id: str) -> HttpResponse:
    contact = _contact(request, public_id)
    try:
        purpose = queries.purpose_get(request.POST.get("purpose", ""))
        values = {
            "status": request.POST.get("status", ""),
            "evidence": request.POST.get("evidence", ""),
            "valid_until": request.POST.get("valid_until", "") or None,
            "source": CaptureSource.PAGE,
        }
        actions.consent_record(
            actor=request.user, contact=contact, purpose=purpose, channel=request.POST.get("channel", ""), values=values
        )
    except NotFound:
        messages.error(request, _("purpose: no such purpose"))
    except (ActionError, PermissionDenied) as error:
        _report(request, error)
    else:
        messages.success(request, _("Consent saved."))
    return HttpResponseRedirect(_contact_page(contact))


@login_required
@require_POST
def restriction_new(request: HttpRequest, public_id: str) -> HttpResponse:
    contact = _contact(request, public_id)
    try:
        wanted = request.POST.get("purpose", "")
        purpose = queries.purpose_get(wanted) if wanted else None
        values = {
            "kind": request.POST.get("kind", ""),
            "channel": request.POST.get("channel", ""),
            "fields": request.POST.getlist("fields"),
            "reason": request.POST.get("reason", ""),
        }
        actions.restriction_create(actor=request.user, contact=contact, values=values, purpose=purpose)
    except NotFound:
        messages.error(request, _("purpose: no such purpose"))
    except ActionError as error:
        _report(request, error)
    else:
        messages.success(request, _("Objection saved: it is in force now."))
    return HttpResponseRedirect(_contact_page(contact))


@login_required
@require_POST
def restriction_lift(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        restriction = queries.restriction_get(request.user, public_id)
    except NotFound:
        raise Http404(_("no such objection")) from None
    try:
        actions.restriction_lift(actor=request.user, restriction=restriction)
    except ActionError as error:
        _report(request, error)
    else:
        messages.success(request, _("Objection lifted."))
    return HttpResponseRedirect(_contact_page(restriction.contact))


@login_required
@require_POST
def request_new(request: HttpRequest, public_id: str) -> HttpResponse:
    contact = _contact(request, public_id)
    try:
        created = actions.privacy_request_create(
            actor=request.user,
            contact=contact,
            values={
                "type": request.POST.get("type", ""),
                "channel": request.POST.get("channel", ""),
                "details": request.POST.get("details", ""),
            },
            payload=None,
        )
    except ActionError as error:
        _report(request, error)
        return HttpResponseRedirect(_contact_page(contact))
    messages.success(request, _("Request logged; it is due on %(day)s.") % {"day": created.due_on.isoformat()})
    return HttpResponseRedirect(reverse("privacy:request_detail", args=[created.public_id]))


@login_required
@require_http_methods(["GET"])
def consent_history(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        consent = queries.consent_get(request.user, public_id)
    except NotFound:
        raise Http404(_("no such consent")) from None
    events = list(queries.history(consent, newest_first=True))
    return render(
        request,
        "privacy/consent_history.html",
        {"consent": consent, "history": change_entries(request.user, consent, events, [])},
    )


# --- the queue of requests ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET"])
def request_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "pending")
    request_type = request.GET.get("type", "")
    if status not in ("pending", "", *RequestStatus.values):
        status = "pending"
    if request_type not in ("", *RequestType.values):
        request_type = ""
    rows = list(queries.request_queue(request.user, status=status, request_type=request_type)[:200])
    context = {
        "rows": rows,
        "status": status,
        "type": request_type,
        "statuses": RequestStatus.choices,
        "types": RequestType.choices,
        "today": timezone.localdate(),
        "overdue": queries.requests_overdue(request.user).count(),
        "can_manage_privacy": queries.has_privacy_permission(request.user),
    }
    return render(request, "privacy/request_list.html", context)


def _request(request: HttpRequest, public_id: str) -> Any:
    try:
        return queries.request_get(request.user, public_id)
    except NotFound:
        raise Http404(_("no such privacy request")) from None


@login_required
@require_http_methods(["GET", "POST"])
def request_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    item = _request(request, public_id)
    if request.method == "POST":
        operation = request.POST.get("operation", "")
        try:
            if operation == "verify":
                actions.privacy_request_verify(
                    actor=request.user, request=item, verification=request.POST.get("verification", "")
                )
                messages.success(request, _("Identity verification recorded."))
            elif operation == "fulfil":
                done = actions.privacy_request_fulfil(
                    actor=request.user, request=item, verification=request.POST.get("verification", "")
                )
                messages.success(request, done.outcome)
            elif operation == "reject":
                actions.privacy_request_reject(
                    actor=request.user, request=item, outcome=request.POST.get("outcome", "")
                )
                messages.success(request, _("Request rejected."))
        except ActionError as error:
            _report(request, error)
        return HttpResponseRedirect(reverse("privacy:request_detail", args=[item.public_id]))
    events = list(queries.history(item, newest_first=True))
    context = {
        "item": item,
        "history": change_entries(request.user, item, events, []),
        "can_manage_privacy": queries.has_privacy_permission(request.user),
        "pending": item.status in (RequestStatus.OPEN, RequestStatus.VERIFIED),
        "today": timezone.localdate(),
    }
    return render(request, "privacy/request_detail.html", context)


@login_required
@require_http_methods(["GET"])
def request_export(request: HttpRequest, public_id: str) -> HttpResponse:
    if not queries.has_privacy_permission(request.user):
        raise DjangoPermissionDenied(_("only roles with the privacy permission may do this"))
    item = _request(request, public_id)
    if not item.export_file:
        raise Http404(_("this request has no export"))
    path = Path(settings.DATA_DIR) / item.export_file
    if not path.is_file():
        raise Http404(_("this request has no export"))
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"privacy-export-{item.public_id}.zip")


# --- settings: purposes and policy versions -------------------------------------------------------


def _require_privacy(request: HttpRequest) -> None:
    if not queries.has_privacy_permission(request.user):
        raise DjangoPermissionDenied(_("only roles with the privacy permission may do this"))


PURPOSE_INPUTS = ("code", "name", "description", "kind", "legal_basis", "channel")


@login_required
@require_http_methods(["GET", "POST"])
def purposes(request: HttpRequest) -> HttpResponse:
    _require_privacy(request)
    errors: list[Any] = []
    editing = None
    wanted = request.POST.get("purpose") or request.GET.get("purpose")
    try:
        if wanted:
            editing = queries.purpose_get(wanted)
        if request.method == "POST" and request.POST.get("form") == "policy":
            actions.policy_create(
                actor=request.user,
                values={k: request.POST.get(k, "") for k in ("name", "effective_from", "summary", "url")},
            )
            messages.success(request, _("Policy version saved."))
            return HttpResponseRedirect(reverse("privacy:purposes"))
        if request.method == "POST":
            values: dict[str, Any] = {name: request.POST.get(name, "") for name in PURPOSE_INPUTS}
            values["double_opt_in"] = request.POST.get("double_opt_in") == "1"
            values["active"] = request.POST.get("active", "1") == "1"
            if editing is None:
                actions.purpose_create(actor=request.user, values=values)
            else:
                version = int(request.POST.get("version") or editing.version)
                actions.purpose_update(actor=request.user, purpose=editing, values=values, expected_version=version)
            messages.success(request, _("Purpose saved."))
            return HttpResponseRedirect(reverse("privacy:purposes"))
    except NotFound:
        raise Http404(_("no such purpose")) from None
    except ValidationFailed as failed:
        errors = failed.errors
    except Conflict:
        errors = [_("Somebody changed this purpose meanwhile; here it is as it is now.")]
    if errors:
        values = {name: request.POST.get(name, "") for name in (*PURPOSE_INPUTS, "effective_from", "summary", "url")}
        values["double_opt_in"] = request.POST.get("double_opt_in") == "1"
    elif editing is not None:
        values = {name: getattr(editing, name) for name in PURPOSE_INPUTS}
        values["double_opt_in"] = editing.double_opt_in
    else:
        values = {"kind": PurposeKind.MARKETING, "legal_basis": LegalBasis.CONSENT}
    context = {
        "purposes": list(queries.purposes()),
        "policies": list(queries.policies()),
        "editing": editing,
        "values": values,
        "errors": errors,
        "kinds": PurposeKind.choices,
        "bases": LegalBasis.choices,
        "channels": ContactChannel.choices,
    }
    return render(request, "privacy/purposes.html", context, status=422 if errors else 200)


@login_required
@require_http_methods(["GET"])
def audit(request: HttpRequest) -> HttpResponse:
    _require_privacy(request)
    return render(
        request,
        "privacy/audit.html",
        {"reads": queries.sensitive_reads(request.user, limit=200), "erasures": list(queries.erasures()[:100])},
    )
