"""Saved views: a user's named list filters, optionally shared with everyone (reads;
the writes are `actions.saved_view_save` / `saved_view_delete`).

A saved view is a personal preference, not a customer record, so it has no
version or change-log entry; only its owner may replace or delete it.

Any app's list can keep saved views: it registers the list under its entity's key with
`register_list` (in `AppConfig.ready()`), saying how a query string is reduced to the filters
the list understands and where the list lives. Parties registers contacts and organizations;
the sales app registers deals. Parties knows nothing of the others' lists.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q

from clientela.parties.models import SavedView

if TYPE_CHECKING:
    from clientela.accounts.models import User


@dataclass(frozen=True)
class SavedList:
    clean: Callable[[str], str]  # a query string reduced to the filters the list understands
    path: Callable[[], str]  # the list page's path


_LISTS: dict[str, SavedList] = {}


def register_list(entity: str, *, clean: Callable[[str], str], path: Callable[[], str]) -> None:
    _LISTS[entity] = SavedList(clean, path)


def saved_list(entity: str) -> SavedList | None:
    """The registered list of `entity`; None for a key no app registered."""
    return _LISTS.get(entity)


def saved_views(user: User, entity: str) -> list[SavedView]:
    """The user's own views and everyone's shared ones."""
    return list(
        SavedView.objects.filter(Q(user=user) | Q(is_shared=True), entity=entity)
        .select_related("user")
        .order_by("name")
    )
