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

from clientela.core.changelog import history
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

MAX_RETRIES = 3


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


def _their_changes(record: Contact | Organization, since: int) -> dict[str, list[str]]:
    """Form key -> who changed it after version `since` (from the change log)."""
    who: dict[str, list[str]] = {}
    events = [e for e in history(record) if e.version is not None and e.version > since]
    for event in reversed(events):
        name = event.actor.display_name if event.actor else "system"
        for key, pair in event.changes.items():
            keys = [key]
            if key == "custom" and isinstance(pair, list) and len(pair) == 2:
                old, new = (pair[0] or {}), (pair[1] or {})
                keys = [f"custom.{k}" for k in set(old) | set(new) if old.get(k) != new.get(k)]
            for form_key in keys:
                names = who.setdefault(form_key, [])
                if name not in names:
                    names.append(name)
    return who


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
    """Save the changed fields of `posted`; `reload()` fetches the record afresh.

    `picks` holds the user's choice per field after a conflict ("theirs" keeps the
    stored value). `choices` has the `people`, `teams`, `orgs` and `org_lookup`
    the form may name.
    """
    if posted.errors:
        return SaveResult(state=posted)
    for key, pick in picks.items():
        if pick == "theirs" and key in baseline:
            posted.values[key] = baseline[key]
    intended = {key for key, value in posted.values.items() if baseline.get(key, "") != value}
    for _attempt in range(MAX_RETRIES):
        current = state_from_record(entity, record, definitions, user)
        posted.hidden_affiliations = current.hidden_affiliations
        changed_by_them = {key for key, value in current.values.items() if baseline.get(key, "") != value}
        overlapping = sorted(
            key for key in intended & changed_by_them if posted.values.get(key) != current.values.get(key)
        )
        stale = record.version != baseline_version
        if overlapping:
            who = _their_changes(record, baseline_version)
            result = SaveResult(state=posted, baseline_record=record, baseline_state=current)
            for key in overlapping:
                result.conflicts.append(
                    FieldConflict(
                        key=key,
                        label=label_for(entity, key, definitions),
                        yours=posted.values.get(key, ""),
                        theirs=current.values.get(key, ""),
                        who=who.get(key, []),
                    )
                )
            # Show their newer values for the fields the user left alone.
            for key in changed_by_them - intended:
                posted.values[key] = current.values[key]
            posted.org_names.update(current.org_names)
            return result
        to_send = {key for key in intended if posted.values.get(key) != current.values.get(key)}
        if not to_send:
            return SaveResult(record=record, nothing_changed=True)
        action_input = build_input(posted, to_send, definitions, **choices)
        if posted.errors:
            return SaveResult(state=posted)
        try:
            saved = _call_update(user, entity, record, action_input, record.version)
        except ValidationFailed as failed:
            map_errors(posted, action_input, failed.errors)
            return SaveResult(state=posted)
        except Conflict:
            record = reload()
            continue
        result = SaveResult(record=saved)
        if stale and changed_by_them:
            who = _their_changes(record, baseline_version)
            result.merged_with = sorted({name for key in changed_by_them for name in who.get(key, [])})
            result.merged_fields = [label_for(entity, key, definitions) for key in sorted(changed_by_them)]
        return result
    posted.add_error("__all__", "")  # pragma: no cover - three writers in a row beat this one
    return SaveResult(state=posted)  # pragma: no cover


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
