"""Roles and what each may see and do.

Visibility decides which records a user's reads return:
- ``all``: every record;
- ``team``: records of the user's team, plus records the user owns;
- ``own``: records the user owns.
A site can override the default visibility per role with
``CLIENTELA_ROLE_VISIBILITY`` (e.g. ``sales=own,service=team``), read once by the settings
module; `check_role_overrides` (run when the app starts) refuses unknown role names.
The visibility levels themselves belong to `core.visibility`, which applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clientela.core.choices import TextChoices
from clientela.core.visibility import Visibility
from clientela.settings_env import ImproperSetting


class Role(TextChoices):
    ADMIN = "admin", _("Administrator")
    MANAGER = "manager", _("Manager")
    SALES = "sales", _("Sales")
    SERVICE = "service", _("Service")
    MARKETING = "marketing", _("Marketing")
    ANALYST = "analyst", _("Analyst")
    READ_ONLY = "read_only", _("Read-only")


@dataclass(frozen=True)
class RolePolicy:
    visibility: str
    can_write: bool
    can_delete: bool
    can_import: bool
    can_export: bool
    can_administer: bool
    # Consents, objections, subject requests (fulfilling them: export, erasure), retention rules,
    # and the fields a person restricted. Administrators only unless `CLIENTELA_PRIVACY_ROLES` says more.
    can_manage_privacy: bool = False


_DEFAULTS: dict[str, RolePolicy] = {
    Role.ADMIN: RolePolicy(Visibility.ALL, True, True, True, True, True),
    Role.MANAGER: RolePolicy(Visibility.TEAM, True, True, True, True, False),
    Role.SALES: RolePolicy(Visibility.TEAM, True, True, True, True, False),
    Role.SERVICE: RolePolicy(Visibility.TEAM, True, False, False, True, False),
    Role.MARKETING: RolePolicy(Visibility.ALL, True, False, True, True, False),
    Role.ANALYST: RolePolicy(Visibility.ALL, False, False, False, True, False),
    Role.READ_ONLY: RolePolicy(Visibility.TEAM, False, False, False, False, False),
}


def role_overrides() -> dict[str, str]:
    """The site's per-role visibility overrides (settings.CLIENTELA_ROLE_VISIBILITY)."""
    overrides: dict[str, str] = settings.CLIENTELA_ROLE_VISIBILITY
    return overrides


def check_role_overrides() -> None:
    """Refuse an override naming a role that does not exist (called once at start-up)."""
    for role, visibility in role_overrides().items():
        if role not in Role.values or visibility not in Visibility.values:
            raise ImproperSetting(
                f"CLIENTELA_ROLE_VISIBILITY: {role}={visibility} is not role=own|team|all "
                f"(roles: {', '.join(Role.values)})"
            )
    for role in settings.CLIENTELA_PRIVACY_ROLES:
        if role not in Role.values:
            raise ImproperSetting(f"CLIENTELA_PRIVACY_ROLES: {role} is not a role (roles: {', '.join(Role.values)})")


def privacy_roles() -> frozenset[str]:
    """The roles with the privacy permission (settings.CLIENTELA_PRIVACY_ROLES; administrators always)."""
    return frozenset((Role.ADMIN, *settings.CLIENTELA_PRIVACY_ROLES))


def policy_for(role: str) -> RolePolicy:
    base = _DEFAULTS[role]
    visibility = role_overrides().get(role) or base.visibility
    return RolePolicy(
        visibility,
        base.can_write,
        base.can_delete,
        base.can_import,
        base.can_export,
        base.can_administer,
        can_manage_privacy=role in privacy_roles(),
    )


def all_policies() -> list[tuple[str, str, RolePolicy]]:
    return [(role.value, str(role.label), policy_for(role)) for role in Role]
