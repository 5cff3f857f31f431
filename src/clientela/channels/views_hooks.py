"""Pages of SMS out: the contact page's "Send SMS" form (its panel is `panels_sms`). The form
posts here; the panel comes back with the message queued (the worker sends it), or with what
was typed and each error beside its field. Without JavaScript the contact page is shown again."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clientela.channels import panels_sms, tasks_sms
from clientela.core.context import acting_via
from clientela.core.errors import NotFound, PermissionDenied, Refused, ValidationFailed
from clientela.parties import queries as parties_queries

FIELDS = ("to", "text")


@login_required
@require_POST
def sms_send(request: HttpRequest, public_id: str) -> HttpResponse:
    user = request.user
    try:
        contact = parties_queries.contact_get(user, public_id)
    except NotFound:
        raise Http404 from None
    values = {name: request.POST.get(name, "") for name in FIELDS}
    errors: dict[str, list[str]] = {}
    queued = None
    try:
        with acting_via("web"):
            queued = tasks_sms.send_sms(actor=user, contact=contact, text=values["text"],
                                        to=values["to"].strip() or None)  # fmt: skip
    except ValidationFailed as failed:
        for error in failed.errors:
            errors.setdefault(error.field if error.field in FIELDS else "other", []).append(str(error.message))
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    except Refused as refused:
        errors["other"] = [str(refused.message)]
    if not request.htmx:
        if queued is not None:
            messages.success(request, _("Message to %(number)s queued.") % {"number": queued.number})
        for problems in errors.values():
            for problem in problems:
                messages.error(request, problem)
        return HttpResponseRedirect(reverse("parties:contact_detail", args=[contact.public_id]))
    context = panels_sms.panel_context(user, contact, values={} if queued else values, errors=errors, queued=queued)
    return render(request, panels_sms.TEMPLATE, {"panel": context}, status=422 if errors else 200)
