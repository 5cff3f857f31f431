"""Pipelines with their stages, and the list of lost reasons: the administrators' settings.

A pipeline's stages are written with it, as one collection: the list given replaces the
stages, an item naming an existing stage (`id`) keeps it (and its deals) under its new
name, position and probability; a stage left out is removed, unless deals are in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from clientela.core import records
from clientela.core.errors import ValidationFailed
from clientela.core.validation import clean_values
from clientela.core.visibility import require_admin
from clientela.sales.models import Deal, LostReason, Pipeline, Stage
from clientela.sales.rules import StageInput, clean_pipeline, clean_stages, require_name

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _stage_log(stages: list[Stage]) -> list[dict[str, Any]]:
    return [{"name": s.name, "probability": s.probability, "outcome": s.outcome} for s in stages]


def _write_stages(pipeline: Pipeline, wanted: list[StageInput]) -> dict[str, list[Any]]:
    """Replace the pipeline's stages by `wanted` and return the change for the event."""
    before = list(pipeline.stages.order_by("position"))
    kept = {str(s.public_id): s for s in before}
    keep_ids = {str(s.public_id) for s in wanted if s.public_id is not None}
    removed = [s for s in before if str(s.public_id) not in keep_ids]
    in_use = set(
        Deal.all_objects.filter(stage__in=removed).values_list("stage__name", flat=True).distinct()
    ) if removed else set()  # fmt: skip
    if in_use:
        raise ValidationFailed.single(
            "stages",
            "in_use",
            _("deals are in the stages %(names)s: move them first") % {"names": ", ".join(sorted(in_use))},
        )
    Stage.objects.filter(pk__in=[s.pk for s in removed]).delete()
    # Positions and names are unique per pipeline: park the kept stages out of the way first.
    offset = max((pipeline.stages.aggregate(top=Max("position"))["top"] or 0) + 1, len(wanted))
    for index, item in enumerate(s for s in wanted if s.public_id is not None):
        kept_stage = kept[str(item.public_id)]
        Stage.objects.filter(pk=kept_stage.pk).update(position=offset + index, name=str(kept_stage.public_id))
    for position, item in enumerate(wanted):
        fields = {"name": item.name, "probability": item.probability, "outcome": item.outcome, "position": position}
        if item.public_id is not None:
            Stage.objects.filter(pk=kept[str(item.public_id)].pk).update(**fields)
        else:
            Stage.objects.create(pipeline=pipeline, **fields)
    after = list(pipeline.stages.order_by("position"))
    old, new = _stage_log(before), _stage_log(after)
    return {"stages": [old or None, new]} if old != new else {}


def _clear_other_defaults(pipeline: Pipeline) -> None:
    if pipeline.is_default:
        Pipeline.all_objects.filter(is_default=True).exclude(pk=pipeline.pk).update(is_default=False)


def pipeline_create(*, actor: User, values: dict[str, Any], stages: list[dict[str, Any]]) -> Pipeline:
    """A pipeline with its stages in order (administrators). The first pipeline is the default."""
    require_admin(actor)
    errors = []
    cleaned: dict[str, Any] = {}
    wanted: list[StageInput] = []
    try:
        cleaned = clean_pipeline(values, None)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    try:
        wanted = clean_stages(stages, None)
    except ValidationFailed as failed:
        errors.extend(failed.errors)
    if errors:
        raise ValidationFailed(errors)
    if Pipeline.objects.filter(name=cleaned["name"]).exists():
        raise ValidationFailed.single("name", "duplicate", _("a pipeline with this name exists"))
    if not Pipeline.objects.exists():
        cleaned["is_default"] = True

    def after_insert(pipeline: Pipeline) -> dict[str, list[Any]]:
        _clear_other_defaults(pipeline)
        return _write_stages(pipeline, wanted)

    return records.create_record(
        Pipeline, actor=actor, values=cleaned, action="pipeline.create", after_insert=after_insert
    )


def pipeline_update(
    *,
    actor: User,
    pipeline: Pipeline,
    values: dict[str, Any],
    stages: list[dict[str, Any]] | None = None,
    expected_version: int | None = None,
) -> Pipeline:
    """Rename, reorder, make default; `stages` (when given) replaces the stages as the module says."""
    require_admin(actor)
    cleaned = clean_pipeline(values, pipeline)
    wanted = clean_stages(stages, pipeline) if stages is not None else None
    name = cleaned.get("name")
    if name and Pipeline.objects.filter(name=name).exclude(pk=pipeline.pk).exists():
        raise ValidationFailed.single("name", "duplicate", _("a pipeline with this name exists"))
    if cleaned.get("is_default") is False and pipeline.is_default:
        raise ValidationFailed.single("is_default", "invalid", _("make another pipeline the default instead"))

    def after_write(current: Pipeline) -> dict[str, list[Any]]:
        _clear_other_defaults(current)
        return _write_stages(current, wanted) if wanted is not None else {}

    with transaction.atomic():
        return records.update_record(
            pipeline, actor=actor, values=cleaned, action="pipeline.update", expected_version=expected_version,
            after_write=after_write, touched=["stages"] if wanted is not None else (),
        )  # fmt: skip


def lost_reason_create(*, actor: User, values: dict[str, Any]) -> LostReason:
    require_admin(actor)
    cleaned = _clean_lost_reason(values, None)
    return records.create_record(LostReason, actor=actor, values=cleaned, action="lostreason.create")


def lost_reason_update(
    *, actor: User, lost_reason: LostReason, values: dict[str, Any], expected_version: int | None = None
) -> LostReason:
    """Rename, reorder or deactivate (an inactive reason stays on the deals lost for it)."""
    require_admin(actor)
    cleaned = _clean_lost_reason(values, lost_reason)
    return records.update_record(
        lost_reason, actor=actor, values=cleaned, action="lostreason.update", expected_version=expected_version
    )


def _clean_lost_reason(values: dict[str, Any], current: LostReason | None) -> dict[str, Any]:
    cleaned = clean_values(LostReason, values, allowed={"name", "position", "active"})
    require_name("name", {**values, **cleaned}, current)
    name = cleaned.get("name")
    others = LostReason.objects.exclude(pk=current.pk) if current is not None else LostReason.objects.all()
    if name and others.filter(name__iexact=name).exists():
        raise ValidationFailed.single("name", "duplicate", _("this reason is on the list already"))
    return cleaned
