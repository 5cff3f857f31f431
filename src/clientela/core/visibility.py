"""Which records a user may see and change — the single place that decides it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

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


@dataclass(frozen=True)
class AssignmentScope:
    """Whom a user may make a record's owner and which team they may give it: the one rule
    behind the action's check and the owner/team choices a page offers.

    Roles that see every record assign to anyone; the others assign to themselves, to
    members of their team (when they see the team's records) and to their own team.
    """

    everyone: bool
    user_id: Any
    team_id: Any | None
    team_members: bool

    def allows_owner(self, owner: Any) -> bool:
        if self.everyone or owner.pk == self.user_id:
            return True
        return self.team_members and self.team_id is not None and owner.team_id == self.team_id

    def allows_team(self, team: Any) -> bool:
        return self.everyone or (self.team_id is not None and team.pk == self.team_id)

    def owner_filter(self) -> Q | None:
        """A filter on users for the owners allowed; None means everyone."""
        if self.everyone:
            return None
        condition = Q(pk=self.user_id)
        if self.team_members and self.team_id is not None:
            condition |= Q(team_id=self.team_id)
        return condition

    def team_filter(self) -> Q:
        """A filter on teams for the teams allowed (everything when `everyone`)."""
        if self.everyone:
            return Q()
        return Q(pk=self.team_id) if self.team_id is not None else Q(pk__in=[])


def assignment_scope(user: User) -> AssignmentScope:
    visibility = user.policy.visibility
    return AssignmentScope(
        everyone=visibility == Visibility.ALL,
        user_id=user.pk,
        team_id=user.team_id,
        team_members=visibility == Visibility.TEAM,
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
