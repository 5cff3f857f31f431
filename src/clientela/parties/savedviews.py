"""Saved views: a user's named list filters, optionally shared with everyone (reads;
the writes are `actions.saved_view_save` / `saved_view_delete`).

A saved view is a personal preference, not a customer record, so it has no
version or change-log entry; only its owner may replace or delete it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from clientela.parties.models import SavedView

if TYPE_CHECKING:
    from clientela.accounts.models import User


def saved_views(user: User, entity: str) -> list[SavedView]:
    """The user's own views and everyone's shared ones."""
    return list(
        SavedView.objects.filter(Q(user=user) | Q(is_shared=True), entity=entity)
        .select_related("user")
        .order_by("name")
    )
