"""Forms of the custom field definitions' settings pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from clientela.parties.models import CustomField


def _choices_from_text(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CustomFieldEditForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=100)
    choices = forms.CharField(
        label=_("Choices"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("For choice fields: one choice per line."),
    )
    required = forms.BooleanField(label=_("Required"), required=False)
    position = forms.IntegerField(label=_("Position"), min_value=0, max_value=100000, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "label": data["label"],
            "choices": _choices_from_text(data.get("choices") or ""),
            "required": data.get("required", False),
            "position": data.get("position") or 0,
        }


class CustomFieldCreateForm(CustomFieldEditForm):
    entity = forms.ChoiceField(label=_("Entity"), choices=CustomField.Entity.choices)
    key = forms.CharField(
        label=_("Key"),
        max_length=50,
        help_text=_("Lower-case letters, digits and underscores; can't be changed later."),
    )
    type = forms.ChoiceField(label=_("Type"), choices=CustomField.Type.choices)
    field_order = ["entity", "key", "label", "type", "choices", "required", "position"]

    def values(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"entity": data["entity"], "key": data["key"], "type": data["type"], **super().values()}
