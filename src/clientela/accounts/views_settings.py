"""Administrator settings pages: users, teams, roles (custom fields: parties/views_custom_fields.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from clientela.accounts import actions, queries
from clientela.accounts.forms import (
    TeamForm,
    UserCreateForm,
    UserEditForm,
    add_action_errors,
)
from clientela.accounts.models import User
from clientela.accounts.roles import Role, all_policies, role_overrides
from clientela.core.errors import NotFound, PermissionDenied, ValidationFailed
from clientela.core.visibility import Visibility

USERS_PER_PAGE = 50


def admin_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in (else to the login page) and an administrator (else 403)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.policy.can_administer:
            raise HttpForbidden(_("Only administrators may open the settings."))
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            raise Http404 from None

    return wrapper


def _render(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, f"accounts/settings/{template}", context, status=status)


@admin_required
def index(request: HttpRequest) -> HttpResponse:
    return redirect("accounts:settings_users")


# --- users ------------------------------------------------------------------------------------


@admin_required
def users(request: HttpRequest) -> HttpResponse:
    filters = {name: request.GET.get(name, "").strip()[:100] for name in ("search", "role", "team", "active")}
    if filters["role"] not in Role.values:
        filters["role"] = ""
    listing = queries.users_for_admin(request.user, **filters)
    page = Paginator(listing, USERS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "filters": filters, "roles": Role.choices, "teams": list(queries.all_teams())}
    return _render(request, "users.html", context)


def _user_values(form: UserEditForm) -> dict[str, Any]:
    names = ("username", "first_name", "last_name", "email", "role", "team", "language", "is_active")
    return {name: form.cleaned_data[name] for name in names if name in form.cleaned_data}


@admin_required
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def user_create(request: HttpRequest) -> HttpResponse:
    form = UserCreateForm(request.POST or None, initial={"role": Role.SALES})
    if request.method == "POST":
        if form.is_valid():
            try:
                user = actions.user_create(
                    actor=request.user, values=_user_values(form), password=form.cleaned_data["password"] or None
                )
            except ValidationFailed as failed:
                add_action_errors(form, failed)
            else:
                messages.success(request, _("User %(username)s created.") % {"username": user.username})
                return redirect("accounts:settings_user_edit", public_id=user.public_id)
        return _render(request, "user_form.html", {"form": form, "creating": True}, status=400)
    return _render(request, "user_form.html", {"form": form, "creating": True})


def _user_page(request: HttpRequest, user: User, form: UserEditForm, **extra: Any) -> dict[str, Any]:
    return {"form": form, "subject": user, "tokens": queries.tokens_of(user), "creating": False, **extra}


@admin_required
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    user = queries.user_for_admin(request.user, public_id)
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "team": user.team.public_id if user.team else None,
        "language": user.language,
        "is_active": user.is_active,
    }
    form = UserEditForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.user_update(actor=request.user, user=user, values=_user_values(form))
            except ValidationFailed as failed:
                add_action_errors(form, failed)
            except PermissionDenied as denied:
                form.add_error(None, str(denied))
            else:
                messages.success(request, _("Saved."))
                return redirect("accounts:settings_user_edit", public_id=user.public_id)
        return _render(request, "user_form.html", _user_page(request, user, form), status=400)
    return _render(request, "user_form.html", _user_page(request, user, form))


@admin_required
@require_POST
def user_reset_link(request: HttpRequest, public_id: str) -> HttpResponse:
    """A one-time reset link, shown to the administrator and e-mailed to the user when they have an address."""
    user = queries.user_for_admin(request.user, public_id)
    try:
        uid, token = actions.user_issue_reset_token(actor=request.user, user=user)
    except ValidationFailed as failed:
        messages.error(request, "; ".join(str(e.message) for e in failed.errors))
        return redirect("accounts:settings_user_edit", public_id=user.public_id)
    link = request.build_absolute_uri(reverse("accounts:password_reset_confirm", args=[uid, token]))
    if user.email:
        context = {
            "email": user.email,
            "domain": request.get_host(),
            "site_name": "Clientela",
            "uid": uid,
            "user": user,
            "token": token,
            "protocol": "https" if request.is_secure() else "http",
        }
        PasswordResetForm().send_mail(
            "accounts/password_reset_subject.txt",  # not registration/: django.contrib.auth has one by that name
            "registration/password_reset_email.txt",
            context,
            settings.DEFAULT_FROM_EMAIL,
            user.email,
        )
    form = UserEditForm(
        initial={
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": user.role,
            "team": user.team.public_id if user.team else None,
            "language": user.language,
            "is_active": user.is_active,
        }
    )
    response = _render(request, "user_form.html", _user_page(request, user, form, reset_link=link))
    response["Cache-Control"] = "no-store"
    return response


@admin_required
@require_POST
def user_totp_disable(request: HttpRequest, public_id: str) -> HttpResponse:
    user = queries.user_for_admin(request.user, public_id)
    actions.totp_disable(actor=request.user, user=user)
    messages.success(request, _("Two-factor authentication is off for %(username)s.") % {"username": user.username})
    return redirect("accounts:settings_user_edit", public_id=user.public_id)


# --- teams ------------------------------------------------------------------------------------


@admin_required
def teams(request: HttpRequest) -> HttpResponse:
    return _render(request, "teams.html", {"teams": list(queries.teams_for_admin(request.user))})


def _team_values(form: TeamForm) -> dict[str, Any]:
    return {
        "name": form.cleaned_data["name"],
        "country": form.cleaned_data["country"],
        "manager": form.cleaned_data["manager"],
        "members": list(form.cleaned_data["members"]),
    }


@admin_required
@require_http_methods(["GET", "POST"])
def team_create(request: HttpRequest) -> HttpResponse:
    form = TeamForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                team = actions.team_create(actor=request.user, values=_team_values(form))
            except ValidationFailed as failed:
                add_action_errors(form, failed)
            else:
                messages.success(request, _("Team %(name)s created.") % {"name": team.name})
                return redirect("accounts:settings_teams")
        return _render(request, "team_form.html", {"form": form, "creating": True}, status=400)
    return _render(request, "team_form.html", {"form": form, "creating": True})


@admin_required
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, public_id: str) -> HttpResponse:
    team = queries.team_for_admin(request.user, public_id)
    initial = {
        "name": team.name,
        "country": team.country,
        "manager": team.manager.public_id if team.manager else None,
        "members": [member.public_id for member in queries.team_members(team)],
    }
    form = TeamForm(request.POST or None, initial=initial)
    context = {"form": form, "team": team, "creating": False}
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.team_update(actor=request.user, team=team, values=_team_values(form))
            except ValidationFailed as failed:
                add_action_errors(form, failed)
            else:
                messages.success(request, _("Saved."))
                return redirect("accounts:settings_teams")
        return _render(request, "team_form.html", context, status=400)
    return _render(request, "team_form.html", context)


# --- roles ------------------------------------------------------------------------------------


@admin_required
def roles(request: HttpRequest) -> HttpResponse:
    context = {
        "policies": all_policies(),
        "visibilities": Visibility.choices,
        "override": ",".join(f"{role}={level}" for role, level in role_overrides().items()),
    }
    return _render(request, "roles.html", context)
