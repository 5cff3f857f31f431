"""Every interaction with a customer, and the work that follows from it.

An `Activity` is one contact with a customer through any channel — a call, an e-mail, an
SMS, a fax, a letter, a meeting, a web visit or form, a chat — or a note about them, with
its purpose, linked to a contact, an organization and a deal. The 360° timeline shows them
beside the change log. A `Task` is work to do by a moment (with a priority, an assignee, a
recurrence and a reminder); a `Project` groups tasks and shows their progress. A reminder
the worker delivers is a `Notification` in the app (and an e-mail), once.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.core.choices import TextChoices
from clientela.core.models import Record


class Channel(TextChoices):
    CALL = "call", _("Call")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    FAX = "fax", _("Fax")
    LETTER = "letter", _("Letter")
    MEETING = "meeting", _("Meeting")
    WEB = "web", _("Web visit or form")
    CHAT = "chat", _("Chat")
    NOTE = "note", _("Note")


class Direction(TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")
    INTERNAL = "internal", pgettext_lazy("direction of an activity", "Internal")


class CallOutcome(TextChoices):
    """The usual results of a call; anything else is free text in `outcome`."""

    ANSWERED = "answered", _("Answered")
    MISSED = "missed", _("Missed")
    VOICEMAIL = "voicemail", _("Left a voicemail")
    BUSY = "busy", _("Busy")
    NO_ANSWER = "no_answer", _("No answer")


class Activity(Record):
    """One interaction with a customer, or a note about them, on the timeline."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("text"), blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    outcome = models.CharField(_("outcome"), max_length=200, blank=True)
    # When it happened (a meeting: when it starts; ends_at when it ends).
    occurred_at = models.DateTimeField(_("when"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=200, blank=True)
    contact = models.ForeignKey(
        "parties.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="activities",
        verbose_name=_("contact"), db_index=False,
    )  # fmt: skip
    organization = models.ForeignKey(
        "parties.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="activities",
        verbose_name=_("organization"), db_index=False,
    )  # fmt: skip
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.PROTECT, related_name="activities",
        verbose_name=_("deal"), db_index=False,
    )  # fmt: skip
    # A meeting's other participants among the contacts, and people outside the CRM by address.
    attendees = models.ManyToManyField(
        "parties.Contact", blank=True, related_name="meetings", verbose_name=_("participants")
    )
    guests = models.JSONField(_("other participants"), default=list, blank=True)
    # Where it came from outside (a telephony call id, a web form submission): logged once.
    source = models.CharField(_("source"), max_length=40, blank=True)
    external_id = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["team", "owner"], name="activity_scope_idx"),
            # The timelines, newest first, a page at a time (keyset on occurred_at, id).
            models.Index(fields=["contact", "occurred_at", "id"], name="activity_contact_idx"),
            models.Index(fields=["organization", "occurred_at", "id"], name="activity_org_idx"),
            models.Index(fields=["deal", "occurred_at", "id"], name="activity_deal_idx"),
            models.Index(fields=["owner", "channel", "occurred_at"], name="activity_calendar_idx"),
            models.Index(
                fields=["deleted_at"], name="activity_trash_idx", condition=models.Q(deleted_at__isnull=False)
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"], condition=~models.Q(external_id=""), name="activity_external_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__isnull=True) | models.Q(ends_at__gte=models.F("occurred_at")),
                name="activity_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.get_channel_display()


class Project(Record):
    """A piece of work made of tasks, with its progress (tasks done of all)."""

    class Status(TextChoices):
        ACTIVE = "active", _("Active")
        ON_HOLD = "on_hold", _("On hold")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    starts_on = models.DateField(_("starts"), null=True, blank=True)
    due_on = models.DateField(_("due"), null=True, blank=True)
    organization = models.ForeignKey(
        "parties.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="projects",
        verbose_name=_("organization"),
    )  # fmt: skip
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.PROTECT, related_name="projects",
        verbose_name=_("deal"),
    )  # fmt: skip

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="project_scope_idx"),
            models.Index(fields=["deleted_at"], name="project_trash_idx", condition=models.Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.name


class Priority(TextChoices):
    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class TaskStatus(TextChoices):
    OPEN = "open", pgettext_lazy("status of a task", "Open")
    DONE = "done", pgettext_lazy("status of a task", "Done")
    CANCELLED = "cancelled", pgettext_lazy("status of a task", "Cancelled")


class Recurrence(TextChoices):
    NONE = "", _("Does not repeat")
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    YEARLY = "yearly", _("Yearly")


class Task(Record):
    """Work to do by a moment. The owner is who it is assigned to (the assignee). A recurring
    task, done, is followed by its next occurrence. Its reminder is delivered once, at
    `remind_at`, in the app and by e-mail (`reminded_at` says it was)."""

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    recurrence = models.CharField(_("repeats"), max_length=8, choices=Recurrence.choices, default="", blank=True)
    recurrence_interval = models.PositiveSmallIntegerField(_("every"), default=1)
    recurrence_until = models.DateField(_("repeats until"), null=True, blank=True)
    # The occurrence this one follows (a recurring series is a chain).
    follows = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="next_occurrence"
    )
    remind_at = models.DateTimeField(_("remind at"), null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", verbose_name=_("project")
    )
    contact = models.ForeignKey(
        "parties.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks",
        verbose_name=_("contact"),
    )  # fmt: skip
    organization = models.ForeignKey(
        "parties.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks",
        verbose_name=_("organization"),
    )  # fmt: skip
    deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("deal")
    )
    # The activity it came from (a missed call's call-back) or that closed it.
    activity = models.ForeignKey(
        Activity, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", verbose_name=_("activity")
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="task_scope_idx"),
            # "My tasks" and the overdue list: a user's open tasks by due moment.
            models.Index(fields=["owner", "due_at", "id"], name="task_open_idx", condition=models.Q(status="open")),
            # The worker's sweep of reminders not yet delivered.
            models.Index(
                fields=["remind_at"],
                name="task_reminder_idx",
                condition=models.Q(reminded_at__isnull=True, remind_at__isnull=False, status="open"),
            ),  # fmt: skip
            models.Index(fields=["deleted_at"], name="task_trash_idx", condition=models.Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title


class Notification(models.Model):
    """A message for one user in the app (a task's reminder): unread until they open it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications")
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "created_at"], name="notification_unread_idx",
                         condition=models.Q(read_at__isnull=True)),
        ]  # fmt: skip
        constraints = [
            # One reminder per task and user, whatever the number of workers.
            models.UniqueConstraint(fields=["task", "user"], condition=models.Q(task__isnull=False),
                                    name="notification_one_per_task"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return self.text


class CalendarFeed(models.Model):
    """A user's secret address for their calendar as an ICS feed (regenerated to revoke)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"calendar feed of {self.user_id}"

    @staticmethod
    def hash_token(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()
