"""REST endpoint of the caller's own account (/api/v1/users/me)."""

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import BaseModel

from clientela.core.apikit.auth import caller
from clientela.core.apikit.errors import COMMON

router = Router(tags=["users"])


class TeamOut(BaseModel):
    id: uuid.UUID
    name: str
    country: str


class PermissionsOut(BaseModel):
    visibility: str
    can_write: bool
    can_delete: bool
    can_import: bool
    can_export: bool
    can_administer: bool


class MeOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str
    email: str
    first_name: str
    last_name: str
    role: str
    team: TeamOut | None
    language: str
    permissions: PermissionsOut


@router.get("/me", response={200: MeOut, **COMMON}, summary="Who am I")
def me(request: HttpRequest) -> dict[str, Any]:
    user = caller(request)
    policy = user.policy
    return {
        "id": user.public_id,
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "role": user.role,
        "team": None
        if user.team is None
        else {"id": user.team.public_id, "name": user.team.name, "country": user.team.country},
        "language": user.language,
        "permissions": {
            "visibility": str(policy.visibility),
            "can_write": policy.can_write,
            "can_delete": policy.can_delete,
            "can_import": policy.can_import,
            "can_export": policy.can_export,
            "can_administer": policy.can_administer,
        },
    }
