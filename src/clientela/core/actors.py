"""What core needs of a user, without importing the accounts app that defines users.

`core` is the base layer: the write path, the change log and visibility take the
signed-in user as an `Actor` — anything with these attributes (accounts.User is one).
"""

from __future__ import annotations

from typing import Any, Protocol


class Policy(Protocol):
    """What a role allows (accounts/roles.py `RolePolicy`)."""

    @property
    def visibility(self) -> str: ...
    @property
    def can_write(self) -> bool: ...
    @property
    def can_delete(self) -> bool: ...
    @property
    def can_import(self) -> bool: ...
    @property
    def can_export(self) -> bool: ...
    @property
    def can_administer(self) -> bool: ...


class Actor(Protocol):
    """The user on whose behalf something is read or written."""

    pk: Any
    team_id: Any
    is_active: bool

    @property
    def policy(self) -> Policy: ...
    @property
    def display_name(self) -> str: ...
