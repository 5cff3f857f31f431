"""REST endpoints of the change log (/api/v1/events) and the health check.

The log is scoped like the records: a user sees the events of records that were
theirs or their team's when the event was written (roles that see all records see
every event). Asking for one record's history also shows its whole history when
the caller can see the record now. Account events (users, tokens) are for
administrators only.

An event names other records by reference, rendered for the caller (`core/references.py`):
a reference field (an organization's parent) is the other record's id when the caller may
see it and null when not; a value naming records (the other side of a relationship, a
contact's organizations) is text, with "a record you cannot see" for what the caller may not.
"""

import datetime as dt
import uuid
from typing import Annotated, Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Query, Router
from pydantic import BaseModel, Field

from clientela.core import recordtypes, references
from clientela.core.apikit.auth import caller
from clientela.core.apikit.errors import COMMON
from clientela.core.apikit.pagination import CURSOR_PATTERN, SortKey, paginate
from clientela.core.apikit.text import QueryParams
from clientela.core.errors import NotFound
from clientela.core.models import Event
from clientela.core.visibility import Visibility

events = Router(tags=["events"])
health = Router(tags=["health"])


class ActorOut(BaseModel):
    id: uuid.UUID
    username: str
    display_name: str


class EventOut(BaseModel):
    id: int
    occurred_at: dt.datetime
    actor: ActorOut | None
    action: str
    kind: str
    record_type: str
    record_id: uuid.UUID
    record_label: str
    version: int | None
    changes: dict[str, Any]
    source: str


class EventPage(BaseModel):
    items: list[EventOut]
    next_cursor: str | None


class EventParams(QueryParams):
    record_type: Annotated[str | None, Field(max_length=80, pattern=r"^[a-z_]+\.[a-z_]+$")] = Field(
        default=None, description='e.g. "parties.contact"'
    )
    record_id: uuid.UUID | None = None
    action: Annotated[str | None, Field(max_length=80, pattern=r"^[a-z_]+\.[a-z_]+$")] = Field(
        default=None, description='e.g. "contact.update"'
    )
    since: Annotated[int | None, Field(ge=0, le=2**62)] = Field(
        default=None, description="The sync feed: events after this event id, oldest first"
    )
    cursor: Annotated[str | None, Field(max_length=200, pattern=CURSOR_PATTERN)] = None
    limit: Annotated[int, Field(ge=1, le=500)] = 100


def _at_event_scope(user: Any) -> Q | None:
    """Events the caller may see by the record's owner and team when it was written; None = all."""
    if not user.is_active:
        return Q(pk__in=[])
    policy = user.policy
    condition: Q | None = None
    if policy.visibility != Visibility.ALL:
        condition = Q(owner_id_at_event=user.pk) | Q(record_type__in=recordtypes.public_types())
        if policy.visibility == Visibility.TEAM and user.team_id is not None:
            condition |= Q(team_id_at_event=user.team_id)
    if not policy.can_administer:
        not_accounts = ~Q(record_type__in=recordtypes.admin_only_types())
        condition = not_accounts if condition is None else condition & not_accounts
    return condition


def _visible_now(user: Any, record_type: str, record_id: uuid.UUID) -> bool:
    registered = recordtypes.get(record_type)
    if registered is None or registered.scoped_get is None:
        return False
    try:
        registered.scoped_get(user, record_id, include_trash=True)
    except NotFound:
        return False
    return True


def events_visible(user: Any, params: EventParams) -> QuerySet[Event]:
    queryset = Event.objects.select_related("actor")
    if params.record_type:
        queryset = queryset.filter(record_type=params.record_type)
    if params.record_id:
        queryset = queryset.filter(record_id=params.record_id)
    if params.action:
        queryset = queryset.filter(action=params.action)
    if params.since is not None:
        queryset = queryset.filter(id__gt=params.since)
    scope = _at_event_scope(user)
    whole_history = (
        params.record_type is not None
        and params.record_id is not None
        and user.policy.visibility != Visibility.ALL
        and _visible_now(user, params.record_type, params.record_id)
    )
    if scope is not None and not whole_history:
        queryset = queryset.filter(scope)
    return queryset


def _event_out(event: Event, names: references.Names) -> dict[str, Any]:
    actor = event.actor
    return {
        "id": event.id,
        "occurred_at": event.occurred_at,
        "actor": None
        if actor is None
        else {"id": actor.public_id, "username": actor.username, "display_name": actor.display_name},
        "action": event.action,
        "kind": event.kind,
        "record_type": event.record_type,
        "record_id": event.record_id,
        "record_label": event.record_label,
        "version": event.version,
        "changes": references.shown_changes(event, names, ids=True),
        "source": event.source,
    }


@events.get("", response={200: EventPage, **COMMON}, summary="The change log and sync feed")
def event_list(request: HttpRequest, params: Query[EventParams]) -> dict[str, Any]:
    """Newest first; with `since=<event id>` oldest first from there (the sync feed: keep the last id
    you processed and ask again). Filter one record's history with `record_type` and `record_id`."""
    user = caller(request)
    keys = [SortKey("id", descending=params.since is None)]
    page = paginate(events_visible(user, params), keys=keys, cursor=params.cursor, limit=params.limit)
    names = references.names_for(user, page.items)
    return {"items": [_event_out(e, names) for e in page.items], "next_cursor": page.next_cursor}


class HealthOut(BaseModel):
    status: str


@health.get("", response={200: HealthOut}, auth=None, summary="Liveness check")
def health_check(request: HttpRequest) -> dict[str, str]:
    """Answers without touching the database: for load balancers (and as the benchmark's baseline)."""
    return {"status": "ok"}
