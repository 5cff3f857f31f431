"""A user's calendar feed: a secret address, shown once, kept as a hash (a new one revokes the old)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.db import transaction

from clientela.activities.models import CalendarFeed

if TYPE_CHECKING:
    from clientela.accounts.models import User


def calendar_feed_rotate(*, actor: User) -> str:
    """Give `actor` a new secret feed token (returned once); the previous address stops working."""
    token = "cal_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        CalendarFeed.objects.update_or_create(user=actor, defaults={"token_hash": CalendarFeed.hash_token(token)})
    return token
