"""Request and response shapes of the activities API (activities, tasks, projects, calendar).

The bodies come from the declarations (`entities.py`) through `core/apikit/entity_schemas.py`;
this module adds what a declaration cannot say: who looks after a record (a task's `assignee`),
a meeting's participants and guests, moments that may be written without an offset (read in
the caller's time zone, `rules.user_zone`), a project's progress, and the list parameters.
References to other records are their public ids.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import TYPE_CHECKING, Annotated, Literal, TypeAlias

from pydantic import Field

from clientela.activities.entities import ACTIVITY, PROJECT, TASK
from clientela.activities.models import Channel, Priority, Project, TaskStatus
from clientela.activities.rules import MAX_ATTENDEES, MAX_DURATION_SECONDS, MAX_RECURRENCE_INTERVAL
from clientela.core.apikit.bodies import (
    NEXT_CURSOR,
    OWNER_PATTERN,
    PEOPLE,
    Limit,
    Out,
    PatchBody,
    Strict,
    TeamRef,
    UserRef,
    sort_param,
)
from clientela.core.apikit.entity_schemas import Bases, EntitySchemas, Property, choice_type, entity_schemas
from clientela.core.apikit.pagination import CURSOR_PATTERN
from clientela.core.apikit.text import SEARCH_TEXT, DateTimeParam, OptionalDay, QueryParams, text

MAX_TEXT = 20_000
MAX_CALENDAR_DAYS = 62
_PATCH_DOC = "Only the fields you send change."

# ISO 8601 as people write it: a date and a time to the minute (seconds and fractions optional),
# with an offset or `Z` — or without one, read in the caller's time zone (their profile's, else
# the site's). Years 1901 to 2198: within the range the actions accept, whatever the offset.
MOMENT_PATTERN = (
    r"^(?:19(?:0[1-9]|[1-9][0-9])|20[0-9]{2}|21(?:[0-8][0-9]|9[0-8]))-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?$"
)
_MOMENT_DOC = "ISO 8601, e.g. 2026-12-07T14:30:00+01:00; without an offset: in your time zone"
Moment = Annotated[str, Field(max_length=40, pattern=MOMENT_PATTERN, description=_MOMENT_DOC)]
Cursor = Annotated[str | None, Field(max_length=1000, pattern=CURSOR_PATTERN)]
Owner = Annotated[str | None, Field(pattern=OWNER_PATTERN, description="`me` or a user id")]
Email = Annotated[str, Field(max_length=254, pattern=r"^(?:[^@ \x00-\x1f\x7f]{1,64}@[^@ \x00-\x1f\x7f]{1,189})?$")]


class GuestIn(Strict):
    """A participant from outside the CRM: a name, an e-mail address, or both."""

    name: Annotated[str, text(200)] = ""
    email: Email = ""


class GuestOut(Out):
    name: str
    email: str


def _people_in() -> dict[str, Property]:
    return {name: PEOPLE[name][0] for name in ("owner", "team")}


def _people_out() -> dict[str, Property]:
    return {name: PEOPLE[name][1] for name in ("owner", "team")}


def _moments(*names: str) -> dict[str, Property]:
    return {name: (Moment | None, None) for name in names}


def _ids_out(*names: str) -> dict[str, Property]:
    return {name: (uuid.UUID | None, Field(description="The linked record's id (null: none, or one you cannot see)"))
            for name in names}  # fmt: skip


# --- activities ---------------------------------------------------------------------------------

# The declaration without `guests` (a list of people, not a column type the schema builder knows).
_ACTIVITY_FIELDS = dataclasses.replace(ACTIVITY, fields=tuple(f for f in ACTIVITY.fields if f.name != "guests"))
_ACTIVITY = entity_schemas(
    _ACTIVITY_FIELDS,
    bases=Bases(create=Strict, patch=PatchBody, out=Out),
    module=__name__,
    inputs={
        **_people_in(),
        **_moments("ends_at"),
        "occurred_at": (Moment | None, Field(default=None, description=_MOMENT_DOC + "; default: now")),
        "attendees": (
            Annotated[list[uuid.UUID], Field(max_length=MAX_ATTENDEES)],
            Field(default_factory=list, description="A meeting's participants among the contacts (their ids)"),
        ),
        "guests": (
            Annotated[list[GuestIn], Field(max_length=MAX_ATTENDEES)],
            Field(default_factory=list, description="Participants outside the CRM"),
        ),
    },
    summary_extra={
        **_people_out(),
        **_ids_out("contact", "organization", "deal"),
        "attendees": (list[uuid.UUID], Field(description="Participants (contacts) you can see")),
        "guests": (list[GuestOut], ...),
        "email": (uuid.UUID | None, Field(description="The e-mail this activity is (channel `email`), else null")),
    },
    limits={"body": {"max_length": MAX_TEXT}, "duration_seconds": {"le": MAX_DURATION_SECONDS}},
    patch_doc=_PATCH_DOC + " `attendees` and `guests`, when sent, replace the old ones.",
)

# --- tasks --------------------------------------------------------------------------------------

_TASK = entity_schemas(
    TASK,
    bases=Bases(create=Strict, patch=PatchBody, out=Out),
    module=__name__,
    inputs={
        "assignee": (uuid.UUID | None, Field(default=None, description="A user's id; default: you")),
        "team": PEOPLE["team"][0],
        **_moments("due_at", "remind_at"),
        "recurrence_until": (OptionalDay, Field(default=None, description="The last day an occurrence may fall on")),
    },
    summary_extra={
        "assignee": (UserRef | None, ...),
        "team": (TeamRef | None, ...),
        **_ids_out("contact", "organization", "deal", "project"),
        "completed_at": (dt.datetime | None, ...),
        "overdue": (bool, Field(description="Open and past its due moment")),
        "follows": (uuid.UUID | None, Field(description="The occurrence of a recurring task this one follows")),
        "next_occurrence": (uuid.UUID | None, Field(description="The occurrence made when this one was done")),
    },
    limits={
        "description": {"max_length": MAX_TEXT},
        "recurrence_interval": {"ge": 1, "le": MAX_RECURRENCE_INTERVAL},
    },
    patch_doc=_PATCH_DOC + " A changed `remind_at` is delivered again; `status` `done` completes the task"
    " (a recurring one gets its next occurrence).",
)

# --- projects -----------------------------------------------------------------------------------

_PROJECT = entity_schemas(
    PROJECT,
    bases=Bases(create=Strict, patch=PatchBody, out=Out),
    module=__name__,
    inputs={
        **_people_in(),
        "starts_on": (OptionalDay, None),
        "due_on": (OptionalDay, None),
    },
    summary_extra={
        **_people_out(),
        **_ids_out("organization", "deal"),
        "task_count": (int, Field(description="Its tasks, but for cancelled ones")),
        "done_count": (int, ...),
        "progress": (int, Field(ge=0, le=100, description="Percent of its tasks done")),
    },
    limits={"description": {"max_length": MAX_TEXT}},
    patch_doc=_PATCH_DOC,
)
SCHEMAS: dict[str, EntitySchemas] = {ACTIVITY.name: _ACTIVITY, TASK.name: _TASK, PROJECT.name: _PROJECT}

ACTIVITY_SORTS = ACTIVITY.sorts
TaskSortChoice = Literal["due_at", "-due_at", "title", "-title", "created_at", "-created_at"]
ProjectSortChoice = Literal["name", "-name", "due_on", "-due_on", "created_at", "-created_at"]

if TYPE_CHECKING:  # built at import time from the declarations: to mypy, bodies of their kind
    ActivityCreate: TypeAlias = Strict
    ActivityPatch: TypeAlias = PatchBody
    ActivitySummary: TypeAlias = Out
    ActivityOut: TypeAlias = Out
    TaskCreate: TypeAlias = Strict
    TaskPatch: TypeAlias = PatchBody
    TaskSummary: TypeAlias = Out
    TaskOut: TypeAlias = Out
    ProjectCreate: TypeAlias = Strict
    ProjectPatch: TypeAlias = PatchBody
    ProjectSummary: TypeAlias = Out
    ProjectOut: TypeAlias = Out
    ChannelChoice: TypeAlias = str
    TaskStatusChoice: TypeAlias = str
    PriorityChoice: TypeAlias = str
    ProjectStatusChoice: TypeAlias = str
    ActivitySort: TypeAlias = list[str]
else:
    ActivityCreate, ActivityPatch, ActivitySummary, ActivityOut = (
        getattr(_ACTIVITY, k) for k in ("create", "patch", "summary", "out")
    )
    TaskCreate, TaskPatch, TaskSummary, TaskOut = (getattr(_TASK, k) for k in ("create", "patch", "summary", "out"))
    ProjectCreate, ProjectPatch, ProjectSummary, ProjectOut = (
        getattr(_PROJECT, k) for k in ("create", "patch", "summary", "out")
    )
    ChannelChoice = choice_type(Channel.values, blank=False)
    TaskStatusChoice = choice_type(TaskStatus.values, blank=False)
    PriorityChoice = choice_type(Priority.values, blank=False)
    ProjectStatusChoice = choice_type(Project.Status.values, blank=False)
    ActivitySort = sort_param(ACTIVITY_SORTS, "-occurred_at")


class ActivityPage(Out):
    items: list[ActivitySummary]
    next_cursor: str | None = NEXT_CURSOR


class TaskPage(Out):
    items: list[TaskSummary]
    next_cursor: str | None = NEXT_CURSOR


class ProjectPage(Out):
    items: list[ProjectSummary]
    next_cursor: str | None = NEXT_CURSOR


# --- list parameters ------------------------------------------------------------------------------


class ActivityListParams(QueryParams):
    contact: uuid.UUID | None = Field(default=None, description="Its activities and the meetings it took part in")
    organization: uuid.UUID | None = None
    deal: uuid.UUID | None = None
    channel: ChannelChoice | None = None
    owner: Owner = None
    since: DateTimeParam = Field(default=None, description="Happened at or after this moment")
    until: DateTimeParam = Field(default=None, description="Happened before this moment")
    trash: bool = Field(default=False, description="List the trash instead")
    sort: ActivitySort = []
    cursor: Cursor = None
    limit: Limit = 50


class TaskListParams(QueryParams):
    assignee: Owner = None
    status: TaskStatusChoice | None = None
    priority: PriorityChoice | None = None
    due_before: DateTimeParam = Field(default=None, description="Due before this moment")
    due_after: DateTimeParam = Field(default=None, description="Due at or after this moment")
    contact: uuid.UUID | None = None
    organization: uuid.UUID | None = None
    deal: uuid.UUID | None = None
    project: uuid.UUID | None = None
    overdue: bool | None = Field(default=None, description="true: open tasks past their due moment")
    trash: bool = Field(default=False, description="List the trash instead")
    sort: TaskSortChoice = Field(default="due_at", description="Tasks without a due moment come last")
    cursor: Cursor = None
    limit: Limit = 50


class ProjectListParams(QueryParams):
    q: SEARCH_TEXT = Field(default=None, description="Words to find in the name")
    status: ProjectStatusChoice | None = None
    owner: Owner = None
    organization: uuid.UUID | None = None
    deal: uuid.UUID | None = None
    trash: bool = Field(default=False, description="List the trash instead")
    sort: ProjectSortChoice = Field(default="name", description="Projects without a due day come last")
    cursor: Cursor = None
    limit: Limit = 50


# --- the calendar ---------------------------------------------------------------------------------


class CalendarParams(QueryParams):
    start: Moment = Field(description=_MOMENT_DOC)
    end: Moment = Field(description=f"After `start`, at most {MAX_CALENDAR_DAYS} days later")
    user: uuid.UUID | None = Field(
        default=None, description="Whose calendar (one you may see: a manager their team's); default: yours"
    )


class CalendarOut(Out):
    start: dt.datetime
    end: dt.datetime
    user: UserRef
    meetings: list[ActivitySummary] = Field(description="Meetings that overlap the window, by start")
    tasks: list[TaskSummary] = Field(description="Tasks due in the window (but cancelled ones), by due moment")


class FeedOut(Out):
    url: str = Field(description="The secret address of your calendar as an ICS feed: shown this once")
