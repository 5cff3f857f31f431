"""Adding and removing relationships from the contact and organization 360° pages.

Both are POSTs from the page's "Relationships" section. A refused add re-renders
the page with the form and its errors (422); nothing is written.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from clientela.core.errors import PermissionDenied, ValidationFailed
from clientela.parties import actions, queries, relating
from clientela.parties.views import ENTITIES, _get, _require_writer, render_detail

SUGGESTIONS = 8


def _back(entity: str, record: Any) -> HttpResponse:
    return redirect(ENTITIES[entity].url("detail", record.public_id) + "#relationships")


@login_required
@require_POST
def relationship_add(request: HttpRequest, public_id: uuid.UUID, entity: str) -> HttpResponse:
    user = request.user
    record = _get(user, entity, public_id)
    _require_writer(request)
    parsed = relating.parse(user, record, request.POST)
    if parsed.ready:
        assert parsed.from_party is not None and parsed.to_party is not None
        try:
            actions.relationship_create(
                actor=user,
                from_party=parsed.from_party,
                to_party=parsed.to_party,
                kind=parsed.kind,
                note=parsed.form.note,
            )
        except ValidationFailed as failed:
            relating.map_errors(parsed.form, failed.errors)
        except PermissionDenied as denied:
            parsed.form.add_error("__all__", str(denied))
        else:
            messages.success(request, _("Relationship added: %(text)s.") % {"text": relating.describe(parsed)})
            return _back(entity, record)
    record = _get(user, entity, public_id)  # the version may have moved on meanwhile
    return render_detail(request, entity, record, extra={"relationship_form": parsed.form}, status=422)


@login_required
@require_POST
def relationship_remove(
    request: HttpRequest, public_id: uuid.UUID, relationship_id: uuid.UUID, entity: str
) -> HttpResponse:
    user = request.user
    record = _get(user, entity, public_id)
    _require_writer(request)
    link = next(
        (link for link in queries.relationships_of(user, record) if link.relationship.public_id == relationship_id),
        None,
    )
    if link is None:
        raise Http404(_("No such relationship."))
    try:
        actions.relationship_delete(actor=user, relationship=link.relationship)
    except PermissionDenied as denied:
        messages.error(request, _("The relationship was not removed: %(reason)s.") % {"reason": denied})
    else:
        messages.success(request, _("Relationship with “%(name)s” removed.") % {"name": link.other})
    return _back(entity, record)


@login_required
@require_GET
def party_suggest(request: HttpRequest) -> HttpResponse:
    """<option>s naming visible contacts and organizations for the relationship form's datalist."""
    text = (request.GET.get("other") or request.GET.get("q") or "").replace("\x00", "")[:100]
    contacts: list[Any] = []
    organizations: list[Any] = []
    if len(text.strip()) >= 2:
        condition = queries.search_filter(text, request.user)
        contacts = list(queries.in_name_order(queries.contacts_visible(request.user).filter(condition))[:SUGGESTIONS])
        organizations = list(
            queries.in_name_order(queries.organizations_visible(request.user).filter(condition))[:SUGGESTIONS]
        )
    return render(request, "parties/party_options.html", {"contacts": contacts, "organizations": organizations})
