"""Pages of the activities app around a record: its timeline a page at a time (htmx appends
the older pages), the quick forms that log an activity or add a task from a contact's, an
organization's or a deal's page, and an activity's own page (edit at a version, trash).

Views parse input, call one query or action and render. A record the user cannot see is a
404; a change the user's role may not make is a 403. Answers to htmx carry the panel (or the
part of it that changed); without JavaScript the same forms post and redirect.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientela.activities import actions, forms, panels, queries, rules
from clientela.activities.entities import ACTIVITY
from clientela.activities.rules import user_zone
from clientela.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from clientela.core.ids import is_uuid
from clientela.core.visibility import can_see
from clientela.parties import queries as parties_queries
from clientela.sales import queries as sales_queries


def require_writer(request: HttpRequest) -> None:
    if not request.user.policy.can_write:
        raise DjangoPermissionDenied(_("your role may not change records"))


def linked_record(request: HttpRequest, kind: str, public_id: Any) -> Any:
    """The contact, organization or deal a timeline belongs to, if the user may see it."""
    sources = {
        "contact": parties_queries.contacts_visible,
        "organization": parties_queries.organizations_visible,
        "deal": sales_queries.deals_visible,
    }
    if kind not in sources or not is_uuid(public_id):
        raise Http404(_("no such record"))
    found = sources[kind](request.user).filter(public_id=public_id).first()
    if found is None:
        raise Http404(_("no such record"))
    return found


def also_wrong(clean: Any, actor: Any, values: dict[str, Any], current: Any) -> list[FieldError]:
    """What else the action would refuse in a form that already has errors of its own, so the
    user sees every bad field at once (the rules only read; nothing is written)."""
    try:
        clean(actor, values, current)
    except ValidationFailed as failed:
        return failed.errors
    return []


def _panel(request: HttpRequest, record: Any, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    """The panel alone (for htmx), or a page holding it (without JavaScript)."""
    if request.htmx:
        return render(request, "activities/_panel.html", {"panel": context}, status=status)
    return render(request, "activities/record_activities.html", {"panel": context}, status=status)


# --- the timeline and the quick forms --------------------------------------------------------


@login_required
@require_GET
def timeline(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    """A record's timeline, filtered by channel; with a cursor, the next older page (htmx
    appends its entries in place of the "Load older" button)."""
    record = linked_record(request, kind, public_id)
    channel = panels.clean_channel(request.GET.get("channel"))
    cursor = request.GET.get("cursor") or None
    if request.htmx:
        context = {"timeline": panels.timeline_context(request.user, record, channel=channel, cursor=cursor)}
        template = "activities/_timeline_entries.html" if cursor else "activities/_timeline.html"
        return render(request, template, context)
    return _panel(request, record, panels.panel_context(request.user, record, channel=channel, cursor=cursor))


@login_required
@require_POST
def quick_log(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    """Log an activity on the record from its page; the panel comes back with the timeline
    refreshed, or with the form as typed and each error beside its field."""
    require_writer(request)
    record = linked_record(request, kind, public_id)
    names = (*forms.QUICK_LOG_INPUTS, "deal") if kind in panels.PARTIES else forms.QUICK_LOG_INPUTS
    values, errors = forms.posted(request.POST, names, user_zone(request.user))
    values[kind] = str(record.public_id)
    errors += also_wrong(rules.clean_activity, request.user, values, None) if errors else []
    if not errors:
        try:
            actions.activity_create(actor=request.user, values=values)
        except ValidationFailed as failed:
            errors = failed.errors
        except PermissionDenied as denied:
            raise DjangoPermissionDenied(str(denied)) from None
    if errors:
        log = panels.log_form(
            request.user, record, values=forms.typed(request.POST, names), errors=forms.errors_by_input(errors),
            other_errors=forms.other_errors(errors, names),
        )  # fmt: skip
        return _panel(request, record, panels.panel_context(request.user, record, log=log), status=422)
    if not request.htmx:
        messages.success(request, _("Activity logged."))
        return HttpResponseRedirect(panels.page_url(record))
    return _panel(request, record, panels.panel_context(request.user, record, notice=_("Activity logged.")))


@login_required
@require_POST
def quick_task(request: HttpRequest, kind: str, public_id: str) -> HttpResponse:
    """Add a task linked to the record from its page (title, due, priority, assignee, reminder)."""
    require_writer(request)
    record = linked_record(request, kind, public_id)
    values, errors = forms.posted(request.POST, forms.QUICK_TASK_INPUTS, user_zone(request.user))
    values[kind] = str(record.public_id)
    errors += also_wrong(rules.clean_task, request.user, values, None) if errors else []
    if not errors:
        try:
            actions.task_create(actor=request.user, values=values)
        except ValidationFailed as failed:
            errors = failed.errors
        except PermissionDenied as denied:
            raise DjangoPermissionDenied(str(denied)) from None
    if errors:
        task = panels.task_form(
            request.user, record, values=forms.typed(request.POST, forms.QUICK_TASK_INPUTS),
            errors=forms.errors_by_input(errors), other_errors=forms.other_errors(errors, forms.QUICK_TASK_INPUTS),
        )  # fmt: skip
        return _panel(request, record, panels.panel_context(request.user, record, task=task), status=422)
    if not request.htmx:
        messages.success(request, _("Task added."))
        return HttpResponseRedirect(panels.page_url(record))
    return _panel(request, record, panels.panel_context(request.user, record, notice=_("Task added.")))


# --- an activity's page --------------------------------------------------------------------------


def _activity(request: HttpRequest, public_id: Any, *, include_trash: bool = False) -> Any:
    try:
        return queries.activity_get(request.user, public_id, include_trash=include_trash)
    except NotFound:
        raise Http404(_("no such activity")) from None


def _activity_page(
    request: HttpRequest, activity: Any, values: dict[str, Any] | None = None, errors: list[FieldError] | None = None,
    *, status: int = 200,
) -> HttpResponse:  # fmt: skip
    user = request.user
    zone = user_zone(user)
    errors = errors or []
    if values is None:
        values = forms.activity_values(activity, zone)
        values.update({f"{name}__shown": values[name] for name in ("occurred_at", "ends_at")})
    can_edit = user.policy.can_write and activity.deleted_at is None
    context = {
        "activity": activity,
        "zone": zone,
        "duration": panels.duration_text(activity.duration_seconds),
        "fields": forms.activity_fields(values, errors) if can_edit else [],
        "version": values.get("version", activity.version),
        "errors": errors,
        "other_errors": forms.other_errors(errors, forms.ACTIVITY_INPUTS),
        "can_edit": can_edit,
        "can_delete": user.policy.can_delete and activity.deleted_at is None,
        "links": [
            (label, record, url)
            for label, record, url in (
                (_("Contact"), activity.contact, "parties:contact_detail"),
                (_("Organization"), activity.organization, "parties:organization_detail"),
                (_("Deal"), activity.deal, "sales:deal_detail"),
            )
            if record is not None and record.deleted_at is None and _sees(user, record)
        ],
        "attendees": [c for c in activity.attendees.all() if c.deleted_at is None and _sees(user, c)],
    }
    return render(request, "activities/activity_detail.html", context, status=status)


def _sees(user: Any, record: Any) -> bool:
    return can_see(user, record)


@login_required
@require_GET
def activity_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _activity_page(request, _activity(request, public_id, include_trash=True))


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """Save the activity's form at the version it was loaded with: what others saved meanwhile is
    kept field by field; where both changed one field the save is refused, naming who."""
    if request.method == "GET":
        return HttpResponseRedirect(reverse("activities:activity_detail", args=[public_id]))
    require_writer(request)
    activity = _activity(request, public_id)
    zone = user_zone(request.user)
    values, errors = forms.posted(request.POST, forms.ACTIVITY_INPUTS, zone)
    shown = {**forms.typed(request.POST, forms.ACTIVITY_INPUTS), "version": request.POST.get("version")}
    if "occurred_at" in values and values["occurred_at"] is None:
        errors.append(FieldError("occurred_at", "required", _("say when it happened")))
        values.pop("occurred_at")
    errors += also_wrong(rules.clean_activity, request.user, values, activity) if errors else []
    if errors:
        return _activity_page(request, activity, shown, errors, status=422)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = activity.version
    try:
        actions.activity_update(actor=request.user, activity=activity, values=values, expected_version=version,
                                merge=True)  # fmt: skip
    except ValidationFailed as failed:
        return _activity_page(request, activity, shown, failed.errors, status=422)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    except Conflict as conflict:
        message = forms.conflict_message(conflict.detail.their_actors, conflict.detail.overlapping, ACTIVITY)
        current = _activity(request, public_id)
        shown["version"] = current.version
        return _activity_page(request, current, shown, [FieldError("", "conflict", message)], status=409)
    messages.success(request, _("Activity saved."))
    return HttpResponseRedirect(reverse("activities:activity_detail", args=[activity.public_id]))


@login_required
@require_POST
def activity_trash(request: HttpRequest, public_id: str) -> HttpResponse:
    activity = _activity(request, public_id)
    back = _back_of(request.user, activity)
    try:
        actions.activity_trash(
            actor=request.user, activity=activity, expected_version=_version(request, activity.version)
        )
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    except Conflict:
        messages.warning(request, _("Someone changed this activity meanwhile; look again before you delete it."))
        return HttpResponseRedirect(reverse("activities:activity_detail", args=[activity.public_id]))
    messages.success(request, _("Moved to the trash."))
    return HttpResponseRedirect(back)


def _version(request: HttpRequest, default: int) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return default


def _back_of(user: Any, activity: Any) -> str:
    """Where to go once an activity is gone: the page of what it was about."""
    for record in (activity.contact, activity.organization, activity.deal):
        if record is not None and record.deleted_at is None and _sees(user, record):
            return panels.page_url(record)
    return reverse("site:home")
