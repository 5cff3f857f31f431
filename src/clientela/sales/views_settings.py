"""Settings pages of the sales app (administrators): pipelines with their stages, the list of
lost reasons, and the lead assignment rules. Each save goes through the actions; errors name
the field (or the stage row)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clientela.core.errors import Conflict, NotFound, ValidationFailed
from clientela.parties import listing as parties_listing
from clientela.sales import actions, queries
from clientela.sales.models import LeadSource, Outcome

MAX_STAGE_ROWS = 20


def _require_admin(request: HttpRequest) -> None:
    if not request.user.policy.can_administer:
        raise DjangoPermissionDenied(_("only administrators may do this"))


@login_required
@require_http_methods(["GET"])
def pipelines(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    return render(request, "sales/settings/pipelines.html", {"pipelines": list(queries.pipelines())})


def _posted_stages(request: HttpRequest) -> list[dict[str, Any]]:
    """The stage rows of the form in order, left-out empty rows skipped; a probability that is
    no whole number is kept as typed, for the action to name."""
    rows = []
    for n in range(MAX_STAGE_ROWS):
        name = request.POST.get(f"stage-{n}-name", "").strip()
        if not name or request.POST.get(f"stage-{n}-remove"):
            continue
        raw = request.POST.get(f"stage-{n}-probability", "").strip()
        probability: Any = int(raw) if raw.isdigit() else (raw or None)
        row: dict[str, Any] = {"name": name, "probability": probability}
        row["outcome"] = request.POST.get(f"stage-{n}-outcome", Outcome.OPEN)
        if request.POST.get(f"stage-{n}-id"):
            row["id"] = request.POST[f"stage-{n}-id"]
        rows.append(row)
    return rows


def _form(
    request: HttpRequest, pipeline: Any, rows: list[dict[str, Any]], errors: list[Any], status: int = 200
) -> HttpResponse:
    padded = [*rows, *({"name": "", "probability": "", "outcome": "open"} for _n in range(2))][:MAX_STAGE_ROWS]
    context = {
        "pipeline": pipeline,
        "name": request.POST.get("name", pipeline.name if pipeline else ""),
        "is_default": request.POST.get("is_default") == "1"
        if request.method == "POST"
        else bool(pipeline and pipeline.is_default),
        "rows": [{**row, "n": n} for n, row in enumerate(padded)],
        "outcomes": Outcome.choices,
        "errors": errors,
        "version": pipeline.version if pipeline else None,
    }
    return render(request, "sales/settings/pipeline_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def pipeline_edit(request: HttpRequest, public_id: str | None = None) -> HttpResponse:
    _require_admin(request)
    pipeline = None
    if public_id is not None:
        try:
            pipeline = queries.pipeline_get(public_id)
        except NotFound:
            raise Http404(_("no such pipeline")) from None
    if request.method == "GET":
        rows = [
            {"id": str(s.public_id), "name": s.name, "probability": s.probability, "outcome": s.outcome}
            for s in (pipeline.stages.all() if pipeline else [])
        ]
        if pipeline is None:
            rows = [
                {"name": _("Qualification"), "probability": 10, "outcome": "open"},
                {"name": _("Proposal"), "probability": 50, "outcome": "open"},
                {"name": _("Won"), "probability": 100, "outcome": "won"},
                {"name": _("Lost"), "probability": 0, "outcome": "lost"},
            ]
        return _form(request, pipeline, rows, [])
    rows = _posted_stages(request)
    values = {"name": request.POST.get("name", ""), "is_default": request.POST.get("is_default") == "1"}
    try:
        if pipeline is None:
            actions.pipeline_create(actor=request.user, values=values, stages=rows)
        else:
            if pipeline.is_default and not values["is_default"]:
                values.pop("is_default")  # another pipeline is made the default from its own page
            version = int(request.POST.get("version") or pipeline.version)
            actions.pipeline_update(
                actor=request.user, pipeline=pipeline, values=values, stages=rows, expected_version=version
            )
    except ValidationFailed as failed:
        return _form(request, pipeline, rows, failed.errors, status=422)
    except Conflict:
        messages.warning(request, _("Someone changed this pipeline meanwhile; here it is as it is now."))
        return HttpResponseRedirect(request.path)
    messages.success(request, _("Pipeline saved."))
    return HttpResponseRedirect(reverse("sales:settings_pipelines"))


@login_required
@require_http_methods(["GET", "POST"])
def lost_reasons(request: HttpRequest) -> HttpResponse:
    _require_admin(request)
    errors: list[Any] = []
    if request.method == "POST":
        try:
            if request.POST.get("reason"):
                reason = queries.lost_reason_get(request.POST["reason"])
                values: dict[str, Any] = {}
                if "name" in request.POST:
                    values["name"] = request.POST["name"]
                if "active" in request.POST:
                    values["active"] = request.POST["active"] == "1"
                actions.lost_reason_update(actor=request.user, lost_reason=reason, values=values)
            else:
                actions.lost_reason_create(actor=request.user, values={"name": request.POST.get("name", "")})
        except NotFound:
            raise Http404(_("no such lost reason")) from None
        except ValidationFailed as failed:
            errors = failed.errors
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("sales:settings_lost_reasons"))
    context = {"reasons": list(queries.lost_reasons()), "errors": errors}
    return render(request, "sales/settings/lost_reasons.html", context, status=422 if errors else 200)


# --- lead assignment rules ------------------------------------------------------------------------

RULE_INPUTS = ("name", "source", "country", "contains", "owner", "team")


@login_required
@require_http_methods(["GET", "POST"])
def lead_assignment(request: HttpRequest) -> HttpResponse:
    """The ordered rules that give leads arriving without an owner (web forms, imports) to a
    person or a team in turn; add, change, reorder, retire, delete."""
    _require_admin(request)
    errors: list[Any] = []
    editing = None
    wanted = request.POST.get("rule") or request.GET.get("rule")
    try:
        if wanted:
            editing = queries.assignment_rule_get(wanted)
        if request.method == "POST":
            _change_rule(request, editing)
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("sales:settings_lead_assignment"))
    except NotFound:
        raise Http404(_("no such assignment rule")) from None
    except ValidationFailed as failed:
        errors = failed.errors
    except Conflict:
        errors = [_("Somebody changed this rule meanwhile; here it is as it is now.")]
    values = {name: request.POST.get(name, "") for name in RULE_INPUTS} if errors else _rule_values(editing)
    context = {
        "rules": list(queries.assignment_rules()),
        "editing": editing,
        "values": values,
        "errors": errors,
        "sources": LeadSource.choices,
        "people": [u for u in parties_listing.assignable_users(request.user) if u.role in queries.ASSIGNABLE_ROLES],
        "teams": parties_listing.selectable_teams(request.user),
    }
    return render(request, "sales/settings/lead_assignment.html", context, status=422 if errors else 200)


def _rule_values(rule: Any) -> dict[str, Any]:
    if rule is None:
        return {name: "" for name in RULE_INPUTS}
    return {
        "name": rule.name, "source": rule.source, "country": rule.country, "contains": rule.contains,
        "owner": str(rule.owner.public_id) if rule.owner else "", "team": str(rule.team.public_id) if rule.team else "",
    }  # fmt: skip


def _change_rule(request: HttpRequest, rule: Any) -> None:
    operation = request.POST.get("operation", "save")
    user = request.user
    if rule is not None and operation in ("up", "down"):
        actions.lead_rule_move(actor=user, rule=rule, step=-1 if operation == "up" else 1)
    elif rule is not None and operation == "trash":
        actions.lead_rule_trash(actor=user, rule=rule)
    elif rule is not None and operation in ("retire", "activate"):
        actions.lead_rule_update(actor=user, rule=rule, values={"active": operation == "activate"})
    elif operation == "save":
        values: dict[str, Any] = {name: request.POST.get(name, "").strip() for name in RULE_INPUTS}
        if rule is None:
            actions.lead_rule_create(actor=user, values=values)
        else:
            version = request.POST.get("version", "")
            expected = int(version) if version.isdigit() else None
            actions.lead_rule_update(actor=user, rule=rule, values=values, expected_version=expected, merge=True)
    else:
        raise ValidationFailed.single("operation", "invalid", _("unknown operation"))
