"""The write path for users, teams, API tokens and two-factor authentication.

Every action checks permission, validates, writes and appends one event per record
it changes, inside one transaction. ``actor=None`` means the system itself: the
``clientela`` command run by the operator on the server. Pages and the API always
pass the signed-in user. Secrets (passwords, TOTP secrets, raw tokens) never reach
the change log.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.accounts import twofactor
from clientela.accounts.models import ApiToken, Team, User
from clientela.accounts.people import resolve_team, resolve_user
from clientela.accounts.roles import Role
from clientela.core.changelog import append_event, jsonable
from clientela.core.errors import FieldError, PermissionDenied, ValidationFailed
from clientela.core.models import Event
from clientela.core.validation import clean_values, is_country_code

USER_FIELDS_FOR_ADMIN = {
    "username", "email", "first_name", "last_name", "role", "team", "is_active", "language", "time_zone",
}  # fmt: skip
USER_FIELDS_FOR_SELF = {"email", "first_name", "last_name", "language", "time_zone"}
TEAM_FIELDS = {"name", "country", "manager", "members"}
HIDDEN = "(hidden)"


# --- permission -------------------------------------------------------------------------------


def _is_admin(actor: User | None) -> bool:
    return actor is None or (actor.is_active and actor.policy.can_administer)


def _require_admin(actor: User | None) -> None:
    if not _is_admin(actor):
        raise PermissionDenied(_("only administrators may manage users and teams"))


def _require_self(actor: User | None, user: User, what: str) -> None:
    if actor is not None and actor.pk != user.pk:
        raise PermissionDenied(_("you may only manage your own %(what)s") % {"what": what})


def _require_self_or_admin(actor: User | None, user: User, what: str) -> None:
    if actor is not None and actor.pk != user.pk and not _is_admin(actor):
        raise PermissionDenied(_("you may only manage your own %(what)s") % {"what": what})


# --- validation helpers -----------------------------------------------------------------------


def _check_role(values: dict[str, Any], errors: list[FieldError]) -> None:
    if "role" in values and values["role"] not in Role.values:
        errors.append(
            FieldError(
                "role",
                "invalid_choice",
                _("unknown role %(role)r; valid roles: %(roles)s")
                % {"role": values["role"], "roles": ", ".join(Role.values)},
            )
        )


def _check_time_zone(values: dict[str, Any], errors: list[FieldError]) -> None:
    """A time zone is an IANA name the system knows ("Europe/Budapest"), or "" for the site's."""
    name = values.get("time_zone")
    if not name:
        return
    try:
        known = isinstance(name, str) and "." not in name and zoneinfo.ZoneInfo(name) is not None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        known = False
    if not known:
        errors.append(FieldError("time_zone", "invalid_choice", _("is not a time zone (e.g. Europe/Budapest)")))


def _check_password(password: str, user: User, errors: list[FieldError]) -> None:
    if not password:
        errors.append(FieldError("password", "required", _("the password must not be empty")))
        return
    if "\x00" in password:
        errors.append(FieldError("password", "invalid", _("must not contain NUL characters")))
        return
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        errors.append(FieldError("password", "invalid", " ".join(str(m) for m in error.messages)))


def _is_password_hash(text: str) -> bool:
    from django.contrib.auth.hashers import identify_hasher, is_password_usable

    try:
        identify_hasher(text)
    except ValueError:
        return False
    return is_password_usable(text)


def _raise(errors: list[FieldError]) -> None:
    if errors:
        raise ValidationFailed(errors)


def _diff(record: Any, values: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        name: [jsonable(getattr(record, name)), jsonable(value)]
        for name, value in values.items()
        if getattr(record, name) != value
    }


# --- users ------------------------------------------------------------------------------------


def _clean_user_values(values: dict[str, Any], allowed: set[str], current: User | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    unknown = sorted(set(values) - allowed)
    for name in unknown:
        errors.append(FieldError(name, "unknown_field", _("is not a field you can set")))
    plain = {k: v for k, v in values.items() if k in allowed and k != "team"}
    _check_role(plain, errors)
    _check_time_zone(plain, errors)
    cleaned: dict[str, Any] = {}
    if not any(e.field in ("role", "time_zone") for e in errors):
        try:
            cleaned = clean_values(User, plain, allowed=allowed - {"team"})
        except ValidationFailed as failed:
            errors.extend(failed.errors)
    if "team" in values and "team" in allowed:
        cleaned["team"] = resolve_team(values["team"], errors)
    username = cleaned.get("username")
    if current is None and not username and not any(e.field == "username" for e in errors):
        errors.append(FieldError("username", "required", _("a username is required")))
    if username and User.objects.filter(username__iexact=username).exclude(pk=getattr(current, "pk", None)).exists():
        errors.append(
            FieldError("username", "duplicate", _("a user named %(username)s already exists") % {"username": username})
        )
    _raise(errors)
    return cleaned


def user_create(
    *, actor: User | None, values: dict[str, Any], password: str | None = None, password_hash: str | None = None
) -> User:
    """A new user. Without a password the account can only be entered after a password reset.

    `password_hash` instead of `password`: one already hashed by Django's hashers, for
    many accounts with the same initial password (the demo's), hashed once — hashing
    is slow on purpose.
    """
    _require_admin(actor)
    cleaned = _clean_user_values(values, USER_FIELDS_FOR_ADMIN, None)
    user = User(**cleaned)
    errors: list[FieldError] = []
    if password is not None:
        _check_password(password, user, errors)
        _raise(errors)
        user.set_password(password)
    elif password_hash is not None:
        if not _is_password_hash(password_hash):
            errors.append(FieldError("password", "invalid", _("is not a password hashed by this site's hashers")))
        _raise(errors)
        user.password = password_hash
    else:
        user.set_unusable_password()
    with transaction.atomic():
        user.save()
        append_event(
            actor=actor,
            action="user.create",
            kind=Event.Kind.CREATED,
            record=user,
            changes={name: [None, jsonable(value)] for name, value in cleaned.items()},
        )
    return user


def user_update(*, actor: User | None, user: User, values: dict[str, Any]) -> User:
    """Administrators change anything; a user changes their own name, e-mail, language and time zone.

    Nobody changes their own role or deactivates themselves (no escalation, and the
    last administrator can't lock everyone out). Deactivating revokes the user's tokens.
    """
    self_edit = actor is not None and actor.pk == user.pk
    if self_edit:
        forbidden = sorted(k for k in ("role", "is_active") if k in values and values[k] != getattr(user, k))
        if forbidden:
            raise PermissionDenied(_("you may not change your own role or deactivate yourself"))
        values = {k: v for k, v in values.items() if k not in ("role", "is_active")}
    if _is_admin(actor):
        allowed = USER_FIELDS_FOR_ADMIN
    elif self_edit:
        allowed = USER_FIELDS_FOR_SELF
    else:
        raise PermissionDenied(_("only administrators may manage users and teams"))
    cleaned = _clean_user_values(values, allowed, user)
    with transaction.atomic():
        current = User.objects.select_for_update().get(pk=user.pk)
        changes = _diff(current, cleaned)
        if not changes:
            return current
        for name, value in cleaned.items():
            setattr(current, name, value)
        current.save(update_fields=[*cleaned.keys()])
        append_event(actor=actor, action="user.update", kind=Event.Kind.UPDATED, record=current, changes=changes)
        if changes.get("is_active") == [True, False]:
            _revoke_all_tokens(actor, current)
    return current


def user_set_password(*, actor: User | None, user: User, password: str) -> User:
    """Sets a new password (validated with the site's password rules)."""
    _require_self_or_admin(actor, user, _("password"))
    errors: list[FieldError] = []
    _check_password(password, user, errors)
    _raise(errors)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        append_event(
            actor=actor,
            action="user.set_password",
            kind=Event.Kind.UPDATED,
            record=user,
            changes={"password": [HIDDEN, HIDDEN]},
        )
    return user


# --- teams ------------------------------------------------------------------------------------


def _clean_team_values(values: dict[str, Any], current: Team | None) -> dict[str, Any]:
    errors: list[FieldError] = []
    for unknown in sorted(set(values) - TEAM_FIELDS):
        errors.append(FieldError(unknown, "unknown_field", _("is not a field you can set")))
    cleaned: dict[str, Any] = {}
    if "name" in values or current is None:
        try:
            cleaned.update(clean_values(Team, {"name": values.get("name", "")}, allowed={"name"}))
        except ValidationFailed as failed:
            errors.extend(failed.errors)
        name = cleaned.get("name")
        if "name" in cleaned and not name:
            errors.append(FieldError("name", "required", _("a team needs a name")))
        elif name and Team.objects.filter(name__iexact=name).exclude(pk=getattr(current, "pk", None)).exists():
            errors.append(FieldError("name", "duplicate", _("a team named %(name)s already exists") % {"name": name}))
    if "country" in values:
        country = values["country"].strip().upper() if isinstance(values["country"], str) else None
        if country is None or (country and not is_country_code(country)):
            errors.append(FieldError("country", "invalid", _("must be a two-letter country code, such as HU")))
        else:
            cleaned["country"] = country
    if "manager" in values:
        cleaned["manager"] = resolve_user(values["manager"], errors, field="manager")
    if "members" in values:
        members: list[User] = []
        for item in values["members"] or []:
            member = resolve_user(item, errors, field="members")
            if member is not None and member not in members:
                members.append(member)
        cleaned["members"] = members
    _raise(errors)
    # The manager sees the team's records through membership, so a manager is a member.
    manager = cleaned.get("manager", getattr(current, "manager", None))
    if manager is not None and "members" in cleaned and manager not in cleaned["members"]:
        cleaned["members"].append(manager)
    elif manager is not None and "manager" in cleaned and "members" not in cleaned:
        cleaned["members_add"] = [manager]
    return cleaned


def _member_usernames(team: Team) -> list[str]:
    return sorted(User.objects.filter(team=team).values_list("username", flat=True))


def _move_users(actor: User | None, team: Team, members: list[User], *, remove_others: bool) -> None:
    """Puts `members` in `team` (and, if asked, takes everyone else out), one event per moved user."""
    wanted = {user.pk for user in members}
    for user in User.objects.select_for_update().filter(pk__in=wanted).exclude(team=team):
        before = user.team
        user.team = team
        user.save(update_fields=["team"])
        append_event(
            actor=actor,
            action="user.update",
            kind=Event.Kind.UPDATED,
            record=user,
            changes={"team": [jsonable(before), jsonable(team)]},
        )
    if remove_others:
        for user in User.objects.select_for_update().filter(team=team).exclude(pk__in=wanted):
            user.team = None
            user.save(update_fields=["team"])
            append_event(
                actor=actor,
                action="user.update",
                kind=Event.Kind.UPDATED,
                record=user,
                changes={"team": [jsonable(team), None]},
            )


def team_create(*, actor: User | None, values: dict[str, Any]) -> Team:
    _require_admin(actor)
    cleaned = _clean_team_values(values, None)
    members = cleaned.pop("members", None) or cleaned.pop("members_add", [])
    with transaction.atomic():
        team = Team.objects.create(**cleaned)
        _move_users(actor, team, members, remove_others=False)
        changes: dict[str, list[Any]] = {name: [None, jsonable(value)] for name, value in cleaned.items()}
        if members:
            changes["members"] = [[], _member_usernames(team)]
        append_event(actor=actor, action="team.create", kind=Event.Kind.CREATED, record=team, changes=changes)
    return team


def team_update(*, actor: User | None, team: Team, values: dict[str, Any]) -> Team:
    _require_admin(actor)
    cleaned = _clean_team_values(values, team)
    members = cleaned.pop("members", None)
    members_add = cleaned.pop("members_add", None)
    with transaction.atomic():
        current = Team.objects.select_for_update().get(pk=team.pk)
        before_members = _member_usernames(current)
        changes = _diff(current, cleaned)
        for name, value in cleaned.items():
            setattr(current, name, value)
        if changes:
            current.save(update_fields=list(cleaned))
        if members is not None:
            _move_users(actor, current, members, remove_others=True)
        elif members_add:
            _move_users(actor, current, members_add, remove_others=False)
        after_members = _member_usernames(current)
        if after_members != before_members:
            changes["members"] = [before_members, after_members]
        if changes:
            append_event(actor=actor, action="team.update", kind=Event.Kind.UPDATED, record=current, changes=changes)
    return current


# --- API tokens -------------------------------------------------------------------------------


def token_create(
    *, actor: User | None, user: User, name: str = "", expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new personal token for `user`; returns it with the raw token, which is never stored or shown again."""
    _require_self(actor, user, _("API tokens"))
    errors: list[FieldError] = []
    if not user.is_active:
        errors.append(FieldError("user", "inactive", _("%(user)s is not active") % {"user": user.username}))
    try:
        cleaned = clean_values(ApiToken, {"name": name}, allowed={"name"})
    except ValidationFailed as failed:
        errors.extend(failed.errors)
        cleaned = {}
    if expires_at is not None and (timezone.is_naive(expires_at) or expires_at <= timezone.now()):
        errors.append(FieldError("expires_at", "invalid", _("the expiry must be a time in the future")))
    _raise(errors)
    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=cleaned.get("name", ""),
            token_hash=ApiToken.hash(raw),
            lookup_prefix=raw[:12],
            expires_at=expires_at,
        )
        append_event(
            actor=actor,
            action="api_token.create",
            kind=Event.Kind.CREATED,
            record=token,
            changes={
                "name": [None, token.name],
                "lookup_prefix": [None, token.lookup_prefix],
                "expires_at": [None, jsonable(expires_at)],
            },
            data={"user": str(user.public_id)},
        )
    return token, raw


def token_revoke(*, actor: User | None, token: ApiToken) -> ApiToken:
    """Revokes a token at once; revoking a revoked token changes nothing."""
    _require_self_or_admin(actor, token.user, _("API tokens"))
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked_at is not None:
            return current
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        append_event(
            actor=actor,
            action="api_token.revoke",
            kind=Event.Kind.UPDATED,
            record=current,
            changes={"revoked_at": [None, jsonable(current.revoked_at)]},
            data={"user": str(token.user.public_id)},
        )
    return current


def _revoke_all_tokens(actor: User | None, user: User) -> None:
    for token in ApiToken.objects.filter(user=user, revoked_at__isnull=True).select_related("user"):
        token_revoke(actor=actor, token=token)


# --- two-factor authentication ----------------------------------------------------------------


def totp_enable(*, actor: User | None, user: User) -> str:
    """Starts two-factor setup: stores a new secret, not yet required at login until confirmed."""
    _require_self(actor, user, _("two-factor authentication"))
    if user.totp_enabled:
        raise ValidationFailed.single(
            "totp", "already_enabled", _("two-factor authentication is already on; turn it off first")
        )
    secret = twofactor.new_secret()
    _save_and_log(
        actor, user, "user.totp_enable", {"totp_secret": secret, "totp_last_step": None},
        changes={"totp_secret": [HIDDEN, HIDDEN]},
    )  # fmt: skip
    return secret


def totp_confirm(*, actor: User | None, user: User, code: str) -> User:
    """Turns two-factor on once the user proves their app produces the right codes."""
    _require_self(actor, user, _("two-factor authentication"))
    if user.totp_enabled:
        return user
    if not user.totp_secret:
        raise ValidationFailed.single("code", "not_started", _("start the two-factor setup first"))
    normalised = twofactor.normalise_code(code)
    step = twofactor.matching_step(user.totp_secret, normalised) if normalised else None
    if step is None:
        raise ValidationFailed.single(
            "code", "invalid", _("the code is not correct; check that the time on your device is right")
        )
    _save_and_log(
        actor, user, "user.totp_confirm", {"totp_enabled": True, "totp_last_step": step},
        changes={"totp_enabled": [False, True]},
    )  # fmt: skip
    return user


def totp_disable(*, actor: User | None, user: User) -> User:
    """Turns two-factor off (the user, or an administrator helping someone who lost their device)."""
    _require_self_or_admin(actor, user, _("two-factor authentication"))
    was_enabled = user.totp_enabled
    _save_and_log(
        actor, user, "user.totp_disable", {"totp_enabled": False, "totp_secret": "", "totp_last_step": None},
        changes={"totp_enabled": [was_enabled, False]},
    )  # fmt: skip
    return user


def totp_check_login(*, user: User, code: str) -> bool:
    """The second login step: True if `code` is current and not used before.

    Bookkeeping only (no event): remembers the accepted time step with a conditional
    update, so the same code can't be replayed, even by two requests at once.
    """
    if not user.totp_enabled:
        return False
    normalised = twofactor.normalise_code(code)
    step = twofactor.matching_step(user.totp_secret, normalised) if normalised else None
    if step is None:
        return False
    fresh = Q(totp_last_step__isnull=True) | Q(totp_last_step__lt=step)
    accepted = User.objects.filter(fresh, pk=user.pk).update(totp_last_step=step)
    return accepted == 1


# --- password reset links issued by an administrator -----------------------------------------


def user_issue_reset_token(*, actor: User | None, user: User) -> tuple[str, str]:
    """A one-time password reset (uid, token) for `user`, logged so the audit shows who asked."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    _require_admin(actor)
    if not user.is_active:
        raise ValidationFailed.single("user", "inactive", _("%(user)s is not active") % {"user": user.username})
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    append_event(actor=actor, action="user.password_reset_link", kind=Event.Kind.OTHER, record=user, changes={})
    return uid, token


def _save_and_log(
    actor: User | None, record: Any, action: str, values: dict[str, Any], *, changes: dict[str, list[Any]]
) -> None:
    """Set `values` on `record`, save just those fields and log `changes` (secrets hidden by the caller)."""
    with transaction.atomic():
        for name, value in values.items():
            setattr(record, name, value)
        record.save(update_fields=list(values))
        append_event(actor=actor, action=action, kind=Event.Kind.UPDATED, record=record, changes=changes)


# --- password reset e-mails --------------------------------------------------------------------

RESET_MAIL_TASK_PATH = "clientela.accounts.tasks.send_password_reset"  # django-tasks names a task by its path


def password_reset_results_forget(*, finished_before: dt.datetime) -> int:
    """Delete the stored results of password-reset tasks that finished before `finished_before`:
    each keeps the address as it was typed, which nothing needs once the e-mail is sent (or
    failed). Housekeeping, not a record's change: no event. Returns how many went."""
    from django_tasks_db.models import DBTaskResult

    finished = DBTaskResult.objects.finished().filter(task_path=RESET_MAIL_TASK_PATH, finished_at__lt=finished_before)
    deleted, _by_model = finished.delete()
    return deleted
