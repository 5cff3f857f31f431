"""Saved views: a user's named list filters, optionally shared with everyone.

A saved view is a personal preference, not a customer record, so it has no
version or change-log entry; only its owner may replace or delete it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from clientela.core.errors import FieldError, ValidationFailed
from clientela.parties.listing import clean_query_string
from clientela.parties.models import SavedView

if TYPE_CHECKING:
    from clientela.accounts.models import User

MAX_PER_USER = 100


def saved_views(user: User, entity: str) -> list[SavedView]:
    """The user's own views and everyone's shared ones."""
    return list(
        SavedView.objects.filter(Q(user=user) | Q(is_shared=True), entity=entity)
        .select_related("user")
        .order_by("name")
    )


def saved_view_save(*, user: User, entity: str, name: str, query_string: str, is_shared: bool) -> SavedView:
    """Create the view, or replace the user's view of the same name."""
    name = name.replace("\x00", "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed([FieldError("name", "invalid", "a view name is 1 to 80 characters")])
    query = clean_query_string(entity, query_string)
    existing = SavedView.objects.filter(user=user, entity=entity, name=name).first()
    if existing is not None:
        existing.query_string = query
        existing.is_shared = is_shared
        existing.save(update_fields=["query_string", "is_shared"])
        return existing
    if SavedView.objects.filter(user=user).count() >= MAX_PER_USER:
        raise ValidationFailed([FieldError("name", "too_many", f"you can keep at most {MAX_PER_USER} views")])
    return SavedView.objects.create(user=user, entity=entity, name=name, query_string=query, is_shared=is_shared)


def saved_view_delete(*, user: User, entity: str, pk: int) -> bool:
    """Delete the user's own view; False when there is no such view of theirs."""
    deleted, _ = SavedView.objects.filter(user=user, entity=entity, pk=pk).delete()
    return deleted > 0
