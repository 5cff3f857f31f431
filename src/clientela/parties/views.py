"""Pages for contacts and organizations: lists, 360° pages, forms, trash.

Views parse input, call one query or action and render. A record the user cannot
see is a 404; a change the user's role may not make is a 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientela.core import panels
from clientela.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.parties import actions, editing, listing, profile, queries, relating, savedviews
from clientela.parties.forms import (
    MAX_ROWS,
    FormState,
    custom_spec,
    people_choices,
    read_baseline,
    resolve_organization_name,
    sign_baseline,
    specs_for,
    state_from_post,
    state_from_record,
    team_choices,
)
from clientela.parties.models import Address, Contact, LifecycleStage, Organization

BULK_LIMIT = 200  # rows one bulk action changes at most (ticked, or "all matching")
COLUMNS = {
    "contact": ("name", "organization", "email", "stage", "owner", "tags", "updated"),
    "organization": ("name", "industry", "stage", "owner", "tags", "updated"),
}
EXTRA_LABELS = {"organization": gettext_lazy("Organization"), "tags": gettext_lazy("Tags")}


@dataclass(frozen=True)
class Entity:
    key: str
    plural: Any
    singular: Any

    def url(self, name: str, *args: Any) -> str:
        return reverse(f"parties:{self.key}_{name}", args=args)


ENTITIES = {
    "contact": Entity("contact", gettext_lazy("Contacts"), gettext_lazy("Contact")),
    "organization": Entity("organization", gettext_lazy("Organizations"), gettext_lazy("Organization")),
}


def _get(user: Any, entity: str, public_id: Any, *, include_trash: bool = False) -> Contact | Organization:
    try:
        if entity == "contact":
            return queries.contact_get(user, public_id, include_trash=include_trash)
        return queries.organization_get(user, public_id, include_trash=include_trash)
    except NotFound:
        raise Http404(_("No such record.")) from None


def _require_writer(request: HttpRequest) -> None:
    if not request.user.policy.can_write:
        raise DjangoPermissionDenied(_("Your role may not change records."))


def _export_url(entity: str, query: str) -> str:
    """The export of what the list shows (its filters); the page adds `&format=csv|xlsx`."""
    joiner = "&" if query else ""
    return f"{reverse('imports:export')}?entity={entity}{joiner}{query}"


# --- lists ------------------------------------------------------------------------------


def _list_context(request: HttpRequest, entity: str) -> dict[str, Any]:
    user = request.user
    definitions = listing.filterable_fields(entity)
    filters = listing.parse_filters(entity, request.GET, definitions)
    page = listing.page_of(user, filters)
    columns = []
    for key in COLUMNS[entity]:
        if key in listing.SORTS[entity]:
            ascending = filters.sort == key
            state = "asc" if ascending else "desc" if filters.sort == f"-{key}" else ""
            next_sort = filters.query_string(sort=f"-{key}" if ascending else key)
            columns.append((key, listing.COLUMN_LABELS[key], next_sort, state))
        else:
            columns.append((key, EXTRA_LABELS[key], "", ""))
    return {
        "entity": ENTITIES[entity],
        "filters": filters,
        "page": page,
        "columns": columns,
        "custom_filters": definitions,
        "stages": list(LifecycleStage.choices),
        "people": listing.assignable_users(user),
        "teams": listing.selectable_teams(user),
        "saved_views": savedviews.saved_views(user, entity),
        "export_url": _export_url(entity, filters.query_string()) if user.policy.can_export else "",
        "page_sizes": listing.PAGE_SIZES,
        "can_write": user.policy.can_write,
        "can_delete": user.policy.can_delete,
    }


def _list(request: HttpRequest, entity: str) -> HttpResponse:
    context = _list_context(request, entity)
    if request.htmx and not request.htmx.boosted:
        response = render(request, "parties/list.html#results", context)
        # One clean address per state (the filters in use, once each), whatever the request
        # repeated: the address bar and the back button follow the list, not the form's history.
        page = context["page"].number
        query = context["filters"].query_string(page=page if page > 1 else None)
        response["HX-Push-Url"] = request.path + (f"?{query}" if query else "")
        return response
    return render(request, "parties/list.html", context)


@login_required
@require_GET
def contact_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "contact")


@login_required
@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    return _list(request, "organization")


def _bulk(request: HttpRequest, entity: str) -> HttpResponse:
    """Apply one action to the selected rows, reporting every row it could not change."""
    _require_writer(request)
    user = request.user
    operation = request.POST.get("operation", "")
    if request.POST.get("all_matching") == "1":
        records, missing = _all_matching(request, entity), 0
    else:
        selected = request.POST.getlist("ids")[:BULK_LIMIT]
        records = listing.records_by_ids(user, entity, selected)
        missing = len(set(selected)) - len(records)
    done: list[str] = []
    refused: list[str] = []
    owner = None
    if operation == "assign":
        owner = people_choices(listing.assignable_users(user)).get(request.POST.get("owner", ""))
        if owner is None:
            messages.error(request, _("Choose the new owner."))
            records = []
    tag = request.POST.get("tag", "").strip()
    if operation == "tag" and not tag:
        messages.error(request, _("Type the tag to add."))
        records = []
    if operation not in ("assign", "tag", "trash"):
        messages.error(request, _("Choose what to do with the selected rows."))
        records = []
    for record in records:
        try:
            if operation == "assign":
                assert owner is not None  # no owner, no records
                actions.record_assign(actor=user, record=record, owner=owner, team=owner.team)
            elif operation == "tag":
                actions.record_add_tags(actor=user, record=record, names=[tag])
            elif entity == "contact":
                actions.contact_trash(actor=user, contact=record)
            else:
                actions.organization_trash(actor=user, organization=record)
            done.append(str(record))
        except (PermissionDenied, ValidationFailed, Conflict) as error:
            reason = "; ".join(e.message for e in error.errors) if isinstance(error, ValidationFailed) else str(error)
            refused.append(f"{record}: {reason}")
    if done:
        messages.success(
            request,
            ngettext("%(count)d record changed.", "%(count)d records changed.", len(done)) % {"count": len(done)},
        )
    for line in refused:
        messages.warning(request, _("Not changed — %(reason)s") % {"reason": line})
    if missing:
        messages.warning(
            request,
            ngettext("%(count)d selected record was not found.", "%(count)d selected records were not found.", missing)
            % {"count": missing},
        )
    back = request.POST.get("next_query", "")
    if request.htmx:
        request.GET = _query_dict(back)
        context = _list_context(request, entity)
        context["bulk_done"] = True
        return render(request, "parties/list.html#results", context)
    return HttpResponseRedirect(ENTITIES[entity].url("list") + (f"?{back}" if back else ""))


def _all_matching(request: HttpRequest, entity: str) -> list[Any]:
    """Every row the list's filters select, when the reader confirmed how many that is: a list
    that has changed since (another count) is refused, and so is more than BULK_LIMIT at once."""
    filters = listing.parse_filters(
        entity, _query_dict(request.POST.get("next_query", "")), listing.filterable_fields(entity)
    )
    matching = listing.filtered(request.user, filters)
    count = matching.count()
    confirmed = request.POST.get("confirmed_count", "")
    if not confirmed.isdigit() or int(confirmed) != count:
        messages.error(
            request,
            _("The list has changed: %(count)d rows match now. Check them and apply again.") % {"count": count},
        )
        return []
    if count > BULK_LIMIT:
        messages.error(
            request,
            _("%(count)d rows match; one action changes at most %(limit)d. Narrow the filters.")
            % {"count": count, "limit": BULK_LIMIT},
        )
        return []
    return list(matching)


def _query_dict(query: str) -> Any:
    from django.http import QueryDict

    return QueryDict(query[:2000])


@login_required
@require_POST
def contact_bulk(request: HttpRequest) -> HttpResponse:
    return _bulk(request, "contact")


@login_required
@require_POST
def organization_bulk(request: HttpRequest) -> HttpResponse:
    return _bulk(request, "organization")


@login_required
@require_POST
def saved_view_save(request: HttpRequest, entity: str) -> HttpResponse:
    listed = savedviews.saved_list(entity)
    if listed is None:
        raise Http404
    query = request.POST.get("query", "")
    try:
        view = actions.saved_view_save(
            user=request.user,
            entity=entity,
            name=request.POST.get("name", ""),
            query_string=query,
            is_shared=bool(request.POST.get("is_shared")),
        )
    except ValidationFailed as failed:
        messages.error(request, "; ".join(e.message for e in failed.errors))
        return HttpResponseRedirect(listed.path() + (f"?{query}" if query else ""))
    messages.success(request, _("View “%(name)s” saved.") % {"name": view.name})
    return HttpResponseRedirect(
        listed.path() + (f"?{view.query_string}&" if view.query_string else "?") + f"view={view.pk}"
    )


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, entity: str, pk: int) -> HttpResponse:
    listed = savedviews.saved_list(entity)
    if listed is None or not actions.saved_view_delete(user=request.user, entity=entity, pk=pk):
        raise Http404
    messages.success(request, _("View deleted."))
    return HttpResponseRedirect(listed.path())


# --- 360° pages ----------------------------------------------------------------------------


def _detail(request: HttpRequest, entity: str, public_id: Any) -> HttpResponse:
    return render_detail(request, entity, _get(request.user, entity, public_id))


def render_detail(
    request: HttpRequest,
    entity: str,
    record: Contact | Organization,
    *,
    extra: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The 360° page of a record the user can see; `extra` adds to (or replaces) its context."""
    user = request.user
    definitions = queries.custom_fields(entity)
    context: dict[str, Any] = {
        "entity": ENTITIES[entity],
        "record": record,
        "custom_values": profile.custom_values(record, definitions),
        "emails": queries.points_of(record, "email"),
        "phones": queries.points_of(record, "phone"),
        "addresses": list(record.addresses.all()),
        "tags": list(record.tags.all()),
        "can_edit": user.policy.can_write,
        "can_delete": user.policy.can_delete,
    }
    context["relationships"] = profile.relationships(user, record)
    if isinstance(record, Contact):
        context["affiliations"], hidden = profile.contact_organizations(user, record)
        context["hidden_affiliations"] = len(hidden)
    else:
        context["people"], context["hidden_people"] = profile.organization_people(user, record)
        context["subsidiaries"] = profile.subsidiaries(user, record)
        parent = record.parent
        context["parent"] = (
            parent if parent is not None and parent.deleted_at is None and _visible(user, parent) else None
        )
    if isinstance(record, Contact):
        context["restricted_fields"] = profile.hide_restricted(user, record, context, via="page")
    context["history"] = profile.history_entries(user, record, definitions)
    context["panels"] = panels.panels_for(user, record)  # what other apps show here (deals, ...)
    context["replaced"] = {panel.replaces for panel in context["panels"]}
    context["relationship_kinds"] = relating.kind_choices()
    context["relationship_form"] = relating.RelationshipForm()
    context.update(extra or {})
    return render(request, f"parties/{entity}_detail.html", context, status=status)


def _visible(user: Any, record: Any) -> bool:
    from clientela.core.visibility import can_see

    return can_see(user, record)


@login_required
@require_GET
def contact_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail(request, "contact", public_id)


@login_required
@require_GET
def organization_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _detail(request, "organization", public_id)


# --- forms ---------------------------------------------------------------------------------


def _choices(request: HttpRequest, state: FormState) -> dict[str, Any]:
    user = request.user
    import json

    org_ids = [pid for pid, _role in json.loads(state.values.get("organizations") or "[]")]
    orgs = {str(o.public_id): o for o in listing.records_by_ids(user, "organization", org_ids)} if org_ids else {}
    return {
        "people": people_choices(listing.assignable_users(user)),
        "teams": team_choices(listing.selectable_teams(user)),
        "orgs": orgs,
        "org_lookup": lambda name: resolve_organization_name(user, name),
    }


def _form_context(
    request: HttpRequest,
    entity: str,
    state: FormState,
    definitions: list[Any],
    record: Contact | Organization | None,
    baseline: str,
    version: int | None,
    conflicts: list[Any] | None = None,
    duplicates: list[Any] | None = None,
) -> dict[str, Any]:
    user = request.user
    fields = []
    for spec in specs_for(entity):
        fields.append(_bound(spec, state))
    custom_fields = [_bound(custom_spec(d), state) for d in definitions]
    people = listing.assignable_users(user)
    teams = listing.selectable_teams(user)
    # Keep the current owner/team selectable even when the user could not pick them.
    if record is not None and record.owner is not None and record.owner not in people:
        people = [record.owner, *people]
    if record is not None and record.team is not None and record.team not in teams:
        teams = [record.team, *teams]
    return {
        "entity": ENTITIES[entity],
        "record": record,
        "state": state,
        "fields": fields,
        "custom_fields": custom_fields,
        "people": [(str(p.pk), p.display_name) for p in people],
        "teams": [(str(t.pk), t.name) for t in teams],
        "baseline": baseline,
        "version": version,
        "conflicts": conflicts or [],
        "address_rows": _address_rows(state),
        # what "add another address" copies, numbered by the page's script
        "address_template": _address_row(state, "__n__", {}, is_new=True),
        "address_max": MAX_ROWS + 1,
        "duplicates": duplicates or [],
        "address_labels": list(Address.Label.choices),
        "aff_new_errors": state.errors.get("aff-new-name", []),
        "non_field_errors": [m for m in state.errors.get("__all__", []) if m],
    }


ADDRESS_LABELS = {
    "street": gettext_lazy("Street"),
    "city": gettext_lazy("City"),
    "postal_code": gettext_lazy("Postal code"),
    "region": gettext_lazy("Region"),
    "country": gettext_lazy("Country code"),
}


def _address_row(state: FormState, n: int | str, row: dict[str, str], *, is_new: bool) -> dict[str, Any]:
    parts = [
        {
            "part": part,
            "name": f"addr-{n}-{part}",
            "label": label,
            "value": row.get(part, ""),
            "errors": state.errors.get(f"addr-{n}-{part}", []),
        }
        for part, label in ADDRESS_LABELS.items()
    ]
    return {"n": n, "label": row.get("label", "work"), "parts": parts, "is_new": is_new}


def _address_rows(state: FormState) -> list[dict[str, Any]]:
    rows = state.address_rows()
    return [_address_row(state, n, row, is_new=n == len(rows) - 1) for n, row in enumerate(rows)]


def _bound(spec: Any, state: FormState) -> dict[str, Any]:
    value = state.values.get(spec.name, "")
    return {
        "spec": spec,
        "name": spec.name,
        "id": "f-" + spec.name.replace(".", "-"),
        "value": value,
        "values": value.split("\n") if spec.widget == "checkboxes" else [],
        "errors": state.errors.get(spec.name, []),
    }


def _new(request: HttpRequest, entity: str) -> HttpResponse:
    _require_writer(request)
    user = request.user
    definitions = queries.custom_fields(entity)
    if request.method == "POST":
        state = state_from_post(
            entity, request.POST, definitions, org_lookup=lambda name: resolve_organization_name(user, name)
        )
        result = editing.create(
            user=user,
            entity=entity,
            posted=state,
            definitions=definitions,
            choices=_choices(request, state),
            allow_duplicates=request.POST.get("allow_duplicates") == "1",
        )
        if result.saved:
            assert result.record is not None
            messages.success(request, _("%(entity)s created.") % {"entity": ENTITIES[entity].singular})
            return redirect(ENTITIES[entity].url("detail", result.record.public_id))
        context = _form_context(request, entity, state, definitions, None, "", None, duplicates=result.duplicates)
        # 409: the create would clash with what is there; 422: the input is wrong.
        return render(request, "parties/form.html", context, status=409 if result.duplicates else 422)
    state = state_from_record(entity, None, definitions, user)
    return render(request, "parties/form.html", _form_context(request, entity, state, definitions, None, "", None))


@login_required
@require_http_methods(["GET", "POST"])
def contact_new(request: HttpRequest) -> HttpResponse:
    return _new(request, "contact")


@login_required
@require_http_methods(["GET", "POST"])
def organization_new(request: HttpRequest) -> HttpResponse:
    return _new(request, "organization")


def _edit(request: HttpRequest, entity: str, public_id: str) -> HttpResponse:
    user = request.user
    record = _get(user, entity, public_id)
    _require_writer(request)
    definitions = queries.custom_fields(entity)
    if request.method != "POST":
        state = state_from_record(entity, record, definitions, user)
        if isinstance(record, Contact):
            profile.blank_restricted_inputs(user, record, state)
        context = _form_context(
            request, entity, state, definitions, record, sign_baseline(record, state), record.version
        )
        return render(request, "parties/form.html", context)
    baseline = read_baseline(record, request.POST.get("baseline", ""))
    if baseline is None:
        messages.error(request, _("The form was incomplete; here is the record as it is now."))
        return redirect(ENTITIES[entity].url("edit", record.public_id))
    baseline_version, baseline_values = baseline
    posted = state_from_post(
        entity, request.POST, definitions, org_lookup=lambda name: resolve_organization_name(user, name)
    )
    picks = {key.removeprefix("pick."): value for key, value in request.POST.items() if key.startswith("pick.")}
    try:
        result = editing.save(
            user=user,
            entity=entity,
            record=record,
            posted=posted,
            baseline_version=baseline_version,
            baseline=baseline_values,
            picks=picks,
            definitions=definitions,
            reload=lambda: _get(user, entity, public_id),
            choices=_choices(request, posted),
        )
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    if result.saved:
        if result.nothing_changed:
            messages.info(request, _("Nothing to save: no field was changed."))
        elif result.merged_with:
            messages.info(
                request,
                _(
                    "Meanwhile %(people)s changed %(fields)s. Your changes were saved on top of theirs; "
                    "nothing was lost."
                )
                % {"people": ", ".join(result.merged_with), "fields": ", ".join(result.merged_fields)},
            )
        else:
            messages.success(request, _("Changes saved."))
        return redirect(ENTITIES[entity].url("detail", record.public_id))
    assert result.state is not None  # an unsaved result brings the form back
    if result.conflicts:
        current = result.baseline_record
        assert current is not None and result.baseline_state is not None
        token = sign_baseline(current, result.baseline_state)
        context = _form_context(
            request, entity, result.state, definitions, current, token, current.version, result.conflicts
        )
        return render(request, "parties/form.html", context, status=409)
    context = _form_context(
        request, entity, result.state, definitions, record, request.POST.get("baseline", ""), baseline_version
    )
    return render(request, "parties/form.html", context, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    return _edit(request, "contact", public_id)


@login_required
@require_http_methods(["GET", "POST"])
def organization_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    return _edit(request, "organization", public_id)


# --- trash -----------------------------------------------------------------------------------


def _trash(request: HttpRequest, entity: str, public_id: str) -> HttpResponse:
    user = request.user
    record = _get(user, entity, public_id)
    try:
        if isinstance(record, Contact):
            actions.contact_trash(actor=user, contact=record)
        else:
            actions.organization_trash(actor=user, organization=record)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    # The message carries an Undo button: a POST to the restore page (the same action as the trash page's).
    restore = ENTITIES[entity].url("restore", record.public_id)
    messages.success(request, _("“%(name)s” moved to the trash.") % {"name": record}, extra_tags=f"undo:{restore}")
    return redirect(ENTITIES[entity].url("list"))


def _restore(request: HttpRequest, entity: str, public_id: str) -> HttpResponse:
    user = request.user
    record = _get(user, entity, public_id, include_trash=True)
    try:
        if isinstance(record, Contact):
            actions.contact_restore(actor=user, contact=record)
        else:
            actions.organization_restore(actor=user, organization=record)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    messages.success(request, _("“%(name)s” restored.") % {"name": record})
    return redirect(ENTITIES[entity].url("detail", record.public_id))


@login_required
@require_POST
def contact_trash(request: HttpRequest, public_id: str) -> HttpResponse:
    return _trash(request, "contact", public_id)


@login_required
@require_POST
def organization_trash(request: HttpRequest, public_id: str) -> HttpResponse:
    return _trash(request, "organization", public_id)


@login_required
@require_POST
def contact_restore(request: HttpRequest, public_id: str) -> HttpResponse:
    return _restore(request, "contact", public_id)


@login_required
@require_POST
def organization_restore(request: HttpRequest, public_id: str) -> HttpResponse:
    return _restore(request, "organization", public_id)


TRASH_LIMIT = 100


@login_required
@require_GET
def trash(request: HttpRequest) -> HttpResponse:
    user = request.user
    contacts = list(
        queries.contacts_visible(user, trash=True)
        .select_related("deleted_by")
        .order_by("-deleted_at", "-id")[:TRASH_LIMIT]
    )
    organizations = list(
        queries.organizations_visible(user, trash=True)
        .select_related("deleted_by")
        .order_by("-deleted_at", "-id")[:TRASH_LIMIT]
    )
    return render(
        request,
        "parties/trash.html",
        {
            "sections": [
                (_("Contacts"), contacts, "contact"),
                (_("Organizations"), organizations, "organization"),
            ],
            "limit": TRASH_LIMIT,
            "can_restore": user.policy.can_delete,
        },
    )


@login_required
@require_GET
def organization_suggest(request: HttpRequest) -> HttpResponse:
    """<option>s for the organization name inputs (a datalist filled as the user types)."""
    given = ("q", "aff-new-name", "parent", "organization_name")  # the inputs that ask (a deal's too)
    text = next((request.GET[name] for name in given if request.GET.get(name)), "")[:100]
    found = []
    if len(text.strip()) >= 2:
        found = list(
            queries.in_name_order(
                queries.organizations_visible(request.user).filter(queries.search_filter(text, request.user))
            )[:15]
        )
    return render(request, "parties/organization_options.html", {"organizations": found})
