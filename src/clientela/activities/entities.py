"""Activities, tasks and projects, each declared once (see `core/entities.py`): the fields an
action accepts, the API's bodies and the page forms come from these declarations."""

from __future__ import annotations

from clientela.activities.models import Activity, Project, Task
from clientela.core.entities import Entity, Field, declare

# fmt: off
ACTIVITY = declare(
    Entity(
        name="activity",
        model=Activity,
        name_field="channel",
        fields=(
            Field("channel", required_choice=True), Field("direction", required_choice=True), Field("subject"),
            Field("body"), Field("purpose"), Field("outcome"), Field("occurred_at"), Field("ends_at"),
            Field("duration_seconds"), Field("place"), Field("guests", imported=False),
        ),
        references=(Field("contact"), Field("organization"), Field("deal")),
        collections=("attendees",),
        sorts=("occurred_at", "channel"),
        form_layout=(
            "channel", "direction", "occurred_at", "duration_seconds", "subject", "purpose", "outcome", "body",
            "place", "ends_at",
        ),
    )
)

TASK = declare(
    Entity(
        name="task",
        model=Task,
        name_field="title",
        fields=(
            Field("title"), Field("description"), Field("due_at"), Field("priority", required_choice=True),
            Field("status", required_choice=True), Field("recurrence"), Field("recurrence_interval"),
            Field("recurrence_until"), Field("remind_at"),
        ),
        references=(Field("contact"), Field("organization"), Field("deal"), Field("project")),
        sorts=("due_at", "priority", "title", "created_at"),
        form_layout=(
            "title", "due_at", "priority", "remind_at", "recurrence", "recurrence_interval", "recurrence_until",
            "description",
        ),
    )
)

PROJECT = declare(
    Entity(
        name="project",
        model=Project,
        name_field="name",
        fields=(
            Field("name"), Field("description"), Field("status", required_choice=True), Field("starts_on"),
            Field("due_on"),
        ),
        references=(Field("organization"), Field("deal")),
        sorts=("name", "due_on", "created_at"),
    )
)
# fmt: on
