"""Options the import commands share."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.core.management.base import CommandError

from clientela.accounts import queries as accounts_queries
from clientela.core.errors import NotFound, PermissionDenied
from clientela.parties.importing.mapping import MappingError
from clientela.parties.importing.reading import ImportFileError

if TYPE_CHECKING:
    from clientela.accounts.models import User


def actor_named(username: str) -> User:
    """The user an import acts as (`--as USERNAME`)."""
    try:
        return accounts_queries.user_by_username(username)
    except NotFound:
        raise CommandError(f"no user named {username!r}") from None


@contextmanager
def import_refusals(username: str) -> Iterator[None]:
    """A file, a mapping or a user an import cannot go on with, as the command's one-line error."""
    try:
        yield
    except (ImportFileError, MappingError) as error:
        raise CommandError(str(error)) from None
    except PermissionDenied as error:
        raise CommandError(f"{username}: {error}") from None


def existing_file(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        raise CommandError(f"no such file: {path}")
    return path


def parse_mapping(text: str | None) -> dict[str, Any] | None:
    """A JSON object given inline or as the path of a JSON file."""
    if not text:
        return None
    source = text
    if not text.lstrip().startswith("{"):
        try:
            source = Path(text).read_text(encoding="utf-8-sig")
        except OSError as error:
            raise CommandError(f"--mapping: cannot read {text}: {error.strerror}") from None
    try:
        mapping = json.loads(source)
    except json.JSONDecodeError as error:
        raise CommandError(f"--mapping is not valid JSON: {error.msg} (line {error.lineno})") from None
    if not isinstance(mapping, dict):
        raise CommandError('--mapping must be a JSON object: {"column header": "field", ...}')
    return mapping
