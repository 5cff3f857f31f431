"""The administrators' pages for custom field definitions (under Settings)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from clientela.accounts.forms import add_action_errors
from clientela.accounts.views_settings import admin_required
from clientela.core.errors import Conflict, ValidationFailed
from clientela.parties import actions, queries
from clientela.parties.forms_custom_fields import CustomFieldCreateForm, CustomFieldEditForm
from clientela.parties.models import CustomField


def _render(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, f"parties/custom_fields/{template}", context, status=status)


@admin_required
def custom_fields(request: HttpRequest) -> HttpResponse:
    definitions = queries.custom_fields_for_admin(request.user)
    groups = [(label, [d for d in definitions if d.entity == entity]) for entity, label in CustomField.Entity.choices]
    return _render(request, "custom_fields.html", {"groups": groups})


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_create(request: HttpRequest) -> HttpResponse:
    form = CustomFieldCreateForm(request.POST or None, initial={"entity": request.GET.get("entity", "contact")})
    if request.method == "POST":
        if form.is_valid():
            try:
                definition = actions.custom_field_create(actor=request.user, values=form.values())
            except ValidationFailed as failed:
                add_action_errors(form, failed)
            else:
                messages.success(request, _("Custom field %(label)s created.") % {"label": definition.label})
                return redirect("parties:settings_custom_fields")
        return _render(request, "custom_field_form.html", {"form": form, "creating": True}, status=400)
    return _render(request, "custom_field_form.html", {"form": form, "creating": True})


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    definition = queries.custom_field_for_admin(request.user, public_id)
    initial = {
        "label": definition.label,
        "choices": "\n".join(definition.choices or []),
        "required": definition.required,
        "position": definition.position,
        "version": definition.version,
    }
    form = CustomFieldEditForm(request.POST or None, initial=initial)
    context = {"form": form, "definition": definition, "creating": False}
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.custom_field_update(
                    actor=request.user,
                    definition=definition,
                    values=form.values(),
                    expected_version=form.cleaned_data.get("version"),
                )
            except ValidationFailed as failed:
                add_action_errors(form, failed)
            except Conflict as conflict:
                form.add_error(
                    None,
                    _(
                        "Someone else changed this field while you were editing (now version %(version)s). "
                        "Check the values and save again to keep yours."
                    )
                    % {"version": conflict.detail.current_version},
                )
                data = request.POST.copy()
                data["version"] = str(conflict.detail.current_version)
                form.data = data
            else:
                messages.success(request, _("Saved."))
                return redirect("parties:settings_custom_fields")
        return _render(request, "custom_field_form.html", context, status=400)
    return _render(request, "custom_field_form.html", context)


@admin_required
@require_http_methods(["GET", "POST"])
def custom_field_delete(request: HttpRequest, public_id: str) -> HttpResponse:
    definition = queries.custom_field_for_admin(request.user, public_id)
    if request.method == "POST":
        actions.custom_field_delete(actor=request.user, definition=definition)
        messages.success(request, _("Custom field %(label)s deleted.") % {"label": definition.label})
        return redirect("parties:settings_custom_fields")
    return _render(request, "custom_field_delete.html", {"definition": definition})
