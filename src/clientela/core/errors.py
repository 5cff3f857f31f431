"""Errors that actions raise and every interface turns into a clear message."""

from __future__ import annotations

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


class Conflict(ActionError):
    def __init__(self, detail: ConflictDetail, record: Any = None) -> None:
        self.detail = detail
        self.record = record
        super().__init__(
            f"the record changed since version {detail.expected_version} (now version {detail.current_version})"
        )
