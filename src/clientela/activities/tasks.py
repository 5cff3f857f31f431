"""Background work of the activities app, run by the job worker (`clientela worker`, and so by
README command 1): task reminders, delivered at their moment, once, in the app and by e-mail."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from clientela.activities import actions, queries
from clientela.activities.models import Notification, Task
from clientela.activities.rules import user_zone

logger = logging.getLogger(__name__)
REMINDER_PRIORITY = 50  # a person waits for it at its moment
EMAIL_RETRY_MINUTES = (1, 5, 15)


def schedule_reminder(task_record: Task) -> None:
    """Have the worker deliver `task_record`'s reminder at its moment (the housekeeping sweep
    catches any that a lost job or a changed moment left behind)."""
    moment = task_record.remind_at
    if moment is None:
        return
    job = deliver_reminder.using(run_after=moment) if moment > timezone.now() else deliver_reminder
    job.enqueue(task_record.pk)


def _deliver(task_id: int) -> bool:
    link = ""
    public_id = Task.objects.filter(pk=task_id).values_list("public_id", flat=True).first()
    if public_id is not None:
        link = reverse("activities:task_detail", args=[public_id])
    notification = actions.reminder_claim(task_id=task_id, link=link)
    if notification is None:
        return False
    send_reminder_email.enqueue(notification.pk, 0)
    return True


@task(priority=REMINDER_PRIORITY)
def deliver_reminder(task_id: int) -> str:
    """Deliver one task's reminder if its moment has come and nobody delivered it yet."""
    return "delivered" if _deliver(task_id) else "nothing to deliver"


def deliver_due_reminders() -> str | None:
    """A housekeeping check: deliver every reminder whose moment has passed (each once)."""
    delivered = sum(_deliver(task_id) for task_id in queries.reminders_due())
    return f"{delivered} reminders delivered" if delivered else None


def reminder_text(notification: Notification) -> tuple[str, str]:
    """The reminder e-mail's subject and text, in the assignee's language and time zone."""
    task_record = notification.task
    user = notification.user
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = _("Reminder: %(title)s") % {"title": task_record.title if task_record else notification.text}
        lines = [subject]
        if task_record is not None and task_record.due_at is not None:
            due = timezone.localtime(task_record.due_at, user_zone(user))
            lines.append(_("Due: %(moment)s") % {"moment": due.strftime("%Y-%m-%d %H:%M %Z")})
        if task_record is not None and task_record.description:
            lines += ["", task_record.description]
        if notification.link:
            lines += ["", settings.CLIENTELA_SITE_URL.rstrip("/") + notification.link]
    return subject[:200].replace("\r", " ").replace("\n", " "), "\n".join(lines)


@task(priority=REMINDER_PRIORITY)
def send_reminder_email(notification_id: int, attempt: int) -> str:
    """E-mail a delivered reminder to its user, once (claimed before sending; a failure releases
    the claim and tries again later)."""
    notification = Notification.objects.select_related("user", "task").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return "nobody to e-mail"
    if not actions.reminder_emailed(notification_id=notification_id):
        return "already e-mailed"
    subject, body = reminder_text(notification)
    try:
        EmailMessage(subject, body, to=[notification.user.email]).send(fail_silently=False)
    except (OSError, smtplib.SMTPException) as failure:
        actions.reminder_email_failed(notification_id=notification_id)
        if attempt < len(EMAIL_RETRY_MINUTES):
            wait = dt.timedelta(minutes=EMAIL_RETRY_MINUTES[attempt])
            send_reminder_email.using(run_after=timezone.now() + wait).enqueue(notification_id, attempt + 1)
        logger.warning("reminder e-mail to %s failed: %s", notification.user.email, failure)
        return "failed"
    return "sent"
