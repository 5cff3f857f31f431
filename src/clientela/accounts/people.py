"""The one resolver of people named in input: a user or a team given as an instance, a
public id, a username or a team name. Every app that takes an owner, a manager, a member
or a team from a form, the API or an import resolves it here, so an unknown or a
deactivated user is refused the same way everywhere.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from clientela.accounts.models import Team, User
from clientela.core.errors import FieldError
from clientela.core.ids import is_uuid


def resolve_user(value: Any, errors: list[FieldError], *, field: str = "user") -> User | None:
    """The active user `value` names; None for no value. Unknown or inactive: an error on `field`."""
    if value is None or value == "":
        return None
    if isinstance(value, User):
        # Fresh from the database: the caller's copy may be stale (e.g. deactivated since).
        user: User | None = User.objects.filter(pk=value.pk).first()
    elif is_uuid(value):
        user = User.objects.filter(public_id=value).first()
    else:
        user = User.objects.filter(username=str(value)).first()
    if user is None:
        errors.append(FieldError(field, "not_found", _("no such user: %(user)s") % {"user": value}))
    elif not user.is_active:
        errors.append(FieldError(field, "inactive", _("%(user)s is not active") % {"user": user.username}))
    return user


def resolve_team(value: Any, errors: list[FieldError], *, field: str = "team") -> Team | None:
    """The team `value` names (instance, public id or name); None for no value."""
    if value is None or value == "":
        return None
    if isinstance(value, Team):
        return value
    team = Team.objects.filter(public_id=value).first() if is_uuid(value) else None
    if team is None:
        team = Team.objects.filter(name=str(value)).first()
    if team is None:
        errors.append(FieldError(field, "not_found", _("no such team: %(team)s") % {"team": value}))
    return team
