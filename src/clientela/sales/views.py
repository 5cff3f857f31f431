"""Pages of the sales app: the kanban board, deal and lead lists, a deal's and a lead's
page with their forms, moving a deal, converting and disqualifying a lead.

Views parse input, call one query or action and render. A record the user cannot see is
a 404; a change the user's role may not make is a 403; a move of a card somebody else moved
meanwhile is refused and the board shows where the card is now.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clientela.core import panels as core_panels
from clientela.core.errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from clientela.core.money import default_currency
from clientela.core.visibility import can_see
from clientela.parties import listing as parties_listing
from clientela.parties import queries as parties_queries
from clientela.parties import savedviews
from clientela.sales import actions, conversion, forecasting, listing, queries, reports
from clientela.sales.actions.leads import LeadClosed
from clientela.sales.actions.webforms import POSTED_FIELDS
from clientela.sales.entities import DEAL, LEAD
from clientela.sales.forms import DEAL_INPUTS, LEAD_INPUTS, NO_PIPELINE, fields, posted, record_values, stage_choices
from clientela.sales.models import DisqualifyReason, ForecastCategory, LeadSource

PAGE_SIZE = 50


def _require_writer(request: HttpRequest) -> None:
    if not request.user.policy.can_write:
        raise DjangoPermissionDenied(_("your role may not change records"))


def _deal(request: HttpRequest, public_id: Any, *, include_trash: bool = False) -> Any:
    try:
        return queries.deal_get(request.user, public_id, include_trash=include_trash)
    except NotFound:
        raise Http404(_("no such deal")) from None


def _lead(request: HttpRequest, public_id: Any, *, include_trash: bool = False) -> Any:
    try:
        return queries.lead_get(request.user, public_id, include_trash=include_trash)
    except NotFound:
        raise Http404(_("no such lead")) from None


def _pipeline(request: HttpRequest) -> Any:
    wanted = request.GET.get("pipeline")
    if wanted:
        try:
            return queries.pipeline_get(wanted)
        except NotFound:
            raise Http404(_("no such pipeline")) from None
    pipeline = queries.default_pipeline()
    if pipeline is None:
        raise Http404(NO_PIPELINE)
    return pipeline


# --- the board ---------------------------------------------------------------------------------


@login_required
@require_GET
def deal_board(request: HttpRequest) -> HttpResponse:
    """The pipeline as columns of cards; `mine=1` only the user's deals. Asked by htmx
    (after a move), only the columns."""
    pipeline = _pipeline(request)
    mine = request.GET.get("mine") == "1"
    columns = queries.board(request.user, pipeline, owner=request.user if mine else None)
    context = {
        "pipeline": pipeline,
        "pipelines": list(queries.pipelines()),
        "columns": columns,
        "mine": mine,
        "reasons": list(queries.lost_reasons(active_only=True)),
        "can_move": request.user.policy.can_write,
        "deals_path": _deals_path(),
    }
    template = (
        "sales/_board_columns.html" if request.htmx and request.GET.get("part") == "columns" else "sales/board.html"
    )
    return render(request, template, context)


def _deals_path() -> str:
    """Where a deal's page lives, up to its id ("/deals/"): the board writes each card's links
    from it instead of resolving two URLs for each of its hundreds of cards."""
    some_id = uuid.UUID(int=0)
    return reverse("sales:deal_detail", args=[some_id]).removesuffix(f"{some_id}/")


def _move_answer(request: HttpRequest, status: int, text: str, *, level: str) -> HttpResponse:
    """The board's script shows `text` and reloads the columns; a form post goes back where it came from."""
    if request.headers.get("Accept", "").startswith("application/json"):
        return HttpResponse(
            json.dumps({"message": text, "level": level}), status=status, content_type="application/json"
        )
    getattr(messages, level)(request, text)
    target = request.POST.get("next") or reverse("sales:deal_board")
    if not target.startswith("/") or target.startswith("//"):
        target = reverse("sales:deal_board")
    return HttpResponseRedirect(target)


@login_required
@require_POST
def deal_move(request: HttpRequest, public_id: str) -> HttpResponse:
    """Move a deal to another stage at the version the mover saw (the board's drag and drop,
    or the card's "Move to" form)."""
    _require_writer(request)
    deal = _deal(request, public_id)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        return _move_answer(request, 400, _("The page was out of date; it has been refreshed."), level="error")
    try:
        moved = actions.deal_move(
            actor=request.user,
            deal=deal,
            stage=request.POST.get("stage", ""),
            expected_version=version,
            lost_reason=request.POST.get("lost_reason") or None,
            lost_note=request.POST.get("lost_note") if "lost_note" in request.POST else None,
        )
    except Conflict as conflict:
        who = ", ".join(conflict.detail.their_actors) or _("someone")
        text = _("%(who)s changed “%(deal)s” while you were looking: the board now shows where it is.") % {
            "who": who,
            "deal": deal.name,
        }
        return _move_answer(request, 409, text, level="warning")
    except ValidationFailed as failed:
        return _move_answer(request, 422, " ".join(e.message for e in failed.errors), level="error")
    except PermissionDenied as denied:
        return _move_answer(request, 403, str(denied), level="error")
    text = _("“%(deal)s” moved to %(stage)s.") % {"deal": moved.name, "stage": moved.stage.name}
    return _move_answer(request, 200, text, level="success")


# --- deals ------------------------------------------------------------------------------------


@login_required
@require_GET
def deal_list(request: HttpRequest) -> HttpResponse:
    """The deals with the foundation's filters, sorting, page sizes and saved views; asked by
    htmx (a filter changed), only the results."""
    user = request.user
    filters = listing.parse_filters(request.GET)
    page = listing.page_of(user, filters)
    columns = []
    for key, label in listing.COLUMN_LABELS.items():
        ascending = filters.sort == key
        state = "asc" if ascending else "desc" if filters.sort == f"-{key}" else ""
        columns.append((key, label, filters.query_string(sort=f"-{key}" if ascending else key), state))
    pipelines = list(queries.pipelines())
    # Owners and teams offered are those the reader may give a record (parties' lists do the
    # same); a value from elsewhere (an old address) is shown as such, never by its name.
    people = parties_listing.assignable_users(user)
    teams = parties_listing.selectable_teams(user)
    context = {
        "filters": filters,
        "page": page,
        "columns": columns,
        "pipelines": pipelines,
        "stages": [(p, s) for p in pipelines for s in p.stages.all()],
        "statuses": listing.STATUSES,
        "close_windows": listing.CLOSE_WINDOWS,
        "people": people,
        "teams": teams,
        "owner_unlisted": filters.owner not in ("", "me", "none", *(str(p.pk) for p in people)),
        "team_unlisted": filters.team not in ("", *(str(t.pk) for t in teams)),
        "saved_views": savedviews.saved_views(user, listing.ENTITY),
        "saved_entity": listing.ENTITY,
        "page_sizes": parties_listing.PAGE_SIZES,
        "deals_path": _deals_path(),
    }
    if request.htmx and not request.htmx.boosted:
        response = render(request, "sales/deal_list.html#results", context)
        query = filters.query_string(page=page.number if page.number > 1 else None)
        response["HX-Push-Url"] = request.path + (f"?{query}" if query else "")
        return response
    return render(request, "sales/deal_list.html", context)


def _deal_form(
    request: HttpRequest, deal: Any, values: dict[str, Any], errors: list[Any], status: int = 200
) -> HttpResponse:
    pipelines = list(queries.pipelines())
    context = {
        "deal": deal,
        "fields": fields(DEAL, DEAL_INPUTS, values, errors),
        "values": values,
        "errors": errors,
        "error_fields": {e.field for e in errors},
        "other_errors": [e for e in errors if e.field not in {*DEAL_INPUTS, "stage", "lost_reason"}],
        "stage_groups": stage_choices(pipelines),
        "reasons": list(queries.lost_reasons(active_only=True)),
        "organization_name": values.get("organization_name", ""),
    }
    return render(request, "sales/deal_form.html", context, status=status)


def _deal_input(request: HttpRequest, user: Any) -> tuple[dict[str, Any], list[Any]]:
    """The posted deal: its own fields, the stage and lost reason by id, the organization by name."""
    values = posted(request.POST, (*DEAL_INPUTS, "stage", "lost_reason"))
    errors: list[Any] = []
    name = request.POST.get("organization_name", "").strip()
    if name:
        organization = parties_queries.organizations_visible(user).filter(name=name).first()
        if organization is None:
            errors.append(FieldError("organization", "not_found", _("no organization you can see has this name")))
        else:
            values["organization"] = organization
    elif "organization_name" in request.POST:
        values["organization"] = None
    return values, errors


@login_required
@require_http_methods(["GET", "POST"])
def deal_new(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    if request.method == "GET":
        values: dict[str, Any] = {"currency": default_currency()}
        organization = request.GET.get("organization")
        if organization:
            with contextlib.suppress(NotFound):
                values["organization_name"] = parties_queries.organization_get(request.user, organization).name
        return _deal_form(request, None, values, [])
    values, errors = _deal_input(request, request.user)
    shown = {**values, "organization_name": request.POST.get("organization_name", "")}
    if errors:
        return _deal_form(request, None, shown, errors, status=422)
    try:
        deal = actions.deal_create(actor=request.user, values=values)
    except ValidationFailed as failed:
        return _deal_form(request, None, shown, failed.errors, status=422)
    messages.success(request, _("Deal created."))
    return HttpResponseRedirect(reverse("sales:deal_detail", args=[deal.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def deal_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    """The deal's form; saved at the version it was loaded with, merged field by field with
    what others saved meanwhile, and refused with their names where both changed one field."""
    _require_writer(request)
    deal = _deal(request, public_id)
    if request.method == "GET":
        values = record_values(deal, DEAL_INPUTS)
        values.update(
            stage=str(deal.stage.public_id),
            lost_reason=str(deal.lost_reason.public_id) if deal.lost_reason else "",
            organization_name=deal.organization.name if deal.organization else "",
            version=deal.version,
        )
        return _deal_form(request, deal, values, [])
    values, errors = _deal_input(request, request.user)
    shown = {
        **values,
        "organization_name": request.POST.get("organization_name", ""),
        "version": request.POST.get("version"),
    }
    if errors:
        return _deal_form(request, deal, shown, errors, status=422)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = deal.version
    try:
        actions.deal_update(actor=request.user, deal=deal, values=values, expected_version=version, merge=True)
    except ValidationFailed as failed:
        return _deal_form(request, deal, shown, failed.errors, status=422)
    except Conflict as conflict:
        who = ", ".join(conflict.detail.their_actors) or _("someone")
        overlap = [DEAL.label(f) if f in DEAL.writable else f for f in conflict.detail.overlapping]
        message = _("%(who)s changed %(fields)s while you were editing. Check the values and save again.") % {
            "who": who,
            "fields": ", ".join(str(f) for f in overlap),
        }
        current = _deal(request, public_id)
        shown["version"] = current.version
        return _deal_form(request, current, shown, [FieldError("", "conflict", message)], status=409)
    messages.success(request, _("Deal saved."))
    return HttpResponseRedirect(reverse("sales:deal_detail", args=[deal.public_id]))


@login_required
@require_GET
def deal_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    deal = _deal(request, public_id, include_trash=True)
    history = [
        (change, _stayed(change.changed_at, change.seconds_in_previous)) for change in queries.stage_history(deal)
    ]
    stages = list(deal.pipeline.stages.all())
    return render(
        request,
        "sales/deal_detail.html",
        {
            "deal": deal,
            "history": history,
            "stages": stages,
            "reasons": list(queries.lost_reasons(active_only=True)),
            "can_edit": request.user.policy.can_write and deal.deleted_at is None,
            "can_delete": request.user.policy.can_delete,
            "organization": deal.organization if deal.organization and _sees(request.user, deal.organization) else None,
            "contact": deal.contact if deal.contact and _sees(request.user, deal.contact) else None,
            "documents": queries.documents_of_deal(request.user, deal),
            "panels": core_panels.panels_for(request.user, deal),  # what other apps show here (activities)
        },
    )


def _stayed(until: Any, seconds: int | None) -> str:
    """How long a deal stayed in a stage, as people say it ("3 days, 4 hours")."""
    if seconds is None:
        return ""
    return timesince(until - dt.timedelta(seconds=seconds), until)


def _sees(user: Any, record: Any) -> bool:
    return record.deleted_at is None and can_see(user, record)


@login_required
@require_POST
def deal_trash(request: HttpRequest, public_id: str) -> HttpResponse:
    deal = _deal(request, public_id)
    try:
        actions.deal_trash(
            actor=request.user, deal=deal, expected_version=int(request.POST.get("version", deal.version))
        )
    except PermissionDenied as denied:
        raise DjangoPermissionDenied(str(denied)) from None
    except Conflict:
        messages.warning(request, _("Someone changed this deal meanwhile; look again before you delete it."))
        return HttpResponseRedirect(reverse("sales:deal_detail", args=[deal.public_id]))
    messages.success(request, _("Moved to the trash."))
    return HttpResponseRedirect(reverse("sales:deal_list"))


# --- leads --------------------------------------------------------------------------------------


@login_required
@require_GET
def lead_list(request: HttpRequest) -> HttpResponse:
    leads = queries.leads_visible(request.user)
    status = request.GET.get("status", "open")
    if status == "open":
        leads = leads.filter(status__in=queries.OPEN_LEAD_STATUSES)
    elif status in ("converted", "disqualified", "new", "working", "qualified"):
        leads = leads.filter(status=status)
    text = (request.GET.get("q") or "").replace("\x00", "").strip()[:100]
    if text:
        leads = (
            leads.filter(last_name__icontains=text)
            | leads.filter(company__icontains=text)
            | leads.filter(email__icontains=text)
        )
    page = Paginator(leads.order_by("-created_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "sales/lead_list.html", {"page": page, "status": status, "q": text})


def _lead_form(
    request: HttpRequest, lead: Any, values: dict[str, Any], errors: list[Any], status: int = 200
) -> HttpResponse:
    context = {"lead": lead, "fields": fields(LEAD, LEAD_INPUTS, values, errors), "values": values, "errors": errors}
    return render(request, "sales/lead_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def lead_new(request: HttpRequest) -> HttpResponse:
    _require_writer(request)
    if request.method == "GET":
        return _lead_form(request, None, {"status": "new", "source": "other"}, [])
    values = posted(request.POST, LEAD_INPUTS)
    try:
        lead = actions.lead_create(actor=request.user, values=values)
    except ValidationFailed as failed:
        return _lead_form(request, None, values, failed.errors, status=422)
    messages.success(request, _("Lead created."))
    return HttpResponseRedirect(reverse("sales:lead_detail", args=[lead.public_id]))


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_writer(request)
    lead = _lead(request, public_id)
    if request.method == "GET":
        return _lead_form(request, lead, {**record_values(lead, LEAD_INPUTS), "version": lead.version}, [])
    values = posted(request.POST, LEAD_INPUTS)
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = lead.version
    try:
        actions.lead_update(actor=request.user, lead=lead, values=values, expected_version=version, merge=True)
    except ValidationFailed as failed:
        return _lead_form(request, lead, {**values, "version": version}, failed.errors, status=422)
    except Conflict as conflict:
        who = ", ".join(conflict.detail.their_actors) or _("someone")
        message = _("%(who)s changed this lead while you were editing. Check the values and save again.") % {"who": who}
        current = _lead(request, public_id)
        return _lead_form(
            request, current, {**values, "version": current.version}, [FieldError("", "conflict", message)], 409
        )
    messages.success(request, _("Lead saved."))
    return HttpResponseRedirect(reverse("sales:lead_detail", args=[lead.public_id]))


@login_required
@require_GET
def lead_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    lead = _lead(request, public_id, include_trash=True)
    look_alikes = conversion.look_alikes(request.user, lead) if lead.status in queries.OPEN_LEAD_STATUSES else None
    return render(
        request,
        "sales/lead_detail.html",
        {
            "lead": lead,
            "look_alikes": look_alikes,
            "can_edit": request.user.policy.can_write and lead.deleted_at is None,
            "disqualify_reasons": DisqualifyReason.choices,
            "pipelines": list(queries.pipelines()),
        },
    )


@login_required
@require_POST
def lead_convert(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_writer(request)
    lead = _lead(request, public_id)
    user = request.user
    try:
        organization = (
            parties_queries.organization_get(user, request.POST["organization"])
            if request.POST.get("organization")
            else None
        )
        contact = parties_queries.contact_get(user, request.POST["contact"]) if request.POST.get("contact") else None
    except NotFound:
        raise Http404(_("no such record")) from None
    deal_values = {k: v for k, v in posted(request.POST, ("deal_name", "amount", "stage")).items() if v}
    if "deal_name" in deal_values:
        deal_values["name"] = deal_values.pop("deal_name")
    try:
        made = actions.lead_convert(
            actor=user,
            lead=lead,
            organization=organization,
            contact=contact,
            deal_values=deal_values,
            create_deal=request.POST.get("create_deal", "1") == "1",
        )
    except (ValidationFailed, LeadClosed, PermissionDenied) as refused:
        text = " ".join(e.message for e in refused.errors) if isinstance(refused, ValidationFailed) else str(refused)
        messages.error(request, text)
        return HttpResponseRedirect(reverse("sales:lead_detail", args=[lead.public_id]))
    messages.success(request, _("Lead converted."))
    if made.deal is not None:
        return HttpResponseRedirect(reverse("sales:deal_detail", args=[made.deal.public_id]))
    return HttpResponseRedirect(reverse("parties:contact_detail", args=[made.contact.public_id]))


@login_required
@require_POST
def lead_disqualify(request: HttpRequest, public_id: str) -> HttpResponse:
    _require_writer(request)
    lead = _lead(request, public_id)
    try:
        actions.lead_disqualify(
            actor=request.user,
            lead=lead,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
            expected_version=int(request.POST.get("version", lead.version)),
        )
    except (ValidationFailed, LeadClosed, Conflict) as refused:
        text = " ".join(e.message for e in refused.errors) if isinstance(refused, ValidationFailed) else str(refused)
        messages.error(request, text)
    else:
        messages.success(request, _("Lead disqualified."))
    return HttpResponseRedirect(reverse("sales:lead_detail", args=[lead.public_id]))


# --- the sales dashboard ---------------------------------------------------------------------------

DASHBOARD_MONTHS = 12


def _dashboard_scope(request: HttpRequest) -> tuple[reports.Scope, list[str]]:
    """Whose deals (the reader's, narrowed to `team` or `mine=1`) and which currency: the one
    asked for, else the site's; the currencies the reader's deals are in, to pick from."""
    user = request.user
    offered = queries.deal_currencies(user)
    currency = request.GET.get("currency") or default_currency()
    if currency not in offered and offered:
        currency = default_currency() if default_currency() in offered else offered[0]
    owner_id = user.pk if request.GET.get("mine") == "1" else None
    return reports.Scope(user, currency, owner_id=owner_id), offered


def _dashboard_data(request: HttpRequest) -> dict[str, Any]:
    scope, currencies = _dashboard_scope(request)
    pipeline = _pipeline(request)
    return {
        "scope": scope,
        "currencies": currencies,
        "pipeline": pipeline,
        "pipelines": list(queries.pipelines()),
        "mine": scope.owner_id is not None,
        "by_stage": reports.pipeline_by_stage(scope, pipeline),
        "by_month": reports.won_lost_by_month(scope, DASHBOARD_MONTHS),
        "reasons": reports.lost_reasons(scope, DASHBOARD_MONTHS),
        "funnel": reports.funnel(scope, DASHBOARD_MONTHS),
        "performance": reports.performance(scope, DASHBOARD_MONTHS),
    }


def _csv_tables(data: dict[str, Any]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """Each chart's data as a table: headers and rows (the page shows them, CSV downloads them)."""
    currency = data["scope"].currency
    funnel = data["funnel"]
    return {
        "pipeline": (
            [
                _("Stage"),
                _("Probability (%)"),
                _("Deals"),
                _("Amount (%(c)s)") % {"c": currency},
                _("Weighted (%(c)s)") % {"c": currency},
            ],
            [[r.stage, r.probability, r.deals, r.amount, r.weighted] for r in data["by_stage"]],
        ),
        "months": (
            [
                _("Month"),
                _("Won"),
                _("Won (%(c)s)") % {"c": currency},
                _("Lost"),
                _("Lost (%(c)s)") % {"c": currency},
                _("Win rate (%)"),
            ],
            [
                [r.month.strftime("%Y-%m"), r.won, r.won_amount, r.lost, r.lost_amount, r.win_rate]
                for r in data["by_month"]
            ],
        ),
        "reasons": (
            [_("Lost reason"), _("Deals"), _("Amount (%(c)s)") % {"c": currency}],
            [[r.reason, r.deals, r.amount] for r in data["reasons"]],
        ),
        "funnel": (
            [_("Step"), _("Count"), _("Rate (%)")],
            [
                [_("Leads created"), funnel.leads, ""],
                [_("Leads converted"), funnel.converted, funnel.lead_to_deal],
                [_("Deals created"), funnel.deals, ""],
                [_("Deals won"), funnel.won, funnel.deal_to_won],
                [_("Deals lost"), funnel.lost, ""],
            ],
        ),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    """Pipeline by stage, won and lost by month with lost reasons, lead → deal → won, average
    deal size and cycle length; each chart beside its table and a CSV of it."""
    data = _dashboard_data(request)
    tables = _csv_tables(data)
    stages, months, reasons = data["by_stage"], data["by_month"], data["reasons"]
    funnel_rows = tables["funnel"][1][:4]
    charts = {
        "pipeline": {
            "labels": [r.stage for r in stages],
            "amount": [float(r.amount) for r in stages],
            "weighted": [float(r.weighted) for r in stages],
        },
        "months": {
            "labels": [r.month.strftime("%Y-%m") for r in months],
            "won": [float(r.won_amount) for r in months],
            "lost": [float(r.lost_amount) for r in months],
        },
        "reasons": {"labels": [r.reason for r in reasons], "deals": [r.deals for r in reasons]},
        "funnel": {"labels": [str(row[0]) for row in funnel_rows], "counts": [row[1] for row in funnel_rows]},
    }
    query = request.GET.urlencode()
    return render(request, "sales/dashboard.html", {**data, "tables": tables, "charts": charts, "query": query})


@login_required
@require_GET
def dashboard_csv(request: HttpRequest, table: str) -> HttpResponse:
    tables = _csv_tables(_dashboard_data(request))
    if table not in tables:
        raise Http404(_("no such table"))
    headers, rows = tables[table]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="sales-{table}.csv"'
    writer = csv.writer(response)
    writer.writerow([str(h) for h in headers])
    for row in rows:
        writer.writerow([_csv_cell(cell) for cell in row])
    return response


def _csv_cell(value: Any) -> Any:
    """A cell as text; one that a spreadsheet would read as a formula is quoted with an apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _is_number(text) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# --- web-to-lead forms (administrators) -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lead_forms(request: HttpRequest) -> HttpResponse:
    """The web-to-lead forms with the address each posts to and the HTML to put on a website;
    a new one, or one switched on or off."""
    if not request.user.policy.can_administer:
        raise DjangoPermissionDenied(_("only administrators may do this"))
    errors: list[Any] = []
    if request.method == "POST":
        try:
            if request.POST.get("form"):
                found = queries.lead_forms().filter(public_id=request.POST["form"]).first()
                if found is None:
                    raise Http404(_("no such form"))
                actions.lead_form_update(
                    actor=request.user, lead_form=found, values={"active": request.POST.get("active") == "1"}
                )
            else:
                values = posted(request.POST, ("name", "redirect_url", "source"))
                team = request.POST.get("team")
                values["team"] = team or None
                actions.lead_form_create(actor=request.user, values=values)
        except ValidationFailed as failed:
            errors = failed.errors
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("sales:lead_forms"))
    from clientela.parties.listing import selectable_teams

    forms = [
        (form, request.build_absolute_uri(reverse("sales:webform", args=[form.token]))) for form in queries.lead_forms()
    ]
    context = {
        "forms": forms,
        "errors": errors,
        "teams": selectable_teams(request.user),
        "sources": LeadSource.choices,
        "fields": POSTED_FIELDS,
    }
    return render(request, "sales/lead_forms.html", context, status=422 if errors else 200)


# --- the forecast --------------------------------------------------------------------------------------

FORECAST_MONTHS = 6


@login_required
@require_http_methods(["GET", "POST"])
def forecast(request: HttpRequest) -> HttpResponse:
    """Months × forecast categories of the deals the user sees (one currency at a time), with the
    managers' adjusted figures; a manager's adjustment form; the stages' learned probabilities
    beside their defaults; snapshots, and how one compares with what closed."""
    user = request.user
    errors: list[Any] = []
    if request.method == "POST":
        try:
            if request.POST.get("kind") == "snapshot":
                first = forecasting.month_start(timezone.localdate())
                actions.forecast_snapshot_take(
                    actor=user, first_period=first, last_period=_months_after(first, FORECAST_MONTHS - 1),
                    label=request.POST.get("label", ""),
                )  # fmt: skip
            else:
                actions.forecast_adjust(
                    actor=user,
                    period=request.POST.get("period", ""),
                    category=request.POST.get("category", ""),
                    amount=request.POST.get("amount", "").strip(),
                    currency=request.POST.get("currency", ""),
                    owner=request.POST.get("owner") or None,
                    team=request.POST.get("team") or (None if user.policy.can_administer else user.team),
                    note=request.POST.get("note", ""),
                )
        except ValidationFailed as failed:
            errors = failed.errors
        except PermissionDenied as denied:
            raise DjangoPermissionDenied(str(denied)) from None
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(request.get_full_path())
    first = forecasting.month_start(timezone.localdate())
    mine = request.GET.get("mine") == "1"
    # A team's people see their team's forecast (and its adjustments); those who see every
    # record, the company's; "only my deals", the user's own.
    team = None if mine or user.policy.visibility == "all" else user.team
    result = forecasting.forecast(
        user, first_period=first, last_period=_months_after(first, FORECAST_MONTHS - 1),
        owner=user if mine else None, team=team,
    )  # fmt: skip
    currencies = list(result.currencies) or [default_currency()]
    currency = request.GET.get("currency") if request.GET.get("currency") in currencies else currencies[0]
    if default_currency() in currencies and not request.GET.get("currency"):
        currency = default_currency()
    rows = [
        (label, [result.cell(period, value, currency) for period in result.periods])
        for value, label in ForecastCategory.choices
        if value != ForecastCategory.OMITTED
    ]
    pipeline = _pipeline(request)
    snapshot = None
    comparison: list[Any] = []
    if request.GET.get("snapshot"):
        try:
            snapshot = forecasting.snapshot_get(request.GET["snapshot"])
        except NotFound:
            raise Http404(_("no such snapshot")) from None
        comparison = [
            {**row.__dict__, "weighted": row.weighted, "commit": row.commit, "month": _month_label(row.period)}
            for row in forecasting.compare_snapshot(user, snapshot)
            if row.currency == currency
        ]
    can_adjust = user.policy.can_administer or user.role == "manager"
    context = {
        "months": [(period.strftime("%Y-%m"), _month_label(period)) for period in result.periods],
        "rows": rows,
        "currency": currency,
        "currencies": currencies,
        "mine": mine,
        "undated": [r for r in result.undated if r.currency == currency],
        "odds": forecasting.learned_probabilities(user, pipeline),
        "pipeline": pipeline,
        "pipelines": list(queries.pipelines()),
        "snapshots": list(forecasting.snapshots()[:12]),
        "snapshot": snapshot,
        "comparison": comparison,
        "can_adjust": can_adjust,
        "adjustable": [(v, label) for v, label in ForecastCategory.choices if v in ("pipeline", "best_case", "commit")],
        "team_members": _team_members(user) if can_adjust else [],
        "errors": errors,
    }
    return render(request, "sales/forecast.html", context, status=422 if errors else 200)


def _month_label(month: dt.date) -> str:
    """A month as the reader's language writes it ("2026. december", "Aralık 2026")."""
    return date_format(month, "YEAR_MONTH_FORMAT")


def _months_after(month: dt.date, count: int) -> dt.date:
    for _n in range(count):
        month = forecasting.next_month(month)
    return month


def _team_members(user: Any) -> list[Any]:
    from clientela.parties.listing import assignable_users

    return [u for u in assignable_users(user) if user.policy.can_administer or u.team_id == user.team_id]
