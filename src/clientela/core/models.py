"""The base every domain record stands on, and the one change log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from clientela.core.choices import TextChoices
from clientela.core.ids import uuid7

# Stamps (`_user_stamp`). Who created, changed or trashed a record, and who acted in an event, are stamps written by the
# write path from the signed-in (existing) user, never from input, and users are deactivated rather
# than deleted (Django's collector still sets the stamps to NULL if one is). So the database does not
# re-check them: a foreign-key check is a trigger per row, which for a bulk import costs more than
# writing the row (see docs/import-export.md). Owner and team, which come from input, stay checked.


def _user_stamp() -> models.ForeignKey:
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )


class LiveManager(models.Manager):
    """Records not in the trash."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class Record(models.Model):
    """Fields every domain record carries.

    `version` grows by one on every change; a write that names an older version is
    a conflict (see `clientela.core.records.update_record`). `deleted_at` marks a
    record in the trash: restorable, hidden from ordinary queries.
    """

    public_id = models.UUIDField(default=uuid7, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # Sorted on through (updated_at, id) indexes declared per model where lists need them.
    updated_at = models.DateTimeField(auto_now=True)
    created_by = _user_stamp()
    updated_by = _user_stamp()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("team"),
        # Each concrete model declares a (team, owner) index, which serves team look-ups too.
        db_index=False,
    )
    version = models.PositiveIntegerField(default=1)
    # Only the trash looks records up by deletion: each model indexes the deleted rows alone.
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = _user_stamp()

    objects = LiveManager()
    all_objects = models.Manager()  # noqa: DJ012 - the trash-aware default manager comes first

    class Meta:
        abstract = True
        base_manager_name = "all_objects"

    @classmethod
    def record_type(cls) -> str:
        return cls._meta.label_lower

    @property
    def in_trash(self) -> bool:
        return self.deleted_at is not None


class Event(models.Model):
    """One entry of the append-only change log.

    Every action appends exactly one event per record it touches: the audit trail,
    a record's history, the timeline, the sync feed and webhooks all read it. The
    auto-increment id is the feed's cursor.
    """

    class Kind(TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        TRASHED = "trashed", _("moved to trash")
        RESTORED = "restored", _("restored")
        MERGED = "merged", _("merged")
        ERASED = "erased", _("erased")
        OTHER = "other", _("other")

    id = models.BigAutoField(primary_key=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = _user_stamp()
    # "contact.update", "organization.merge", ... the action that wrote it.
    action = models.CharField(max_length=80)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    record_type = models.CharField(max_length=80)
    record_id = models.UUIDField()
    record_label = models.CharField(max_length=300, blank=True)
    # Visibility of the record when the event was written, so the feed can be scoped.
    owner_id_at_event = models.BigIntegerField(null=True, blank=True)
    team_id_at_event = models.BigIntegerField(null=True, blank=True)
    # {"field": [old, new]} for the fields this action changed; other records by reference,
    # never by name, rendered for each reader (core/references.py).
    changes = models.JSONField(default=dict, blank=True)
    # Anything else worth keeping: merge sources, import job, request id.
    data = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    source = models.CharField(max_length=20, default="web")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["record_type", "record_id", "id"], name="event_record_idx"),
            models.Index(fields=["actor", "id"], name="event_actor_idx"),
            models.Index(fields=["action", "id"], name="event_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.record_type}:{self.record_id}"


class IdempotencyKey(models.Model):
    """Remembers a POST made with an `Idempotency-Key`, so a replay returns the
    first result and the same key with another body is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response_body = models.BinaryField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.key}]"
