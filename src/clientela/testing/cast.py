"""A small named cast of users, used by tests across the apps.

Two teams, North and South; one user of every role, sales and read-only on both.
Each user's username is its name here (`cast.sales_north` is "sales_north").
The cast is written once per test database (`make_cast`) and read afresh for
every test (`load_cast`); see the root conftest.py.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from clientela.accounts.models import Team, User
from clientela.accounts.roles import Role

PASSWORD = "correct-horse-battery-staple"  # noqa: S105 - test users only


@dataclass
class Cast:
    north: Team
    south: Team
    admin: User
    manager_north: User
    manager_south: User
    sales_north: User
    sales_north_2: User
    sales_south: User
    service_north: User
    marketing: User
    analyst: User
    readonly_north: User


def make_user(username: str, role: str, team: Team | None) -> User:
    user = User(
        username=username,
        role=role,
        team=team,
        email=f"{username}@example.test",
        first_name=username.split("_")[0].title(),
        last_name=username.split("_")[-1].title(),
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def make_cast() -> Cast:
    north = Team.objects.create(name="North")
    south = Team.objects.create(name="South")
    cast = Cast(
        north=north,
        south=south,
        admin=make_user("admin", Role.ADMIN, None),
        manager_north=make_user("manager_north", Role.MANAGER, north),
        manager_south=make_user("manager_south", Role.MANAGER, south),
        sales_north=make_user("sales_north", Role.SALES, north),
        sales_north_2=make_user("sales_north_2", Role.SALES, north),
        sales_south=make_user("sales_south", Role.SALES, south),
        service_north=make_user("service_north", Role.SERVICE, north),
        marketing=make_user("marketing", Role.MARKETING, None),
        analyst=make_user("analyst", Role.ANALYST, None),
        readonly_north=make_user("readonly_north", Role.READ_ONLY, north),
    )
    north.manager = cast.manager_north
    north.save()
    south.manager = cast.manager_south
    south.save()
    return cast


TEAMS = ("North", "South")
USERNAMES = tuple(field.name for field in fields(Cast) if field.name not in {"north", "south"})


def load_cast() -> Cast | None:
    """The cast as stored, as new objects (two queries); None when it is not in the database."""
    teams = {team.name: team for team in Team.objects.filter(name__in=TEAMS)}
    users = {user.username: user for user in User.objects.filter(username__in=USERNAMES)}
    if len(teams) != len(TEAMS) or len(users) != len(USERNAMES):
        return None
    north, south = teams["North"], teams["South"]
    # Link the objects to one another, as make_cast's are: reading a user's team costs no query.
    for user in users.values():
        if user.team_id is not None:
            user.team = north if user.team_id == north.pk else south
    north.manager, south.manager = users["manager_north"], users["manager_south"]
    return Cast(north=north, south=south, **users)


def delete_cast() -> None:
    """Removes the cast, for a test that needs the empty database of a fresh install."""
    Team.objects.filter(name__in=TEAMS).update(manager=None)
    User.objects.filter(username__in=USERNAMES).delete()
    Team.objects.filter(name__in=TEAMS).delete()
