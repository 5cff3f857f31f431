"""Activities: logged (by a person on a page or through the API, by the e-mail, SMS and
telephony channels), corrected, trashed, restored. Each checks permission, cleans with
`rules.clean_activity` and writes one event through `core.records`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientela.activities.models import Activity
from clientela.activities.rules import clean_activity
from clientela.core import records
from clientela.core.references import ref
from clientela.core.visibility import require_delete, require_write

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _attendee_refs(contacts: list[Any]) -> list[dict[str, str]]:
    return [ref(contact) for contact in contacts]


def activity_create(*, actor: User | None, values: dict[str, Any], system: bool = False) -> Activity:
    """Log an activity. `actor` None with `system` is a channel's own logging (an e-mail that came
    in, a call the telephony system reported): references are then checked against everything,
    and the owner and team come from `values`."""
    if not system:
        if actor is None:
            raise ValueError("only the channels' own logging (system=True) has no actor")
        require_write(actor)
    writer: Any = actor if actor is not None else _System()
    cleaned = clean_activity(writer, values, None)
    attendees = cleaned.pop("__collections__", {}).get("attendees")
    if actor is not None:
        cleaned.setdefault("owner", actor)
        cleaned.setdefault("team", actor.team)

    def after_insert(activity: Activity) -> dict[str, list[Any]]:
        if not attendees:
            return {}
        activity.attendees.set(attendees)
        return {"attendees": [None, _attendee_refs(attendees)]}

    return records.create_record(
        Activity, actor=actor, values=cleaned, action="activity.create", after_insert=after_insert
    )


def activity_update(
    *, actor: User, activity: Activity, values: dict[str, Any], expected_version: int | None = None,
    merge: bool = False,
) -> Activity:  # fmt: skip
    """Correct an activity at `expected_version` (stale: merged field by field when `merge`, else a
    Conflict). Its participants, when given, replace the old ones."""
    require_write(actor, activity)
    cleaned = clean_activity(actor, values, activity)
    attendees = cleaned.pop("__collections__", {}).get("attendees")
    before = list(activity.attendees.all()) if attendees is not None else []

    def after_write(current: Activity) -> dict[str, list[Any]]:
        if attendees is None or {a.pk for a in attendees} == {b.pk for b in before}:
            return {}
        current.attendees.set(attendees)
        return {"attendees": [_attendee_refs(before), _attendee_refs(attendees)]}

    return records.update_record(
        activity, actor=actor, values=cleaned, action="activity.update", expected_version=expected_version,
        merge=merge, after_write=after_write,
    )  # fmt: skip


def activity_trash(*, actor: User, activity: Activity, expected_version: int | None = None) -> Activity:
    require_delete(actor, activity)
    return records.trash_record(activity, actor=actor, action="activity.trash", expected_version=expected_version)


def activity_restore(*, actor: User, activity: Activity) -> Activity:
    require_delete(actor, activity)
    return records.restore_record(activity, actor=actor, action="activity.restore")


class _System:
    """The channels' own identity when they log what came in: sees every record (the worker
    matched them), belongs to no team, writes nothing else."""

    pk = None
    team = None
    team_id = None
    is_active = True
    time_zone = ""
    is_superuser = True

    @property
    def policy(self) -> Any:
        from clientela.accounts.roles import Role, policy_for

        return policy_for(Role.ADMIN)
