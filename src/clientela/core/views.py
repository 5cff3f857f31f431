"""The administrators' audit page (the change log of every app)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from clientela.core import auditlog, recordtypes


@login_required
@require_GET
def audit(request: HttpRequest) -> HttpResponse:
    if not request.user.policy.can_administer:
        raise PermissionDenied
    filters = auditlog.parse_filters(request.GET)
    events, cursor = auditlog.audit_events(request.user, filters)
    names = auditlog.record_names(request.user, events)
    params = filters.params()
    context = {
        "filters": filters,
        "events": [(event, auditlog.change_rows(event, names)) for event in events],
        "record_types": recordtypes.known(),
        "next_query": urlencode({**params, "before": cursor}) if cursor else "",
        "first_query": urlencode(params),
    }
    return render(request, "core/audit.html", context)
