"""The retention page: the rules, what each would reach now (a preview), applying one now (by
the worker), and the log of every application."""

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
from clientela.privacy import actions, queries
from clientela.privacy.models import RetentionAction
from clientela.privacy.rules import RETENTION_TYPES
from clientela.privacy.tasks import apply_retention_rule

PREVIEW_ROWS = 50
RULE_INPUTS = ("name", "record_type", "months", "action")


@login_required
@require_http_methods(["GET", "POST"])
def retention(request: HttpRequest) -> HttpResponse:
    if not queries.has_privacy_permission(request.user):
        raise DjangoPermissionDenied(_("only roles with the privacy permission may do this"))
    errors: list[Any] = []
    wanted = request.POST.get("rule") or request.GET.get("rule") or ""
    try:
        rule = queries.retention_rule_get(request.user, wanted) if wanted else None
        if request.method == "POST":
            operation = request.POST.get("operation", "save")
            if rule is not None and operation == "apply":
                apply_retention_rule.enqueue(rule.pk, request.user.pk)
                messages.success(request, _("The worker applies the rule now; its log shows what it did."))
            elif rule is not None and operation in ("retire", "activate"):
                actions.retention_rule_update(actor=request.user, rule=rule, values={"active": operation == "activate"})
                messages.success(request, _("Saved."))
            else:
                values: dict[str, Any] = {name: request.POST.get(name, "") for name in RULE_INPUTS}
                if rule is None:
                    actions.retention_rule_create(actor=request.user, values=values)
                else:
                    actions.retention_rule_update(
                        actor=request.user, rule=rule, values=values,
                        expected_version=int(request.POST.get("version") or rule.version),
                    )  # fmt: skip
                messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("privacy:retention") + (f"?rule={rule.public_id}" if rule else ""))
    except NotFound:
        raise Http404(_("no such retention rule")) from None
    except ValidationFailed as failed:
        errors = failed.errors
    except Conflict:
        errors = [_("Somebody changed this rule meanwhile; here it is as it is now.")]
    preview: list[Any] = []
    found = 0
    if rule is not None:
        candidates = queries.retention_candidates(rule)
        found = candidates.count()
        preview = list(candidates[:PREVIEW_ROWS])
    context = {
        "rules": list(queries.retention_rules(request.user)),
        "rule": rule,
        "preview": preview,
        "found": found,
        "runs": queries.retention_runs(rule) if rule else [],
        "errors": errors,
        "values": {n: request.POST.get(n, "") for n in RULE_INPUTS} if errors else {},
        "types": RETENTION_TYPES,
        "retention_actions": RetentionAction.choices,
    }
    return render(request, "privacy/retention.html", context, status=422 if errors else 200)
