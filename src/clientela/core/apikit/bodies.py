"""The shapes every app's API bodies share: strict request bodies (unknown properties are
an error), PATCH bodies that document no defaults, plain response models, how a body names
who looks after a record (owner and team), list limits and sort parameters."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal, TypeAlias

from django.conf import settings
from ninja import Schema
from pydantic import BaseModel, ConfigDict, Field

Property: TypeAlias = tuple[Any, Any]


class Strict(Schema):
    model_config = ConfigDict(extra="forbid")


def _no_defaults(schema: dict[str, Any]) -> None:
    """A PATCH body documents no defaults: a field you leave out stays as it is."""
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class PatchBody(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_no_defaults)


# Plain pydantic models: the API builds response dicts itself, so ninja's ORM-attribute
# resolution (which costs ~5x per object in a 50-row list) is not needed.
class Out(BaseModel):
    pass


class UserRef(Out):
    id: uuid.UUID
    username: str
    display_name: str


class TeamRef(Out):
    id: uuid.UUID
    name: str


def user_ref(user: Any) -> dict[str, Any] | None:
    """A user as a body shows them (`UserRef`)."""
    if user is None:
        return None
    return {"id": user.public_id, "username": user.username, "display_name": user.display_name}


def team_ref(team: Any) -> dict[str, Any] | None:
    """A team as a body shows it (`TeamRef`)."""
    return None if team is None else {"id": team.public_id, "name": team.name}


# Who looks after a record, as a request sets it and a response shows it.
PEOPLE: dict[str, tuple[Property, Property]] = {
    "owner": ((uuid.UUID | None, Field(default=None, description="A user's id; default: you")), (UserRef | None, ...)),
    "team": (
        (uuid.UUID | None, Field(default=None, description="A team's id; default: your team")),
        (TeamRef | None, ...),
    ),
}

_HEX = "[0-9a-fA-F]"
OWNER_PATTERN = rf"^(me|{_HEX}{{8}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{4}}-?{_HEX}{{12}})$"
Limit = Annotated[int, Field(ge=1, le=settings.API_MAX_PAGE_SIZE)]
NEXT_CURSOR = Field(description="Pass as `cursor` for the next page; null on the last page")


def sort_param(fields: tuple[str, ...], default: str) -> Any:
    """A list's `sort` parameter: any of `fields`, ascending or with `-` descending."""
    signed = tuple(f"{sign}{name}" for name in fields for sign in ("", "-"))
    return Annotated[
        list[Literal[signed]],  # type: ignore[valid-type]
        Field(
            max_length=3,
            description=f"Repeat for several keys, `-` for descending (default {default}); ties break by id",
        ),
    ]
