"""Roles and what each may see and do.

Visibility decides which records a user's reads return:
- ``all``: every record;
- ``team``: records of the user's team, plus records the user owns;
- ``own``: records the user owns.
A site can override the default visibility per role with
``CLIENTELA_ROLE_VISIBILITY`` (e.g. ``sales=own,service=team``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from clientela.core.choices import TextChoices
from clientela.settings_env import ImproperSetting, env_str


class Role(TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Service")
    MARKETING = "marketing", _("Marketing")
    ANALYST = "analyst", _("Analyst")
    READ_ONLY = "read_only", _("Read-only")


class Visibility(TextChoices):
    OWN = "own", _("own records")
    TEAM = "team", _("the team's records")
    ALL = "all", _("all records")


@dataclass(frozen=True)
class RolePolicy:
    visibility: str
    can_write: bool
    can_delete: bool
    can_import: bool
    can_export: bool
    can_administer: bool


_DEFAULTS: dict[str, RolePolicy] = {
    Role.ADMIN: RolePolicy(Visibility.ALL, True, True, True, True, True),
    Role.MANAGER: RolePolicy(Visibility.TEAM, True, True, True, True, False),
    Role.SALES: RolePolicy(Visibility.TEAM, True, True, True, True, False),
    Role.SERVICE: RolePolicy(Visibility.TEAM, True, False, False, True, False),
    Role.MARKETING: RolePolicy(Visibility.ALL, True, False, True, True, False),
    Role.ANALYST: RolePolicy(Visibility.ALL, False, False, False, True, False),
    Role.READ_ONLY: RolePolicy(Visibility.TEAM, False, False, False, False, False),
}


def _overrides() -> dict[str, str]:
    raw = env_str("CLIENTELA_ROLE_VISIBILITY", "")
    result: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        role, _sep, visibility = item.partition("=")
        if role not in Role.values or visibility not in Visibility.values:
            raise ImproperSetting(
                f"CLIENTELA_ROLE_VISIBILITY: {item!r} is not role=own|team|all (roles: {', '.join(Role.values)})"
            )
        result[role] = visibility
    return result


def policy_for(role: str) -> RolePolicy:
    base = _DEFAULTS[role]
    visibility = _overrides().get(role)
    if visibility is None:
        return base
    return RolePolicy(
        visibility, base.can_write, base.can_delete, base.can_import, base.can_export, base.can_administer
    )


def all_policies() -> list[tuple[str, str, RolePolicy]]:
    return [(role.value, str(role.label), policy_for(role)) for role in Role]
