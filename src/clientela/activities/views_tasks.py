"""Pages of tasks and projects: "my tasks" (mine, my team's, all I may see; by status and due
moment; done with one click), a task's page with its form (saved at the version it was loaded
with, merged field by field with what others saved meanwhile), a new task linked to the record
it was started from, and projects with their progress and tasks.

A task or project the user cannot see is a 404; a change the user's role may not make, a 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientela.activities import actions, forms, forms_tasks, queries
from clientela.activities.actions.tasks import AlreadyClosed
from clientela.activities.entities import PROJECT, TASK
from clientela.activities.models import Project, TaskStatus
from clientela.activities.rules import user_zone
from clientela.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from clientela.core.ids import is_uuid
from clientela.core.visibility import can_see
from clientela.parties import listing as parties_listing
from clientela.parties import queries as parties_queries
from clientela.sales import queries as sales_queries

PAGE_SIZE = 50


def _require_writer(request: HttpRequest) -> None:
    if not request.user.policy.can_write:
        raise DjangoPermissionDenied(_("your role may not change records"))


def _task(request: HttpRequest, public_id: Any, *, include_trash: bool = False) -> Any:
    try:
        return queries.task_get(request.user, public_id, include_trash=include_trash)
    except NotFound:
        raise Http404(_("no such task")) from None


def _project(request: HttpRequest, public_id: Any, *, include_trash: bool = False) -> Any:
    try:
        return queries.project_get(request.user, public_id, include_trash=include_trash)
    except NotFound:
        raise Http404(_("no such project")) from None


def _safe_next(request: HttpRequest) -> str | None:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, require_https=request.is_secure()):
        return wanted
    return None


def _version(request: HttpRequest, default: int) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return default


def with_about(user: Any, tasks: Any) -> list[Any]:
    """Each task with what it is about (`task.about`: name and address of its contact,
    organization, deal or project), when the user may see it."""
    shown = []
    for task in tasks:
        task.about = None
        for record, url, name in (
            (task.contact, "parties:contact_detail", "full_name"),
            (task.organization, "parties:organization_detail", "name"),
            (task.deal, "sales:deal_detail", "name"),
            (task.project, "activities:project_detail", "name"),
        ):
            if record is not None and record.deleted_at is None and can_see(user, record):
                task.about = (getattr(record, name), reverse(url, args=[record.public_id]))
                break
        shown.append(task)
    return shown


# --- my tasks ----------------------------------------------------------------------------------


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    zone = user_zone(user)
    filters = forms_tasks.task_filters(request.GET, user)
    tasks = forms_tasks.filtered(queries.tasks_visible(user), filters, user, zone)
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    scopes = {k: v for k, v in forms_tasks.SCOPES.items() if k != "team" or forms_tasks.sees_team(user)}
    choices = [
        ("scope", _("Whose"), scopes, filters.scope),
        ("status", _("Status"), forms_tasks.STATUSES, filters.status),
        ("due", _("Due"), forms_tasks.DUE, filters.due),
        ("sort", _("Order"), forms_tasks.SORTS, filters.sort),
    ]
    context = {
        "page": page,
        "tasks": with_about(user, page.object_list),
        "filters": filters,
        "filter_groups": [
            (
                name,
                label,
                [
                    (value, text, filters.query_string(**{name: value}), value == current)
                    for value, text in options.items()
                ],
            )
            for name, label, options, current in choices
        ],  # fmt: skip
        "query": filters.query_string(),
        "now": timezone.now(),
        "zone": zone,
        "can_write": user.policy.can_write,
    }
    if request.htmx and request.headers.get("HX-Target") == "task-results":
        return render(request, "activities/task_list.html#results", context)
    return render(request, "activities/task_list.html", context)


@login_required
@require_POST
def task_complete(request: HttpRequest, public_id: str) -> HttpResponse:
    """Mark a task done with one click (a recurring one gets its next occurrence); htmx gets the
    task's line back, as a list item (`?as=item`) or a table row (`?as=row`)."""
    _require_writer(request)
    task = _task(request, public_id)
    closed = False
    try:
        task = actions.task_complete(actor=request.user, task=task)
    except AlreadyClosed:
        closed = True
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    if request.htmx:
        template = "activities/_task_row.html" if request.GET.get("as") == "row" else "activities/_task_item.html"
        context = {
            "task": with_about(request.user, [task])[0], "can_write": True, "now": timezone.now(),
            "zone": user_zone(request.user),
        }  # fmt: skip
        return render(request, template, context)
    if closed:
        messages.warning(request, _("This task is no longer open."))
    else:
        messages.success(request, _("Task done."))
    return HttpResponseRedirect(_safe_next(request) or reverse("activities:task_detail", args=[task.public_id]))


# --- a task's page -------------------------------------------------------------------------------


def _task_fields(request: HttpRequest, names: tuple[str, ...], values: dict[str, Any], errors: list[Any]) -> Any:
    user = request.user
    projects = list(queries.projects_visible(user).filter(status=Project.Status.ACTIVE).order_by("name")[:200])
    current = values.get("project")
    if current and current not in {str(p.public_id) for p in projects}:  # a project no longer active stays choosable
        projects += list(queries.projects_visible(user).filter(public_id=current)) if is_uuid(current) else []
    return forms.task_fields(names, values, errors, assignees=parties_listing.assignable_users(user), projects=projects)


def _task_page(
    request: HttpRequest, task: Any, values: dict[str, Any] | None = None, errors: list[FieldError] | None = None,
    *, status: int = 200,
) -> HttpResponse:  # fmt: skip
    user = request.user
    zone = user_zone(user)
    errors = errors or []
    if values is None:
        values = forms.task_values(task, zone)
        values.update({f"{name}__shown": values[name] for name in ("due_at", "remind_at")})
    can_edit = user.policy.can_write and task.deleted_at is None
    links = [
        (label, record, url)
        for label, record, url in (
            (_("Contact"), task.contact, "parties:contact_detail"),
            (_("Organization"), task.organization, "parties:organization_detail"),
            (_("Deal"), task.deal, "sales:deal_detail"),
            (_("Project"), task.project, "activities:project_detail"),
        )
        if record is not None and record.deleted_at is None and can_see(user, record)
    ]
    context = {
        "task": task,
        "zone": zone,
        "now": timezone.now(),
        "fields": _task_fields(request, forms.TASK_INPUTS, values, errors) if can_edit else [],
        "version": values.get("version", task.version),
        "errors": errors,
        "other_errors": forms.other_errors(errors, forms.TASK_INPUTS),
        "can_edit": can_edit,
        "can_complete": can_edit and task.status == TaskStatus.OPEN,
        "can_delete": user.policy.can_delete and task.deleted_at is None,
        "links": links,
    }
    return render(request, "activities/task_detail.html", context, status=status)


@login_required
@require_GET
def task_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    return _task_page(request, _task(request, public_id, include_trash=True))


@login_required
@require_http_methods(["GET", "POST"])
def task_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """Save the task's form at the version it was loaded with: what others saved meanwhile is
    kept field by field; where both changed one field the save is refused, naming who."""
    if request.method == "GET":
        return HttpResponseRedirect(reverse("activities:task_detail", args=[public_id]))
    _require_writer(request)
    task = _task(request, public_id)
    values, errors = forms.posted(request.POST, forms.TASK_INPUTS, user_zone(request.user))
    shown = {**forms.typed(request.POST, forms.TASK_INPUTS), "version": request.POST.get("version")}
    if errors:
        return _task_page(request, task, shown, errors, status=422)
    try:
        actions.task_update(
            actor=request.user, task=task, values=values, expected_version=_version(request, task.version), merge=True
        )
    except ValidationFailed as failed:
        return _task_page(request, task, shown, failed.errors, status=422)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    except Conflict as conflict:
        message = forms.conflict_message(conflict.detail.their_actors, conflict.detail.overlapping, TASK)
        current = _task(request, public_id)
        shown["version"] = current.version
        return _task_page(request, current, shown, [FieldError("", "conflict", message)], status=409)
    messages.success(request, _("Task saved."))
    return HttpResponseRedirect(reverse("activities:task_detail", args=[task.public_id]))


@login_required
@require_POST
def task_trash(request: HttpRequest, public_id: str) -> HttpResponse:
    task = _task(request, public_id)
    try:
        actions.task_trash(actor=request.user, task=task, expected_version=_version(request, task.version))
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    except Conflict:
        messages.warning(request, _("Someone changed this task meanwhile; look again before you delete it."))
        return HttpResponseRedirect(reverse("activities:task_detail", args=[task.public_id]))
    messages.success(request, _("Moved to the trash."))
    return HttpResponseRedirect(reverse("activities:task_list"))


# --- a new task ------------------------------------------------------------------------------


def _links_shown(request: HttpRequest, given: dict[str, str]) -> list[tuple[str, str, str, str]]:
    """The records a new task starts linked to (from the address), those the user may see:
    (name of the input, public id, label, record name)."""
    user = request.user
    sources = {
        "contact": (parties_queries.contacts_visible, _("Contact"), lambda r: r.full_name),
        "organization": (parties_queries.organizations_visible, _("Organization"), lambda r: r.name),
        "deal": (sales_queries.deals_visible, _("Deal"), lambda r: r.name),
    }
    shown = []
    for name, (visible_to, label, name_of) in sources.items():
        wanted = given.get(name, "")
        found = visible_to(user).filter(public_id=wanted).first() if is_uuid(wanted) else None
        if found is not None:
            shown.append((name, str(found.public_id), str(label), name_of(found)))
    return shown


def _new_task_page(
    request: HttpRequest, values: dict[str, Any], links: dict[str, str], errors: list[FieldError], *, status: int = 200
) -> HttpResponse:
    context = {
        "fields": _task_fields(request, forms.NEW_TASK_INPUTS, values, errors),
        "links": _links_shown(request, links),
        "errors": errors,
        "other_errors": forms.other_errors(errors, forms.NEW_TASK_INPUTS),
        "next": _safe_next(request) or "",
    }
    return render(request, "activities/task_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    """A new task, linked to the contact, organization, deal or project it was started from
    (`?contact=<id>`...), assigned to the user unless they choose another."""
    _require_writer(request)
    links = {k: v for k, v in forms.links_from(request.GET if request.method == "GET" else request.POST).items()
             if k != "project"}  # fmt: skip
    if request.method == "GET":
        values: dict[str, Any] = {"priority": "normal", "assignee": str(request.user.public_id)}
        values["project"] = request.GET.get("project", "")
        return _new_task_page(request, values, links, [])
    values, errors = forms.posted(request.POST, forms.NEW_TASK_INPUTS, user_zone(request.user))
    values.update(links)
    shown = forms.typed(request.POST, forms.NEW_TASK_INPUTS)
    if not errors:
        try:
            task = actions.task_create(actor=request.user, values=values)
        except ValidationFailed as failed:
            errors = failed.errors
        except PermissionDenied as denied:
            raise DjangoPermissionDenied(str(denied)) from None
    if errors:
        return _new_task_page(request, shown, links, errors, status=422)
    messages.success(request, _("Task created."))
    return HttpResponseRedirect(_safe_next(request) or reverse("activities:task_detail", args=[task.public_id]))


# --- projects --------------------------------------------------------------------------------


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", Project.Status.ACTIVE)
    statuses = dict(Project.Status.choices)
    projects = queries.with_progress(queries.projects_visible(request.user))
    if status in statuses:
        projects = projects.filter(status=status)
    else:
        status = ""
    page = Paginator(projects.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "statuses": [("", _("Any status")), *Project.Status.choices],
        "can_write": request.user.policy.can_write,
    }
    return render(request, "activities/project_list.html", context)


@login_required
@require_GET
def project_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    user = request.user
    project = _project(request, public_id, include_trash=True)
    can_write = user.policy.can_write and project.deleted_at is None
    tasks = [task for task in project.tasks.all() if can_see(user, task)]
    context = {
        "project": project,
        "tasks": tasks,
        "hidden_tasks": len(project.tasks.all()) - len(tasks),
        "zone": user_zone(user),
        "now": timezone.now(),
        "can_write": can_write,
        "can_delete": user.policy.can_delete and project.deleted_at is None,
        "task_fields": forms.task_fields(
            ("title", "due_at", "priority", "assignee"),
            {"priority": "normal", "assignee": str(user.public_id)},
            [],
            assignees=parties_listing.assignable_users(user),
            projects=[],
        )
        if can_write
        else [],  # fmt: skip
        "organization": project.organization if project.organization and can_see(user, project.organization) else None,
        "deal": project.deal if project.deal and can_see(user, project.deal) else None,
    }
    return render(request, "activities/project_detail.html", context)


def _project_form(
    request: HttpRequest, project: Any, values: dict[str, Any], errors: list[FieldError], *, status: int = 200
) -> HttpResponse:
    context = {
        "project": project,
        "fields": forms.project_fields(values, errors),
        "values": values,
        "errors": errors,
        "other_errors": forms.other_errors(errors, forms.PROJECT_INPUTS),
        "links": _links_shown(request, forms.links_from(request.GET if request.method == "GET" else request.POST))
        if project is None
        else [],
    }
    return render(request, "activities/project_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def project_new(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    if request.method == "GET":
        return _project_form(request, None, {"status": Project.Status.ACTIVE}, [])
    values = {name: request.POST.get(name, "").strip() for name in forms.PROJECT_INPUTS if name in request.POST}
    values.update({k: v for k, v in forms.links_from(request.POST).items() if k in ("organization", "deal")})
    try:
        project = actions.project_create(actor=request.user, values=values)
    except ValidationFailed as failed:
        return _project_form(request, None, values, failed.errors, status=422)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    messages.success(request, _("Project created."))
    return HttpResponseRedirect(reverse("activities:project_detail", args=[project.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def project_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """The project's form, saved at the version it was loaded with (merged field by field)."""
    _require_writer(request)
    project = _project(request, public_id)
    if request.method == "GET":
        return _project_form(request, project, {**forms.project_values(project), "version": project.version}, [])
    values = {name: request.POST.get(name, "").strip() for name in forms.PROJECT_INPUTS if name in request.POST}
    shown = {**values, "version": request.POST.get("version")}
    try:
        actions.project_update(
            actor=request.user, project=project, values=values, expected_version=_version(request, project.version),
            merge=True,
        )  # fmt: skip
    except ValidationFailed as failed:
        return _project_form(request, project, shown, failed.errors, status=422)
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    except Conflict as conflict:
        message = forms.conflict_message(conflict.detail.their_actors, conflict.detail.overlapping, PROJECT)
        current = _project(request, public_id)
        shown["version"] = current.version
        return _project_form(request, current, shown, [FieldError("", "conflict", message)], status=409)
    messages.success(request, _("Project saved."))
    return HttpResponseRedirect(reverse("activities:project_detail", args=[project.public_id]))


@login_required
@require_POST
def project_trash(request: HttpRequest, public_id: str) -> HttpResponse:
    project = _project(request, public_id)
    try:
        actions.project_trash(actor=request.user, project=project, expected_version=_version(request, project.version))
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    except Conflict:
        messages.warning(request, _("Someone changed this project meanwhile; look again before you delete it."))
        return HttpResponseRedirect(reverse("activities:project_detail", args=[project.public_id]))
    messages.success(request, _("Moved to the trash."))
    return HttpResponseRedirect(reverse("activities:project_list"))
