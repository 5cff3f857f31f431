"""Saving a contact or organization form without losing anybody's change.

The form carries the version and the values it was rendered with (signed). On
save, the fields the user changed are those that differ from that baseline; only
they are sent to the action. If someone else saved in between:
- they changed other fields: the user's changes go on top of theirs (the action
  merges; the page says so);
- they changed a field the user also changed, to something else: a conflict the
  user resolves field by field ("yours" or "theirs"), then saves against the
  current version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from clientela.core import records
from clientela.core.errors import Conflict, ValidationFailed
from clientela.parties import actions
from clientela.parties.duplicates import Duplicate, DuplicateSuspected
from clientela.parties.forms import (
    FormState,
    build_input,
    label_for,
    map_errors,
    state_from_record,
)
from clientela.parties.models import Contact, CustomField, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import User


@dataclass
class FieldConflict:
    key: str
    label: str
    yours: str
    theirs: str
    who: list[str]


@dataclass
class SaveResult:
    record: Contact | Organization | None = None
    state: FormState | None = None
    # the version the re-rendered form is based on, with its baseline values
    baseline_record: Contact | Organization | None = None
    baseline_state: FormState | None = None
    conflicts: list[FieldConflict] = field(default_factory=list)
    merged_with: list[str] = field(default_factory=list)  # who changed what meanwhile
    merged_fields: list[str] = field(default_factory=list)
    nothing_changed: bool = False
    # records that look like the one being created (the create was not made)
    duplicates: list[Duplicate] = field(default_factory=list)

    @property
    def saved(self) -> bool:
        return self.record is not None


def save(
    *,
    user: User,
    entity: str,
    record: Contact | Organization,
    posted: FormState,
    baseline_version: int,
    baseline: dict[str, str],
    picks: dict[str, str],
    definitions: list[CustomField],
    reload: Any,
    choices: dict[str, Any],
) -> SaveResult:
    """Save the fields of `posted` the user changed; `reload()` fetches the record afresh.

    The update names the version the form was loaded with: `core.records` merges the
    changes onto anything saved meanwhile, field by field, and refuses with a conflict
    what both changed differently. `picks` holds the user's choice per field after a
    conflict ("theirs" keeps the stored value). `choices` has the `people`, `teams`,
    `orgs` and `org_lookup` the form may name.
    """
    if posted.errors:
        return SaveResult(state=posted)
    for key, pick in picks.items():
        if pick == "theirs" and key in baseline:
            posted.values[key] = baseline[key]
    current = state_from_record(entity, record, definitions, user)
    posted.hidden_affiliations = current.hidden_affiliations
    # What the user changed, less what already reads so (nothing to write for those).
    to_send = {
        key
        for key, value in posted.values.items()
        if baseline.get(key, "") != value and current.values.get(key) != value
    }
    if not to_send:
        return SaveResult(record=record, nothing_changed=True)
    action_input = build_input(posted, to_send, definitions, **choices)
    if posted.errors:
        return SaveResult(state=posted)
    theirs = records.their_changes(record, baseline_version) if record.version != baseline_version else None
    try:
        saved = _call_update(user, entity, record, action_input, baseline_version)
    except ValidationFailed as failed:
        map_errors(posted, action_input, failed.errors)
        return SaveResult(state=posted)
    except Conflict as conflict:
        return _conflicting(user, entity, posted, baseline, reload(), baseline_version, conflict, definitions)
    result = SaveResult(record=saved)
    if theirs is not None and theirs.changes:
        changed = _form_keys(theirs.changes, posted)
        result.merged_with = sorted({name for key in changed for name in theirs.actors_by_field.get(key, [])})
        result.merged_fields = [label_for(entity, key, definitions) for key in sorted(changed)]
    return result


def _form_keys(logged: dict[str, Any], state: FormState) -> set[str]:
    """The form inputs behind change-log names ("title", "emails", "custom.budget", ...)."""
    return {name for name in logged if name in state.values}


def _conflicting(
    user: User,
    entity: str,
    posted: FormState,
    baseline: dict[str, str],
    fresh: Contact | Organization,
    baseline_version: int,
    conflict: Conflict,
    definitions: list[CustomField],
) -> SaveResult:
    """The form again, based on the current version: the clashing fields side by side, and
    their newer values filled in where the user had left a field alone."""
    now = state_from_record(entity, fresh, definitions, user)
    result = SaveResult(state=posted, baseline_record=fresh, baseline_state=now)
    who = conflict.detail.their_actors_by_field
    for key in sorted(_form_keys(dict.fromkeys(conflict.detail.overlapping), posted)):
        result.conflicts.append(
            FieldConflict(
                key=key,
                label=label_for(entity, key, definitions),
                yours=posted.values.get(key, ""),
                theirs=now.values.get(key, ""),
                who=who.get(key, []),
            )
        )
    clashing = {c.key for c in result.conflicts}
    for key in _form_keys(records.their_changes(fresh, baseline_version).changes, posted) - clashing:
        if posted.values.get(key) == baseline.get(key, ""):  # the user left it alone
            posted.values[key] = now.values[key]
    posted.org_names.update(now.org_names)
    return result


def _call_update(
    user: User, entity: str, record: Contact | Organization, action_input: Any, version: int
) -> Contact | Organization:
    if entity == "contact":
        assert isinstance(record, Contact)
        return actions.contact_update(
            actor=user,
            contact=record,
            values=action_input.values,
            collections=action_input.collections,
            expected_version=version,
            merge=True,
        )
    assert isinstance(record, Organization)
    return actions.organization_update(
        actor=user,
        organization=record,
        values=action_input.values,
        collections=action_input.collections,
        expected_version=version,
        merge=True,
    )


def create(
    *,
    user: User,
    entity: str,
    posted: FormState,
    definitions: list[CustomField],
    choices: dict[str, Any],
    allow_duplicates: bool = False,
) -> SaveResult:
    """Create a record from every filled-in input.

    Unless `allow_duplicates`, records the user can see that look the same stop the
    create: the result lists them and nothing is written.
    """
    keys = {key for key, value in posted.values.items() if value not in ("", "[]")}
    action_input = build_input(posted, keys, definitions, **choices)
    if posted.errors:
        return SaveResult(state=posted)
    try:
        if entity == "contact":
            record: Contact | Organization = actions.contact_create_checked(
                actor=user,
                values=action_input.values,
                collections=action_input.collections,
                allow_duplicates=allow_duplicates,
            )
        else:
            record = actions.organization_create_checked(
                actor=user,
                values=action_input.values,
                collections=action_input.collections,
                allow_duplicates=allow_duplicates,
            )
    except ValidationFailed as failed:
        map_errors(posted, action_input, failed.errors)
        return SaveResult(state=posted)
    except DuplicateSuspected as suspected:
        return SaveResult(state=posted, duplicates=list(suspected.candidates))
    return SaveResult(record=record)
