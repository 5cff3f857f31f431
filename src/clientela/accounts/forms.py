"""Forms parse what a page posts; the actions validate and write."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clientela.accounts import actions, queries, throttle
from clientela.accounts.models import User
from clientela.accounts.roles import Role
from clientela.core.errors import ValidationFailed


def add_action_errors(form: forms.Form, failed: ValidationFailed, renamed: dict[str, str] | None = None) -> None:
    """Shows an action's field errors next to the matching form fields (others at the top)."""
    renamed = renamed or {}
    for error in failed.errors:
        name = renamed.get(error.field, error.field)
        form.add_error(name if name in form.fields else None, str(error.message))


def throttled_message(minutes: int) -> str:
    return ngettext(
        "Too many failed attempts, try again in %(minutes)d minute.",
        "Too many failed attempts, try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _language_choices() -> list[tuple[str, str]]:
    return [("", _("Site default")), *settings.LANGUAGES]


def _time_zone_choices() -> list[tuple[str, str]]:
    """The IANA time zones, by name; blank: the site's."""
    site = _("Site default (%(zone)s)") % {"zone": settings.TIME_ZONE}
    return [("", site), *((name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones()))]


class LoginForm(AuthenticationForm):
    """Django's login form, refusing attempts over the per-account or per-address limit.

    The refusal reads the same whether or not the account exists.
    """

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            address = throttle.client_address(self.request)
            wait = throttle.wait_minutes(username, address)
            if wait:
                raise ValidationError(throttled_message(wait), code="throttled")
            try:
                return super().clean()
            except ValidationError:
                throttle.record_failure(username, address)
                raise
        return self.cleaned_data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "pattern": r"[0-9 ]*"}
        ),
    )


class TokenForm(forms.Form):
    EXPIRY_CHOICES = [
        ("", _("Never")),
        ("7", _("in 7 days")),
        ("30", _("in 30 days")),
        ("90", _("in 90 days")),
        ("365", _("in a year")),
    ]
    name = forms.CharField(label=_("Name"), max_length=100, required=False, help_text=_("What the token is for."))
    expires_days = forms.TypedChoiceField(
        label=_("Expires"), choices=EXPIRY_CHOICES, coerce=int, empty_value=None, required=False
    )


class ProfileForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False, help_text=_("Password reset links are sent here."))
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=_time_zone_choices,
        required=False,
        help_text=_("Your calendar and your tasks' due times are shown in it."),
    )


class TotpDisableForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user: User, *args: Any, **kwargs: Any) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("The password is not correct."), code="password_incorrect")
        return password


class ChangePasswordForm(PasswordChangeForm):
    def save(self, commit: bool = True) -> User:
        return actions.user_set_password(actor=self.user, user=self.user, password=self.cleaned_data["new_password1"])


class ResetPasswordForm(SetPasswordForm):
    def save(self, commit: bool = True) -> User:
        # The user proved control of the account with the e-mailed link.
        return actions.user_set_password(actor=self.user, user=self.user, password=self.cleaned_data["new_password1"])


# --- settings: users and teams ----------------------------------------------------------------


class TeamChoiceField(forms.ModelChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=queries.all_teams(), to_field_name="public_id", required=False, **kwargs)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: User) -> str:
        return f"{obj.display_name} ({obj.username})"


class UserMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: User) -> str:
        team = f" — {obj.team.name}" if obj.team_id else ""
        return f"{obj.display_name} ({obj.username}){team}"


class UserEditForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    team = TeamChoiceField(label=_("Team"))
    language = forms.ChoiceField(label=_("Language"), choices=_language_choices, required=False)
    is_active = forms.BooleanField(
        label=_("Active"), required=False, help_text=_("An inactive user can't sign in; their API tokens are revoked.")
    )


class UserCreateForm(UserEditForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Optional: without one, send the user a password reset link."),
    )
    field_order = ["username", "first_name", "last_name", "email", "role", "team", "language", "password"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["is_active"]


class TeamForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    country = forms.CharField(
        label=_("Country"),
        max_length=2,
        required=False,
        help_text=_("Two-letter code (HU, TR, PL...): the country of phone numbers written without one"),
    )
    manager = UserChoiceField(
        label=_("Manager"), queryset=queries.active_users(), to_field_name="public_id", required=False
    )
    members = UserMultipleChoiceField(
        label=_("Members"),
        queryset=queries.active_users(),
        to_field_name="public_id",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("A user belongs to one team; ticking someone moves them here. The manager is always a member."),
    )
