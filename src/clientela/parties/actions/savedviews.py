"""A user's saved list views: the user's own preferences, not customer records, so they have
no version and no change-log entry; they are written here all the same, so every write of
the app has one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, ValidationFailed
from clientela.parties.models import (
    SavedView,
)
from clientela.parties.savedviews import saved_list

if TYPE_CHECKING:
    from clientela.accounts.models import User


# --- a user's own list preferences and import jobs ------------------------------------
# Neither is a customer record: they have no version and no change-log entry (the import's
# records are logged, each event naming its job). They are written here all the same, so
# every write of the app has one place.

MAX_SAVED_VIEWS = 100


def saved_view_save(*, user: User, entity: str, name: str, query_string: str, is_shared: bool) -> SavedView:
    """Create the view, or replace the user's view of the same name."""

    name = name.replace("\x00", "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed([FieldError("name", "invalid", _("a view name is 1 to 80 characters"))])
    listed = saved_list(entity)
    if listed is None:
        raise ValidationFailed([FieldError("entity", "invalid", _("no list keeps saved views of this kind"))])
    query = listed.clean(query_string)
    with transaction.atomic():
        existing = SavedView.objects.select_for_update().filter(user=user, entity=entity, name=name).first()
        if existing is not None:
            existing.query_string = query
            existing.is_shared = is_shared
            existing.save(update_fields=["query_string", "is_shared"])
            return existing
        if SavedView.objects.filter(user=user).count() >= MAX_SAVED_VIEWS:
            raise ValidationFailed(
                [FieldError("name", "too_many", _("you can keep at most %(count)d views") % {"count": MAX_SAVED_VIEWS})]
            )
        return SavedView.objects.create(user=user, entity=entity, name=name, query_string=query, is_shared=is_shared)


def saved_view_delete(*, user: User, entity: str, pk: int) -> bool:
    """Delete the user's own view; False when there is no such view of theirs."""
    deleted, _count = SavedView.objects.filter(user=user, entity=entity, pk=pk).delete()
    return deleted > 0
