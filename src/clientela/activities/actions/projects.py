"""Projects: a named piece of work that groups tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientela.activities.models import Project
from clientela.activities.rules import clean_project
from clientela.core import records
from clientela.core.visibility import require_delete, require_write

if TYPE_CHECKING:
    from clientela.accounts.models import User


def project_create(*, actor: User, values: dict[str, Any]) -> Project:
    require_write(actor)
    cleaned = clean_project(actor, values, None)
    cleaned.setdefault("owner", actor)
    cleaned.setdefault("team", actor.team)
    return records.create_record(Project, actor=actor, values=cleaned, action="project.create")


def project_update(
    *, actor: User, project: Project, values: dict[str, Any], expected_version: int | None = None, merge: bool = False,
) -> Project:  # fmt: skip
    require_write(actor, project)
    cleaned = clean_project(actor, values, project)
    return records.update_record(
        project, actor=actor, values=cleaned, action="project.update", expected_version=expected_version, merge=merge
    )


def project_trash(*, actor: User, project: Project, expected_version: int | None = None) -> Project:
    require_delete(actor, project)
    return records.trash_record(project, actor=actor, action="project.trash", expected_version=expected_version)


def project_restore(*, actor: User, project: Project) -> Project:
    require_delete(actor, project)
    return records.restore_record(project, actor=actor, action="project.restore")
