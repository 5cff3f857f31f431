"""Reads of users, teams and tokens, each checking who may see what."""

from __future__ import annotations

import functools
import uuid
from typing import Any, cast

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from clientela.accounts.models import ApiToken, Team, User
from clientela.core.errors import NotFound
from clientela.core.visibility import require_admin


def _uuid(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# --- for administrators -----------------------------------------------------------------------


def users_for_admin(
    actor: User, *, search: str = "", role: str = "", team: str = "", active: str = ""
) -> QuerySet[User]:
    """Every user, filtered for the settings list (administrators only)."""
    require_admin(actor)
    users = User.objects.select_related("team").order_by("username")
    if search:
        users = users.filter(
            Q(username__icontains=search)
            | Q(first_name__icontains=search)
            | Q(last_name__icontains=search)
            | Q(email__icontains=search)
        )
    if role:
        users = users.filter(role=role)
    team_id = _uuid(team)
    if team_id is not None:
        users = users.filter(team__public_id=team_id)
    elif team == "none":
        users = users.filter(team__isnull=True)
    if active in ("yes", "no"):
        users = users.filter(is_active=active == "yes")
    return users


def user_for_admin(actor: User, public_id: Any) -> User:
    require_admin(actor)
    key = _uuid(public_id)
    user = User.objects.select_related("team").filter(public_id=key).first() if key else None
    if user is None:
        raise NotFound("no such user")
    return user


def teams_for_admin(actor: User) -> QuerySet[Team]:
    require_admin(actor)
    return Team.objects.select_related("manager").annotate(member_count=Count("members")).order_by("name")


def team_for_admin(actor: User, public_id: Any) -> Team:
    require_admin(actor)
    key = _uuid(public_id)
    team = Team.objects.select_related("manager").filter(public_id=key).first() if key else None
    if team is None:
        raise NotFound("no such team")
    return team


def team_members(team: Team) -> list[User]:
    return list(User.objects.filter(team=team).order_by("username"))


def active_users() -> QuerySet[User]:
    """Users who can be picked as a manager, a member or an owner."""
    return User.objects.filter(is_active=True).select_related("team").order_by("username")


def all_teams() -> QuerySet[Team]:
    return Team.objects.order_by("name")


# --- tokens -----------------------------------------------------------------------------------


def tokens_of(user: User) -> list[ApiToken]:
    """A user's own tokens, newest first (revoked ones too, for the record)."""
    return list(ApiToken.objects.filter(user=user).order_by("-created_at", "-id"))


def token_for(actor: User, public_id: Any) -> ApiToken:
    """One token its owner or an administrator may act on."""
    key = _uuid(public_id)
    token = ApiToken.objects.select_related("user").filter(public_id=key).first() if key else None
    if token is None or (token.user_id != actor.pk and not actor.policy.can_administer):
        raise NotFound("no such token")
    return token


def token_lookup(value: str) -> list[ApiToken]:
    """For the operator's command line: a token by id, by its shown prefix, or by the full token."""
    value = value.strip()
    tokens = ApiToken.objects.select_related("user")
    key = _uuid(value)
    if key is not None:
        return list(tokens.filter(public_id=key))
    if value.startswith(ApiToken.PREFIX) and len(value) > 12:
        return list(tokens.filter(token_hash=ApiToken.hash(value)))
    return list(tokens.filter(lookup_prefix=value))


def active_token(raw: str) -> ApiToken | None:
    """The live token for a raw bearer token, with its active user (and the user's team); None if
    unknown, revoked or expired.

    Every API request asks this, so it runs one fixed statement (`_TokenLookup`) instead of
    having the ORM compile the same query each time, which cost seven times what running it does.
    """
    if not raw or not raw.startswith(ApiToken.PREFIX):
        return None
    return _token_lookup(connection.vendor).find(ApiToken.hash(raw), timezone.now())


class _TokenLookup:
    """`active_token`'s statement, written once per database vendor from the models' own tables
    and columns, and how its row becomes an ApiToken with its User and Team (as select_related
    would make them: the values pass through each field's database converters)."""

    def __init__(self) -> None:
        quote = connection.ops.quote_name
        self.parts = [(model, alias, list(model._meta.concrete_fields))
                      for model, alias in ((ApiToken, "t"), (User, "u"), (Team, "m"))]  # fmt: skip

        def column(model: Any, alias: str, name: str) -> str:
            return f"{alias}.{quote(model._meta.get_field(name).column)}"

        selected = ", ".join(f"{alias}.{quote(field.column)}" for _m, alias, fields in self.parts for field in fields)
        # Table and column names come from the models, quoted; the values are parameters.
        self.sql = (
            f"SELECT {selected} FROM {quote(ApiToken._meta.db_table)} t"  # noqa: S608
            f" INNER JOIN {quote(User._meta.db_table)} u ON u.{quote('id')} = {column(ApiToken, 't', 'user')}"
            f" LEFT OUTER JOIN {quote(Team._meta.db_table)} m ON m.{quote('id')} = {column(User, 'u', 'team')}"
            f" WHERE {column(ApiToken, 't', 'token_hash')} = %s AND {column(ApiToken, 't', 'revoked_at')} IS NULL"
            f" AND {column(User, 'u', 'is_active')}"
            f" AND ({column(ApiToken, 't', 'expires_at')} IS NULL OR {column(ApiToken, 't', 'expires_at')} > %s)"
        )

    def find(self, token_hash: str, now: Any) -> ApiToken | None:
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [token_hash, connection.ops.adapt_datetimefield_value(now)])
            row = cursor.fetchone()
        if row is None:
            return None
        objects: list[Any] = []
        start = 0
        for model, alias, fields in self.parts:
            values = [self._converted(field, alias, value) for field, value in zip(fields, row[start:], strict=False)]
            start += len(fields)
            no_team = model is Team and values[0] is None
            objects.append(None if no_team else model.from_db(connection.alias, [f.attname for f in fields], values))
        token, user, team = objects
        User._meta.get_field("team").set_cached_value(user, team)
        ApiToken._meta.get_field("user").set_cached_value(token, user)
        return cast(ApiToken, token)

    @staticmethod
    def _converted(field: Any, alias: str, value: Any) -> Any:
        if value is None:
            return None
        column = field.get_col(alias)
        for convert in connection.ops.get_db_converters(column) + column.get_db_converters(connection):
            value = convert(value, column, connection)
        return value


@functools.cache
def _token_lookup(vendor: str) -> _TokenLookup:
    return _TokenLookup()


def user_by_username(username: str) -> User:
    user = User.objects.select_related("team").filter(username=username).first()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def active_user(pk: Any) -> User | None:
    """An active user by internal id (the login's second step keeps only this in the session)."""
    if not isinstance(pk, int):
        return None
    return User.objects.filter(pk=pk, is_active=True).first()


def team_by_name(name: str) -> Team | None:
    """A team by name, ignoring case (for the command line)."""
    return Team.objects.filter(name__iexact=name.strip()).first()


def user_names(reader: Any, public_ids: set[str]) -> dict[str, str]:
    """Public id -> display name, for pages that show a logged user by name (every signed-in
    user sees who owns a record, so every user's name)."""
    users = User.objects.filter(public_id__in=public_ids).only("public_id", "username", "first_name", "last_name")
    return {str(user.public_id): user.display_name for user in users}


def team_names(reader: Any, public_ids: set[str]) -> dict[str, str]:
    return {
        str(pid): name for pid, name in Team.objects.filter(public_id__in=public_ids).values_list("public_id", "name")
    }


def first_administrator() -> User | None:
    """Who acts for the system where a person must (a retention rule whose owner left, a restore)."""
    return User.objects.filter(is_active=True, role="admin").order_by("pk").first()


def user_for_worker(user_id: int) -> User:
    return User.objects.get(pk=user_id)


def active_user_named(username: str) -> User | None:
    return User.objects.filter(username=username, is_active=True).first()
