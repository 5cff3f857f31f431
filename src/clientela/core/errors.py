"""Errors that actions and endpoints raise and every interface turns into a clear message.

This module imports nothing of the project, so every layer may raise these and the API's
error handler (core/apikit/errors.py) turns each into the one JSON error shape without
knowing which app raised it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "code": self.code, "message": str(self.message)}


class ActionError(Exception):
    """Base of the errors an action raises; nothing has been written when it does."""


class ValidationFailed(ActionError):
    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in errors))

    @classmethod
    def single(cls, field_name: str, code: str, message: str) -> ValidationFailed:
        return cls([FieldError(field_name, code, message)])


class Refused(ActionError):
    """An action refused for a reason the user can act on, with details to show.

    Subclasses set `status` (the HTTP status the API answers), `code` and `message`,
    and put what the interface shows beside the message in `details()` (e.g. the
    duplicate candidates of a create).
    """

    status = 409
    code = "refused"
    message = ""

    def details(self) -> dict[str, Any]:
        return {}


class PermissionDenied(ActionError):
    pass


class NotFound(ActionError):
    pass


@dataclass
class ConflictDetail:
    """What happened to a record since the version the writer had seen."""

    expected_version: int
    current_version: int
    # field -> [value at the writer's version, current value], with who changed it
    their_changes: dict[str, list[Any]] = field(default_factory=dict)
    their_actors: list[str] = field(default_factory=list)
    # fields both sides changed to different values
    overlapping: list[str] = field(default_factory=list)
    # field -> who changed it (a JSON object field's keys as "<field>.<key>")
    their_actors_by_field: dict[str, list[str]] = field(default_factory=dict)


class Conflict(ActionError):
    def __init__(self, detail: ConflictDetail, record: Any = None) -> None:
        self.detail = detail
        self.record = record
        super().__init__(
            f"the record changed since version {detail.expected_version} (now version {detail.current_version})"
        )


class ApiError(Exception):
    """An error an endpoint raises directly (not through an action): a status and field errors."""

    def __init__(self, status: int, errors: Iterable[FieldError], headers: dict[str, str] | None = None) -> None:
        self.status = status
        self.errors = list(errors)
        self.headers = headers or {}
        super().__init__("; ".join(f"{e.field}: {e.message}" for e in self.errors))

    @classmethod
    def single(cls, status: int, field: str, code: str, message: str) -> ApiError:
        return cls(status, [FieldError(field, code, message)])
