"""The demo's teams and users: five teams, fifteen users, every role.

Each country team has a manager and a sales representative; Hungary also has a
service agent and Poland a read-only user. The administrator, marketing and the
analyst belong to no team (they see every record by role).
"""

from __future__ import annotations

from dataclasses import dataclass

# Printed by `clientela demo` and in the README; a demo, not a secret.
DEMO_PASSWORD = "clientela-demo"  # noqa: S105

TEAMS: tuple[str, ...] = ("Hungary", "Türkiye", "Poland", "Romania", "International")
# The country of phone numbers written without one, per team.
TEAM_COUNTRIES: dict[str, str] = {"Hungary": "HU", "Türkiye": "TR", "Poland": "PL", "Romania": "RO"}


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str  # accounts.roles.Role value
    team: str | None
    first_name: str
    last_name: str
    language: str


USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", "admin", None, "Ilona", "Varga", "en"),
    DemoUser("hu.manager", "manager", "Hungary", "Gábor", "Szabó", "hu"),
    DemoUser("hu.sales", "sales", "Hungary", "Katalin", "Tóth", "hu"),
    DemoUser("hu.service", "service", "Hungary", "Bence", "Kiss", "hu"),
    DemoUser("tr.manager", "manager", "Türkiye", "Elif", "Yılmaz", "tr"),
    DemoUser("tr.sales", "sales", "Türkiye", "Murat", "Demir", "tr"),
    DemoUser("pl.manager", "manager", "Poland", "Agnieszka", "Kowalska", "pl"),
    DemoUser("pl.sales", "sales", "Poland", "Tomasz", "Wiśniewski", "pl"),
    DemoUser("pl.readonly", "read_only", "Poland", "Zofia", "Nowak", "pl"),
    DemoUser("ro.manager", "manager", "Romania", "Andrei", "Popescu", "ro"),
    DemoUser("ro.sales", "sales", "Romania", "Ioana", "Stan", "ro"),
    DemoUser("intl.manager", "manager", "International", "Thomas", "Weber", "en"),
    DemoUser("intl.sales", "sales", "International", "Olga", "Smirnova", "en"),
    DemoUser("marketing", "marketing", None, "Deniz", "Aydın", "en"),
    DemoUser("analyst", "analyst", None, "Piotr", "Zieliński", "en"),
)

# Roles whose members own the team's records, with their shares. Each record is created by
# its owner through the import's bulk writer, so owners are roles that may import (a service
# agent works the team's records but owns none).
OWNER_WEIGHTS: dict[str, int] = {"manager": 2, "sales": 5}
