"""A task's reminder, delivered once: the worker that claims it (a conditional update that only
one transaction can make) writes the in-app notification; its e-mail is marked sent once."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from clientela.activities.models import Notification, Task, TaskStatus

if TYPE_CHECKING:
    from clientela.accounts.models import User


def reminder_claim(*, task_id: int, link: str = "") -> Notification | None:
    """Deliver the reminder of task `task_id` if it is due and not delivered yet: mark it
    delivered and write its notification for the assignee, in one transaction. Of several
    workers trying at once exactly one gets the notification; the others get None."""
    now = timezone.now()
    with transaction.atomic():
        claimed = Task.objects.filter(
            pk=task_id, status=TaskStatus.OPEN, reminded_at__isnull=True, remind_at__lte=now, owner__isnull=False
        ).update(reminded_at=now)
        if not claimed:
            return None
        task = Task.objects.select_related("owner").get(pk=task_id)
        with override(task.owner.language or None):
            text = _("Reminder: %(title)s") % {"title": task.title}
        try:
            with transaction.atomic():
                return Notification.objects.create(user=task.owner, task=task, text=text[:300], link=link)
        except IntegrityError:  # a notification for this task and user exists (a reminder set again)
            Notification.objects.filter(task=task, user=task.owner).update(
                text=text[:300], read_at=None, created_at=now, emailed_at=None
            )
            return Notification.objects.get(task=task, user=task.owner)


def reminder_emailed(*, notification_id: int) -> bool:
    """Claim the sending of a reminder's e-mail: True for the one caller that may send it."""
    return bool(
        Notification.objects.filter(pk=notification_id, emailed_at__isnull=True).update(emailed_at=timezone.now())
    )


def reminder_email_failed(*, notification_id: int) -> None:
    """The e-mail could not be sent: let a later try claim it again."""
    Notification.objects.filter(pk=notification_id).update(emailed_at=None)


def notification_read(*, actor: User, notification_id: int) -> bool:
    return bool(
        Notification.objects.filter(Q(pk=notification_id), user=actor, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    )


def notifications_read_all(*, actor: User) -> int:
    return Notification.objects.filter(user=actor, read_at__isnull=True).update(read_at=timezone.now())
