"""Retention rules: kept by roles with the privacy permission, applied by the worker (daily) or
on demand, each application logged with the records it reached (by id)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clientela.core import records
from clientela.core.visibility import require_delete
from clientela.privacy.actions.erasure import contact_erase
from clientela.privacy.models import RetentionAction, RetentionRule, RetentionRun
from clientela.privacy.queries import require_privacy, retention_candidates
from clientela.privacy.rules import clean_retention_rule, months_before

if TYPE_CHECKING:
    from clientela.accounts.models import User

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
                    records.trash_record(record, actor=actor, action=f"{record._meta.model_name}.retention_trash")
            handled.append(str(record.public_id))
        except Exception as failure:
            error = f"{record.public_id}: {failure}"[:1000]
    RetentionRun.objects.filter(pk=run.pk).update(
        finished_at=timezone.now(), found=len(candidates), done=len(handled), records=handled, error=error
    )
    RetentionRule.all_objects.filter(pk=rule.pk).update(last_run_at=now)
    run.refresh_from_db()
    return run
