"""Deals: create, change (a move across the board is a change of stage like any other),
trash, restore. Each checks permission, cleans with `rules.clean_deal`, writes through
`core.records` with one event, and records every change of stage in the stage history.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone

from clientela.core import records
from clientela.core.visibility import require_delete, require_write
from clientela.sales.models import Deal, Outcome, StageChange
from clientela.sales.rules import clean_deal

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _record_stage_change(actor: User | None, deal: Deal, previous: Any, entered_before: Any) -> None:
    now = deal.stage_entered_at
    seconds = int((now - entered_before).total_seconds()) if previous is not None else None
    StageChange.objects.create(
        deal=deal,
        pipeline_id=deal.pipeline_id,
        from_stage=previous,
        to_stage_id=deal.stage_id,
        changed_at=now,
        actor=actor if actor is not None and actor.pk else None,
        seconds_in_previous=seconds,
    )


def _stage_moment(cleaned: dict[str, Any]) -> None:
    """Entering a stage stamps when; a won or lost stage also closes the deal today, an open one reopens it."""
    stage = cleaned.get("stage")
    if stage is None:
        return
    now = timezone.now()
    cleaned["stage_entered_at"] = now
    cleaned["closed_on"] = timezone.localdate(now) if stage.outcome != Outcome.OPEN else None


def deal_create(*, actor: User, values: dict[str, Any]) -> Deal:
    require_write(actor)
    cleaned = clean_deal(actor, values, None)
    cleaned.setdefault("owner", actor)
    cleaned.setdefault("team", actor.team)
    _stage_moment(cleaned)
    if cleaned.get("closed_on") is None:
        cleaned.pop("closed_on", None)

    def after_insert(deal: Deal) -> dict[str, list[Any]]:
        _record_stage_change(actor, deal, None, None)
        return {}

    return records.create_record(Deal, actor=actor, values=cleaned, action="deal.create", after_insert=after_insert)


def deal_update(
    *,
    actor: User,
    deal: Deal,
    values: dict[str, Any],
    expected_version: int | None = None,
    merge: bool = False,
) -> Deal:
    """Change a deal at `expected_version` (a stale write is merged field by field when `merge`,
    else refused as a Conflict). A new stage is recorded in the stage history."""
    require_write(actor, deal)
    cleaned = clean_deal(actor, values, deal)
    previous_stage, entered_before = deal.stage, deal.stage_entered_at
    moving = "stage" in cleaned and cleaned["stage"].pk != deal.stage_id
    if moving:
        _stage_moment(cleaned)
    else:
        cleaned.pop("stage", None)
        cleaned.pop("pipeline", None)

    def after_write(current: Deal) -> dict[str, list[Any]]:
        if moving:
            _record_stage_change(actor, current, previous_stage, entered_before)
        return {}

    return records.update_record(
        deal, actor=actor, values=cleaned, action="deal.update",
        expected_version=expected_version, merge=merge, after_write=after_write,
    )  # fmt: skip


def deal_move(
    *,
    actor: User,
    deal: Deal,
    stage: Any,
    expected_version: int | None,
    lost_reason: Any = None,
    lost_note: str | None = None,
) -> Deal:
    """Move a deal to another stage of its pipeline (the kanban board's drag and drop) at the
    version the mover saw: if somebody changed the deal since, it is a Conflict, never an
    overwrite. Moving into a lost stage needs a lost reason."""
    values: dict[str, Any] = {"stage": stage, "pipeline": deal.pipeline}
    if lost_reason is not None:
        values["lost_reason"] = lost_reason
    if lost_note is not None:
        values["lost_note"] = lost_note
    return deal_update(actor=actor, deal=deal, values=values, expected_version=expected_version, merge=False)


def deal_trash(*, actor: User, deal: Deal, expected_version: int | None = None) -> Deal:
    require_delete(actor, deal)
    return records.trash_record(deal, actor=actor, action="deal.trash", expected_version=expected_version)


def deal_restore(*, actor: User, deal: Deal) -> Deal:
    require_delete(actor, deal)
    return records.restore_record(deal, actor=actor, action="deal.restore")
