"""The public side of web-to-lead forms: `/f/<token>/`, where a company's website posts
enquiries (a plain HTML form, or JSON), and a page with the same form for a company without
a website. No sign-in and no CSRF token (the post comes from another site); spam and floods
are handled by `actions.webforms` (honeypot, limits per address and per form)."""

from __future__ import annotations

import json
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from clientela.accounts.throttle import client_address
from clientela.core.errors import ValidationFailed
from clientela.sales import actions, queries
from clientela.sales.actions.webforms import HONEYPOT_FIELD, MESSAGE_FIELD, POSTED_FIELDS, WINDOW

MAX_BODY = 20_000  # bytes: an enquiry, not a document


def _wants_json(request: HttpRequest) -> bool:
    return request.content_type == "application/json" or request.headers.get("Accept", "").startswith(
        "application/json"
    )


def _posted(request: HttpRequest) -> dict[str, Any]:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return {key: request.POST.get(key, "") for key in request.POST}


def _answer(request: HttpRequest, form: Any, status: int, errors: dict[str, list[str]] | None = None) -> HttpResponse:
    if _wants_json(request):
        body: dict[str, Any] = {"ok": status < 400}
        if errors:
            body["errors"] = [{"field": f, "message": " ".join(m)} for f, m in errors.items()]
        response = JsonResponse(body, status=status)
    elif status < 400 and form.redirect_url:
        return HttpResponseRedirect(form.redirect_url, status=303)
    else:
        response = render(
            request, "sales/webform.html", _page(form, _posted(request), errors, status < 400), status=status
        )
    if status == 429:
        response["Retry-After"] = str(int(WINDOW.total_seconds()))
    return response


def _page(form: Any, values: dict[str, Any], errors: dict[str, list[str]] | None, sent: bool) -> dict[str, Any]:
    labels = {
        "first_name": _("First name"), "last_name": _("Last name"), "company": _("Company"), "title": _("Title"),
        "email": _("E-mail"), "phone": _("Phone"), "website": _("Website"), "country": _("Country"),
    }  # fmt: skip
    inputs = [(name, labels[name], str(values.get(name) or "")) for name in POSTED_FIELDS]
    return {
        "form": form,
        "inputs": inputs,
        "message": str(values.get(MESSAGE_FIELD) or ""),
        "message_field": MESSAGE_FIELD,
        "honeypot": HONEYPOT_FIELD,
        "errors": errors or {},
        "sent": sent,
    }


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webform(request: HttpRequest, token: str) -> HttpResponse:
    form = queries.active_lead_form(token)
    if form is None:
        raise Http404(_("This form is not available."))
    if request.method == "GET":
        return render(request, "sales/webform.html", _page(form, {}, None, False))
    if len(request.body) > MAX_BODY:
        return _answer(request, form, 413, {"": [_("The message is too long.")]})
    posted = _posted(request)
    if str(posted.get(HONEYPOT_FIELD) or "").strip():  # a robot: answered as a person would be
        return _answer(request, form, 201 if _wants_json(request) else 200)
    if not actions.submission_allowed(form, client_address(request)):
        return _answer(request, form, 429, {"": [_("Too many messages from here; please try again in a few minutes.")]})
    try:
        actions.lead_capture(form=form, posted=posted)
    except ValidationFailed as failed:
        errors: dict[str, list[str]] = {}
        for error in failed.errors:
            errors.setdefault(error.field, []).append(error.message)
        return _answer(request, form, 422, errors)
    return _answer(request, form, 201 if _wants_json(request) else 200)
