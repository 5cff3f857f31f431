"""Signing in and out, passwords, and a user's own profile (API tokens, two-factor)."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordResetForm
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from clientela.accounts import actions, queries, tasks, throttle, twofactor
from clientela.accounts.forms import (
    ChangePasswordForm,
    CodeForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    TokenForm,
    TotpDisableForm,
    add_action_errors,
    throttled_message,
)
from clientela.accounts.middleware import IDLE_LOGOUT_KEY, mark_seen
from clientela.accounts.models import User
from clientela.core.errors import NotFound, ValidationFailed

# Between the password and the code: who, which backend, since when, and where to go after.
PENDING_KEY = "clientela_pending_2fa"
PENDING_SECONDS = 5 * 60


def complete_login(request: HttpRequest, user: User, backend: str | None = None) -> None:
    throttle.clear_failures(user.username)
    auth_login(request, user, backend=backend)
    mark_seen(request)


class LoginView(auth_views.LoginView):
    """Password first; a user with two-factor on then goes to the code step, still signed out."""

    form_class = LoginForm
    template_name = "registration/login.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["idle_logout"] = bool(self.request.session.pop(IDLE_LOGOUT_KEY, False))
        context["idle_minutes"] = settings.SESSION_IDLE_MINUTES
        return context

    def form_valid(self, form: LoginForm) -> HttpResponse:
        user = form.get_user()
        if user.totp_enabled:
            self.request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": getattr(user, "backend", None),
                "since": int(time.time()),
                "next": self.get_success_url(),
            }
            return redirect("accounts:login_code")
        complete_login(self.request, user)
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form: LoginForm) -> HttpResponse:
        throttled = any(e.code == "throttled" for e in form.non_field_errors().as_data())
        return self.render_to_response(self.get_context_data(form=form), status=429 if throttled else 400)


@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def login_code(request: HttpRequest) -> HttpResponse:
    """The second step for users with two-factor on: the session is signed in only after it."""
    pending = request.session.get(PENDING_KEY)
    user = queries.active_user(pending.get("user")) if isinstance(pending, dict) else None
    if user is None or not user.totp_enabled or time.time() - pending.get("since", 0) > PENDING_SECONDS:
        if pending is not None:
            request.session.pop(PENDING_KEY, None)
            messages.info(request, _("Signing in took too long. Please start again."))
        return redirect("accounts:login")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            address = throttle.client_address(request)
            wait = throttle.wait_minutes(user.username, address)
            if wait:
                form.add_error(None, throttled_message(wait))
                status = 429
            elif actions.totp_check_login(user=user, code=form.cleaned_data["code"]):
                request.session.pop(PENDING_KEY, None)
                complete_login(request, user, pending.get("backend"))
                return HttpResponseRedirect(pending.get("next") or resolve_url(settings.LOGIN_REDIRECT_URL))
            else:
                throttle.record_failure(user.username, address)
                form.add_error("code", _("The code is not correct, or it was already used. Try the next one."))
    return render(request, "registration/login_code.html", {"form": form}, status=status)


class LogoutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = ChangePasswordForm
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for a reset link. The request only checks the form, counts it (throttle) and queues
    the e-mail; the job worker looks the address up and sends it (tasks.send_password_reset), so
    the answer takes the same time whether or not an account uses the address."""

    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        # Over the limit no e-mail goes out, but the page is the usual "check your e-mail":
        # it tells nothing about whether the account exists or the request was throttled.
        email = form.cleaned_data["email"]
        if throttle.password_reset_allowed(email, throttle.client_address(self.request)):
            tasks.enqueue_password_reset(
                email=email,
                domain=self.request.get_host(),
                use_https=self.request.is_secure(),
                language=translation.get_language() or settings.LANGUAGE_CODE,
            )
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


# --- profile: own tokens and two-factor -------------------------------------------------------


def _render_profile(
    request: HttpRequest,
    *,
    token_form: TokenForm | None = None,
    profile_form: ProfileForm | None = None,
    totp_disable_form: TotpDisableForm | None = None,
    new_token: str | None = None,
    status: int = 200,
) -> HttpResponse:
    user: User = request.user
    initial = {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "language": user.language,
        "time_zone": user.time_zone,
    }
    context = {
        "profile_form": profile_form or ProfileForm(initial=initial),
        "tokens": queries.tokens_of(request.user),
        "token_form": token_form or TokenForm(),
        "totp_disable_form": totp_disable_form or TotpDisableForm(request.user),
        "new_token": new_token,
        "now": timezone.now(),
    }
    response = render(request, "accounts/profile.html", context, status=status)
    if new_token:
        # The raw token is in this page only: keep it out of every cache.
        response["Cache-Control"] = "no-store"
    return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return _render_profile(request)


@login_required
@require_POST
def profile_update(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST)
    if form.is_valid():
        try:
            actions.user_update(actor=request.user, user=request.user, values=form.cleaned_data)
        except ValidationFailed as failed:
            add_action_errors(form, failed)
        else:
            messages.success(request, _("Your details are saved."))
            return redirect("accounts:profile")
    return _render_profile(request, profile_form=form, status=400)


@login_required
@require_POST
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if form.is_valid():
        days = form.cleaned_data.get("expires_days")
        expires_at = timezone.now() + dt.timedelta(days=days) if days else None
        try:
            _token, raw = actions.token_create(
                actor=request.user, user=request.user, name=form.cleaned_data["name"], expires_at=expires_at
            )
        except ValidationFailed as failed:
            add_action_errors(form, failed, {"expires_at": "expires_days"})
        else:
            return _render_profile(request, new_token=raw)
    return _render_profile(request, token_form=form, status=400)


def _next_or(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(fallback)


@login_required
@require_POST
def token_revoke(request: HttpRequest, public_id: str) -> HttpResponse:
    try:
        token = queries.token_for(request.user, public_id)
    except NotFound:
        raise Http404 from None
    actions.token_revoke(actor=request.user, token=token)
    messages.success(request, _("The token %(prefix)s… is revoked.") % {"prefix": token.lookup_prefix})
    return redirect(_next_or(request, "accounts:profile"))


@login_required
@require_POST
def totp_start(request: HttpRequest) -> HttpResponse:
    try:
        actions.totp_enable(actor=request.user, user=request.user)
    except ValidationFailed as failed:
        messages.error(request, "; ".join(str(e.message) for e in failed.errors))
        return redirect("accounts:profile")
    return redirect("accounts:totp_setup")


@login_required
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def totp_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user
    if user.totp_enabled or not user.totp_secret:
        return redirect("accounts:profile")
    form = CodeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.totp_confirm(actor=user, user=user, code=form.cleaned_data["code"])
            except ValidationFailed as failed:
                add_action_errors(form, failed)
            else:
                messages.success(request, _("Two-factor authentication is on. You'll need a code at every sign-in."))
                return redirect("accounts:profile")
    uri = twofactor.provisioning_uri(user.totp_secret, user.username)
    context = {
        "form": form,
        "otpauth_uri": uri,
        # Generated here from our own data; the SVG carries only path geometry.
        "qr_svg": mark_safe(twofactor.qr_svg(uri)),  # noqa: S308
        "secret": twofactor.grouped_secret(user.totp_secret),
    }
    response = render(request, "accounts/totp_setup.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@sensitive_post_parameters("password")
@require_POST
def totp_disable(request: HttpRequest) -> HttpResponse:
    form = TotpDisableForm(request.user, request.POST)
    if not form.is_valid():
        return _render_profile(request, totp_disable_form=form, status=400)
    actions.totp_disable(actor=request.user, user=request.user)
    messages.success(request, _("Two-factor authentication is off."))
    return redirect("accounts:profile")
