"""Background work of the privacy app, run by the job worker (`clientela worker`, and so by
README command 1): consent confirmation e-mails (double opt-in), reclaiming the database's
space after an erasure, and retention rules (a housekeeping check, daily per rule)."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from clientela.accounts import queries as account_queries
from clientela.core.mailing import deliver, new_message_id
from clientela.privacy import actions, links, queries, storage
from clientela.privacy.models import Consent, ConsentStatus

logger = logging.getLogger(__name__)
RETENTION_EVERY = dt.timedelta(hours=24)


def queue_confirmation(consent: Consent) -> None:
    send_consent_confirmation.enqueue(consent.pk)


@task()
def send_consent_confirmation(consent_id: int) -> str:
    """E-mail the person the link that confirms their consent (double opt-in)."""
    consent = queries.consent_for_worker(consent_id)
    if consent is None or consent.status != ConsentStatus.PENDING:
        return "nothing to confirm"
    address = consent.contact.primary_email
    if not address:
        return "the contact has no e-mail address"
    link = links.confirmation_url(consent)
    with translation.override(consent.contact.language or settings.LANGUAGE_CODE):
        subject = _("Please confirm: %(purpose)s") % {"purpose": consent.purpose.name}
        body = _(
            "You agreed that we may contact you for: %(purpose)s.\n\n"
            "Please confirm it by opening this link within %(days)s days:\n%(link)s\n\n"
            "If it was not you, ignore this message: nothing changes."
        ) % {"purpose": consent.purpose.name, "days": links.CONFIRM_DAYS, "link": link}
    delivery = deliver(EmailMessage(subject, body, to=[address]), message_id=new_message_id())
    if not delivery.sent and not delivery.permanent:
        raise RuntimeError(delivery.error)  # the job fails and is shown; the consent stays pending
    return "sent" if delivery.sent else f"refused: {delivery.error}"


def after_erasure(tables: list[str]) -> None:
    """Right after an erasure commits: SQLite's WAL emptied now; PostgreSQL's tables vacuumed by the worker."""
    if connection.vendor == "sqlite":
        storage.reclaim(tables)
    else:
        reclaim_space.enqueue(tables)


@task()
def reclaim_space(tables: list[str]) -> str:
    return storage.reclaim(tables)


def apply_retention_rules() -> str | None:
    """A housekeeping check: every active rule not applied in the last day, as its owner."""
    now = timezone.now()
    done = []
    for rule in queries.retention_rules_active():
        if rule.last_run_at and now - rule.last_run_at < RETENTION_EVERY:
            continue
        owner = rule.owner or account_queries.first_administrator()
        if owner is None:
            continue
        run = actions.retention_apply(actor=owner, rule=rule)
        done.append(f"{rule.name}: {run.done}/{run.found}")
    return "; ".join(done) or None


@task()
def apply_retention_rule(rule_id: int, user_id: int) -> str:
    rule = queries.retention_rule_for_worker(rule_id)
    run = actions.retention_apply(actor=account_queries.user_for_worker(user_id), rule=rule)
    return f"{run.done} of {run.found}"
