"""Retention rules: kept by roles with the privacy permission, applied by the worker (daily) or
on demand, each application logged with the records it reached (by id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clientela.activities import actions as activity_actions
from clientela.core import records
from clientela.core.visibility import require_delete
from clientela.parties import actions as parties_actions
from clientela.privacy.actions.erasure import contact_erase
from clientela.privacy.models import RetentionAction, RetentionRule, RetentionRun
from clientela.privacy.queries import require_privacy, retention_candidates
from clientela.privacy.rules import clean_retention_rule, months_before
from clientela.sales import actions as sales_actions

if TYPE_CHECKING:
    from clientela.accounts.models import User

# Each record type goes to the trash through its own app's action (its permission check, its event).
_TRASH: dict[str, Any] = {
    "sales.lead": lambda actor, record: sales_actions.lead_trash(actor=actor, lead=record),
    "parties.contact": lambda actor, record: parties_actions.contact_trash(actor=actor, contact=record),
    "activities.activity": lambda actor, record: activity_actions.activity_trash(actor=actor, activity=record),
}
# At most this many records per rule and run: the rest wait for the next run.
BATCH = 500


def retention_rule_create(*, actor: User, values: dict[str, Any]) -> RetentionRule:
    require_privacy(actor)
    cleaned = clean_retention_rule(values, None)
    return records.create_record(
        RetentionRule, actor=actor, values={**cleaned, "owner": actor}, action="retention_rule.create"
    )


def retention_rule_update(
    *, actor: User, rule: RetentionRule, values: dict[str, Any], expected_version: int | None = None
) -> RetentionRule:
    require_privacy(actor)
    cleaned = clean_retention_rule(values, rule)
    return records.update_record(
        rule, actor=actor, values=cleaned, action="retention_rule.update", expected_version=expected_version
    )


def retention_apply(*, actor: User, rule: RetentionRule) -> RetentionRun:
    """Trash (or erase) what the rule reaches now, as `actor` (the rule's owner when the worker runs it)."""
    require_privacy(actor)
    require_delete(actor, rule)
    now = timezone.now()
    run = RetentionRun.objects.create(rule=rule, started_at=now, cutoff=months_before(now, rule.months))
    candidates = list(retention_candidates(rule, now)[:BATCH])
    handled: list[str] = []
    error = ""
    for record in candidates:
        try:
            with transaction.atomic():
                if rule.action == RetentionAction.ERASE:
                    contact_erase(actor=actor, contact=record)
                else:
                    _TRASH[rule.record_type](actor, record)
            handled.append(str(record.public_id))
        except Exception as failure:
            error = f"{record.public_id}: {failure}"[:1000]
    RetentionRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), found=len(candidates), done=len(handled), records=handled, error=error
    )
    RetentionRule.all_objects.filter(pk=rule.pk).update(last_run_at=now)
    run.refresh_from_db()
    return run
