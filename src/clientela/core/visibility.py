"""Which records a user may see and change — the single place that decides it."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.core.choices import TextChoices
from clientela.core.errors import PermissionDenied

if TYPE_CHECKING:
    from clientela.core.actors import Actor as User


class Visibility(TextChoices):
    """How far a user's reads reach; each role has one (accounts/roles.py)."""

    OWN = "own", gettext_lazy("own records")
    TEAM = "team", gettext_lazy("the team's records")
    ALL = "all", gettext_lazy("all records")


M = TypeVar("M", bound=Model)


def visibility_filter(user: User, *, owner_field: str = "owner", team_field: str = "team") -> Q | None:
    """The filter that limits records to what `user` may see; None means all."""
    if not user.is_active:
        return Q(pk__in=[])
    visibility = user.policy.visibility
    if visibility == Visibility.ALL:
        return None
    own = Q(**{f"{owner_field}_id": user.pk})
    if visibility == Visibility.TEAM and user.team_id is not None:
        return own | Q(**{f"{team_field}_id": user.team_id})
    return own


def visible(queryset: QuerySet[M], user: User, **fields: str) -> QuerySet[M]:
    condition = visibility_filter(user, **fields)
    return queryset if condition is None else queryset.filter(condition)


def can_see(user: User, record: Model) -> bool:
    visibility = user.policy.visibility
    if not user.is_active:
        return False
    if visibility == Visibility.ALL:
        return True
    owner_id = getattr(record, "owner_id", None)
    if owner_id is not None and owner_id == user.pk:
        return True
    return (
        visibility == Visibility.TEAM and user.team_id is not None and getattr(record, "team_id", None) == user.team_id
    )


def require_write(user: User, record: Model | None = None) -> None:
    if not user.policy.can_write:
        raise PermissionDenied(_("your role may not change records"))
    if record is not None and not can_see(user, record):
        raise PermissionDenied(_("you may not change this record"))


def require_delete(user: User, record: Model) -> None:
    if not user.policy.can_delete:
        raise PermissionDenied(_("your role may not delete records"))
    require_write(user, record)


def require_admin(user: User) -> None:
    if not user.policy.can_administer:
        raise PermissionDenied(_("only administrators may do this"))
