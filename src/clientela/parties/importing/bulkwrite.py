"""How `actions.contacts_import_batch` / `organizations_import_batch` write a batch.

Called only from those actions (the one write path), inside their transaction,
after they have checked permission. Rows are built as plain column lists with the
same formulas as the single-record actions (`rules.contact_derived_fields`,
`core.records.diff`, and each event's columns from `core.changelog.event_fields`, the
builder `append_event` uses), then written in a handful of statements through
`sinks.insert` (COPY on PostgreSQL).
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from clientela.core import records
from clientela.core.changelog import event_fields, jsonable, record_label
from clientela.core.ids import uuid7_texts
from clientela.core.models import Event
from clientela.core.visibility import can_see
from clientela.parties import cleaning, rules
from clientela.parties.importing import matching
from clientela.parties.importing.mapping import CONTACT
from clientela.parties.importing.rows import CREATE, ERROR, UNCHANGED, UPDATE, BatchResult, Point, ValidatedRow
from clientela.parties.importing.sinks import (
    Insert,
    defaults,
    insert,
    new_ids,
    prepare_insert,
    prepare_values,
    settle_search_indexes,
    tune_bulk_transaction,
    update,
)
from clientela.parties.models import Address, Affiliation, Contact, ContactPoint, CustomField, Organization, Tag

if TYPE_CHECKING:
    from clientela.accounts.models import User

# Plain strings (not the enum members): COPY formats plain str fastest.
EMAIL, PHONE = str(ContactPoint.Kind.EMAIL.value), str(ContactPoint.Kind.PHONE.value)
CREATED, UPDATED = str(Event.Kind.CREATED.value), str(Event.Kind.UPDATED.value)
POINT_COLUMNS = ["kind", "label", "value", "normalized", "is_primary"]
# The columns of `changelog.event_fields` that are the same for every event of a batch: formatted
# once, not per row. The rest vary, in the builder's order (with the time, when rows give theirs).
EVENT_CONSTANTS = ("occurred_at", "actor_id", "record_type", "data", "source")


@dataclass(frozen=True)
class EventShape:
    """How a batch's events are written: the builder's varying columns, picked from each
    event's fields in that order, and the constant ones."""

    columns: list[str]
    constants: dict[str, Any]
    pick: Callable[[dict[str, Any]], Sequence[Any]]  # an event's fields -> its varying columns, in order

    @classmethod
    def of(cls, shared: dict[str, Any], *, stamped: bool) -> EventShape:
        constant = [n for n in EVENT_CONSTANTS if not (stamped and n == "occurred_at")]
        columns = [n for n in shared if n not in constant]
        return cls(columns, {n: shared[n] for n in constant}, itemgetter(*columns))


class _Batch:
    """One batch of one entity for one actor: the child rows and events both write paths collect."""

    def __init__(self, actor: User, entity: str, job: str | None) -> None:
        self.actor = actor
        self.entity = entity
        self.model: type[Contact] | type[Organization] = Contact if entity == CONTACT else Organization
        self.record_type = self.model._meta.label_lower
        self.owner_field = "contact_id" if entity == CONTACT else "organization_id"
        self.other_field = "organization_id" if entity == CONTACT else "contact_id"
        self.now = timezone.now()
        self.event_data: dict[str, Any] = {"import_job": job} if job else {}
        # What every event of the batch shares, from the one builder of an event's columns.
        shared = event_fields(
            actor=actor, action="", kind="", record_type=self.record_type, record_id=None, label="", owner_id=None,
            team_id=None, data=self.event_data, occurred_at=self.now,
        )  # fmt: skip
        self.source: str = shared["source"]
        self.event_shape = EventShape.of(shared, stamped=False)
        # Rows that give their creation time (the demo) log it as the event's time.
        self.stamped_event_shape = EventShape.of(shared, stamped=True)
        self.events: list[Any] = []  # tuples of the event shape's columns
        self.points: list[list[Any]] = []
        self.addresses: list[dict[str, Any]] = []
        self.affiliations: list[dict[str, Any]] = []
        self.tag_links: list[tuple[int, str]] = []

    def derived(
        self, values: dict[str, Any], emails: list[str], phones: list[str], phone_keys: list[str]
    ) -> dict[str, str]:
        if self.entity == CONTACT:
            first, last = values.get("first_name", ""), values.get("last_name", "")
            return rules.contact_derived_fields(first, last, emails, phones, phone_keys)
        return rules.organization_derived_fields(
            values.get("name", ""), values.get("legal_name", ""), values.get("tax_id", ""),
            values.get("website", ""), emails, phones, phone_keys,
        )  # fmt: skip

    def event(self, action: str, kind: str, public_id: Any, label: str, owner_id: Any, team_id: Any,
              changes: dict[str, list[Any]], version: int) -> None:  # fmt: skip
        fields = event_fields(
            actor=self.actor, action=f"{self.entity}.{action}", kind=kind, record_type=self.record_type,
            record_id=public_id, label=label, owner_id=owner_id, team_id=team_id, changes=changes,
            data=self.event_data, version=version, occurred_at=self.now, source=self.source,
        )  # fmt: skip
        self.events.append(self.event_shape.pick(fields))

    def point(self, pk: int, kind: str, point: Point, primary: bool) -> None:
        # in the order of POINT_COLUMNS (after the owning record's id)
        self.points.append([pk, kind, point[2], point[0], point[1], primary])

    def address(self, pk: int, address: dict[str, Any]) -> None:
        self.addresses.append({self.owner_field: pk, **address})

    def child_inserts(self) -> list[Insert]:
        """The collected e-mails/phones, addresses, affiliations and events, made ready; the lists start again."""
        unset = {self.other_field: None}
        ready = [
            prepare_values(ContactPoint, [self.owner_field, *POINT_COLUMNS], self.points, constants=unset),
            prepare_insert(Address, self.addresses, constants=unset),
            prepare_insert(Affiliation, self.affiliations),
            prepare_values(Event, self.event_shape.columns, self.events, constants=self.event_shape.constants),
        ]
        self.points, self.addresses, self.affiliations, self.events = [], [], [], []
        return [r for r in ready if r is not None]

    def write_tags(self) -> None:
        """Tag links: the tags are looked up (and made when new) in the writing transaction."""
        if not self.tag_links:
            return
        names = sorted({name for _pk, name in self.tag_links})
        ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
        missing = [Tag(name=n) for n in names if n not in ids]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            ids = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
        through = self.model.tags.through
        source = "contact_id" if self.entity == CONTACT else "organization_id"
        insert(through, [{source: pk, "tag_id": ids[name]} for pk, name in self.tag_links])
        self.tag_links = []


def _address_text(address: dict[str, Any]) -> str:
    return str(Address(**address))


def _affiliation_text(organization_id: str | None, role: str) -> dict[str, list[Any]]:
    """An affiliation as the change log keeps it: the organization by reference (its public id),
    not by name, then the role (`writes.affiliation_text`, `core/references.py`)."""
    return {"text": [{"ref": "parties.organization", "id": organization_id}, *([f": {role}"] if role else [])]}


def _organizations_named(rows: list[ValidatedRow]) -> set[int]:
    """The pks of the organizations the rows link their contacts to."""
    pks = {row.organization_id for row in rows if row.organization_id}
    return pks | {o for row in rows for o, _name, _role in row.more_organizations}


def _organization_ids(pks: set[int]) -> dict[int, str]:
    """Public ids of the organizations with these pks, as text (one query; none when there are none)."""
    if not pks:
        return {}
    rows = Organization.all_objects.filter(pk__in=sorted(pks)).values_list("id", "public_id")
    return {pk: str(public_id) for pk, public_id in rows}


def _create(batch: _Batch, rows: list[ValidatedRow], result: BatchResult) -> list[Insert]:
    """New records made ready: the values the rows give, defaults for the rest, then children and events.

    One pass over the rows builds each record's column values (as lists, formatted a
    column at a time by `sinks`), its e-mails and phones, and its event.
    """
    actor = batch.actor
    base = defaults(batch.model)  # type: ignore[arg-type]  # python/mypy#11470, see sinks.columns
    given_names = sorted({name for row in rows for name in row.values} - {"owner", "team", "parent"})
    contact = batch.entity == CONTACT
    with_parents = not contact and any("parent" in row.values for row in rows)
    # Rows built by code may give their records' creation times (then each event has its own).
    stamped = any(row.created_at is not None for row in rows)
    event_shape = batch.stamped_event_shape if stamped else batch.event_shape
    pick_event = event_shape.pick
    actor_team = actor.team
    public_ids = uuid7_texts(len(rows))
    if any(row.public_id is not None for row in rows):
        given_ids = zip(rows, public_ids, strict=True)
        public_ids = [text if row.public_id is None else str(row.public_id) for row, text in given_ids]
    ids = new_ids(batch.model, len(rows))
    references: dict[tuple[type, Any], str] = {}  # (model, pk) -> public id as text, once per owner and team

    def reference(obj: Any) -> str:
        key = (type(obj), obj.pk)
        text = references.get(key)
        if text is None:
            text = references[key] = str(obj.public_id)
        return text

    org_ids = _organization_ids(_organizations_named(rows))
    derived_names: list[str] = []
    record_rows: list[list[Any]] = []
    events: list[Any] = []  # tuples of the event shape's columns
    points, tag_links = batch.points, batch.tag_links
    action, record_type, source, data = f"{batch.entity}.create", batch.record_type, batch.source, batch.event_data
    now = batch.now
    for row, pk, public_id in zip(rows, ids, public_ids, strict=True):
        given = row.values
        owner = given.get("owner", actor)
        team = given.get("team", actor_team)
        emails = [p[0] for p in row.emails]
        phones = [p[0] for p in row.phones]
        phone_keys = [p[1] for p in row.phones]
        affiliations = []
        if row.organization_id:
            affiliations.append((row.organization_id, row.organization, row.organization_role))
            affiliations.extend(row.more_organizations)
        if contact:
            label = f"{given.get('first_name', '')} {given.get('last_name', '')}".strip()
            derived = rules.contact_derived_fields(
                given.get("first_name", ""), given.get("last_name", ""), emails, phones, phone_keys
            )
        else:
            label = given.get("name", "")
            derived = batch.derived(given, emails, phones, phone_keys)
        if not derived_names:
            derived_names = list(derived)
        owner_id = owner.pk if owner else None
        team_id = team.pk if team else None
        record = [given.get(name, base[name]) for name in given_names]
        record += derived.values()
        record += (public_id, owner_id, team_id, row.custom)
        if with_parents:
            parent = given.get("parent")
            record.append(parent.pk if parent is not None else None)
        if stamped:
            record += (row.created_at or now, row.created_at or now)
        record_rows.append(record)
        # The changes as `core.records.create_record` logs them: every given value, then the collections.
        # (The parent is an Organization: jsonable gives its public id, as `logged_value` does.)
        changes: dict[str, list[Any]] = {}
        for name, value in given.items():
            if type(value) is str:  # most values: what jsonable would return, without asking it
                if value:
                    changes[name] = [None, value]
            elif name != "owner" and name != "team":
                shown = jsonable(value)
                if shown not in (None, "", {}, []):
                    changes[name] = [None, shown]
        # References are logged by public id (core.records.logged_value).
        if owner is not None:
            changes["owner"] = [None, reference(owner)]
        if team is not None:
            changes["team"] = [None, reference(team)]
        if row.custom:
            changes["custom"] = [None, jsonable(row.custom)]
        if emails:
            primary = True
            for value, normalized, point_label in row.emails:  # in the order of POINT_COLUMNS
                points.append([pk, EMAIL, point_label, value, normalized, primary])
                primary = False
            changes["emails"] = [[], emails]
        if phones:
            primary = True
            for value, normalized, point_label in row.phones:
                points.append([pk, PHONE, point_label, value, normalized, primary])
                primary = False
            changes["phones"] = [[], phones]
        if row.address is not None or row.more_addresses:
            addresses = [row.address, *row.more_addresses] if row.address is not None else list(row.more_addresses)
            for address in addresses:
                batch.address(pk, address)
            changes["addresses"] = [[], [_address_text(address) for address in addresses]]
        if row.tags:
            tag_links.extend((pk, name) for name in row.tags)
            changes["tags"] = [[], sorted(row.tags)]
        if affiliations:
            for index, (organization_id, _name, role) in enumerate(affiliations):
                batch.affiliations.append(
                    {"contact_id": pk, "organization_id": organization_id, "role": role, "is_primary": index == 0}
                )
            changes["organizations"] = [[], [_affiliation_text(org_ids.get(o), r) for o, _n, r in affiliations]]
        fields = event_fields(
            actor=actor, action=action, kind=CREATED, record_type=record_type, record_id=public_id, label=label,
            owner_id=owner_id, team_id=team_id, changes=changes, data=data, version=1,
            occurred_at=row.created_at or now, source=source,
        )  # fmt: skip
        events.append(pick_event(fields))
        result.outcomes[row.row] = CREATE
    result.created += len(rows)
    constants = {"created_at": now, "updated_at": now, "created_by_id": actor.pk, "updated_by_id": actor.pk,
                 "version": 1}  # fmt: skip
    names = [*given_names, *derived_names, "public_id", "owner_id", "team_id", "custom"]
    if with_parents:
        names.append("parent_id")
    if stamped:
        names += ("created_at", "updated_at")
        del constants["created_at"], constants["updated_at"]
    ready = [
        prepare_values(batch.model, names, record_rows, constants=constants, ids=ids),
        prepare_values(Event, event_shape.columns, events, constants=event_shape.constants),
    ]
    return [r for r in ready if r is not None] + batch.child_inserts()


def _existing_children(batch: _Batch, ids: list[int]) -> tuple[dict, dict, dict, dict]:
    points: dict[int, list[tuple[str, str, str]]] = defaultdict(list)
    for owner, kind, value, normalized in (
        ContactPoint.objects.filter(**{f"{batch.owner_field}__in": ids})
        .order_by("-is_primary", "id")
        .values_list(batch.owner_field, "kind", "value", "normalized")
    ):
        points[owner].append((kind, value, normalized))
    tags: dict[int, list[str]] = defaultdict(list)
    source = "contact_id" if batch.entity == CONTACT else "organization_id"
    for owner, name in batch.model.tags.through.objects.filter(**{f"{source}__in": ids}).values_list(
        source, "tag__name"
    ):
        tags[owner].append(name)
    addresses: dict[int, list[str]] = defaultdict(list)
    for address in Address.objects.filter(**{f"{batch.owner_field}__in": ids}).order_by("id"):
        addresses[getattr(address, batch.owner_field)].append(str(address))
    affiliations: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    if batch.entity == CONTACT:
        for owner, org_id, name, role in (
            Affiliation.objects.filter(contact_id__in=ids).order_by("id")
            .values_list("contact_id", "organization_id", "organization__name", "role")
        ):  # fmt: skip
            affiliations[owner].append((org_id, name, role))
    return points, tags, addresses, affiliations


def _parents_before(rows: list[ValidatedRow], current: dict[int, Any]) -> tuple[dict[int, int | None], dict[int, str]]:
    """For the rows that set a parent: the parent links to check loops against (see `cleaning.parent_links`),
    and the public ids of the parents being replaced, for the change log. A few queries per batch."""
    new_parents: set[int] = set()
    old_parents: set[int] = set()
    for row in rows:
        parent = row.values.get("parent")
        record = current.get(row.existing_id)  # type: ignore[arg-type]
        if parent is not None and record is not None and record.parent_id != parent.pk:
            new_parents.add(parent.pk)
            if record.parent_id is not None:
                old_parents.add(record.parent_id)
    if not new_parents:
        return {}, {}
    public_ids = dict(Organization.all_objects.filter(pk__in=sorted(old_parents)).values_list("id", "public_id"))
    return cleaning.parent_links(new_parents), {pk: str(public_id) for pk, public_id in public_ids.items()}


def _update(
    batch: _Batch,
    rows: list[ValidatedRow],
    result: BatchResult,
    fail: Callable[[ValidatedRow, str, str], None],
) -> None:
    ids = [row.existing_id for row in rows if row.existing_id is not None]
    # Locked in id order, so two writers updating overlapping records wait rather than deadlock.
    current = {r.pk: r for r in batch.model.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    points, tags, addresses, affiliations = _existing_children(batch, ids)
    links, old_parents = _parents_before(rows, current) if batch.entity != CONTACT else ({}, {})
    org_ids = _organization_ids(
        _organizations_named(rows) | {o for mine in affiliations.values() for o, _n, _r in mine}
    )
    changed: list[Contact | Organization] = []
    fields: set[str] = set()
    for row in rows:
        record = current.get(row.existing_id)
        if record is None:
            fail(row, matching.gone_message(), row.match_column)
            continue
        if not can_see(batch.actor, record):  # moved out of the actor's sight since the plan: as if gone
            fail(row, matching.gone_message(), row.match_column)
            continue
        values = {k: v for k, v in row.values.items()}
        # The parent is compared and logged by public id here, from what was loaded for the whole batch.
        parent = values.pop("parent", None)
        moving = parent is not None and parent.pk != record.parent_id
        if moving:
            # Checked again under lock: the plan's check may have run before another writer's change.
            problem = cleaning.parent_problem(record.pk, parent.pk, links)
            if problem is not None:
                fail(row, problem, row.column("parent"))
                continue
        changes = records.diff(record, values)
        if moving:
            was = old_parents.get(record.parent_id) if record.parent_id is not None else None
            changes["parent"] = [was, str(parent.public_id)]
            values["parent"] = parent
        if row.custom:
            merged = {**record.custom, **row.custom}
            if merged != record.custom:
                changes["custom"] = [jsonable(record.custom), jsonable(merged)]
                values["custom"] = merged
        own_points = points.get(record.pk, [])
        emails = [v for k, v, _n in own_points if k == ContactPoint.Kind.EMAIL]
        phones = [v for k, v, _n in own_points if k == ContactPoint.Kind.PHONE]
        phone_keys = [n for k, _v, n in own_points if k == ContactPoint.Kind.PHONE]
        known = {n for _k, _v, n in own_points}
        for kind, given, listing, name in (
            (EMAIL, row.emails, emails, "emails"),
            (PHONE, row.phones, phones, "phones"),
        ):
            added = [p for p in given if p[1] not in known]
            if added:
                old = list(listing)
                for index, point in enumerate(added):
                    batch.point(record.pk, kind, point, not old and index == 0)
                listing.extend(p[0] for p in added)
                if kind == PHONE:
                    phone_keys.extend(p[1] for p in added)
                changes[name] = [old, list(listing)]
        old_tags = sorted(tags.get(record.pk, []))
        new_tags = sorted(set(old_tags) | set(row.tags))
        if new_tags != old_tags:
            batch.tag_links.extend((record.pk, name) for name in new_tags if name not in old_tags)
            changes["tags"] = [old_tags, new_tags]
        old_addresses = addresses.get(record.pk, [])
        new_addresses = list(old_addresses)
        for address in [row.address, *row.more_addresses] if row.address is not None else row.more_addresses:
            text = _address_text(address)
            if text not in new_addresses:
                batch.address(record.pk, address)
                new_addresses.append(text)
        if new_addresses != old_addresses:
            changes["addresses"] = [old_addresses, new_addresses]
        mine = affiliations.get(record.pk, [])
        if row.organization_id:
            old = [_affiliation_text(org_ids.get(o), r) for o, _n, r in mine]
            new = list(old)
            for organization_id, name, role in ((row.organization_id, row.organization, row.organization_role),
                                                *row.more_organizations):  # fmt: skip
                if not any(o == organization_id and r == role for o, _n, r in mine):
                    batch.affiliations.append(
                        {"contact_id": record.pk, "organization_id": organization_id, "role": role,
                         "is_primary": not mine}
                    )  # fmt: skip
                    mine = [*mine, (organization_id, name, role)]
                    new.append(_affiliation_text(org_ids.get(organization_id), role))
            if new != old:
                changes["organizations"] = [old, new]
        if not changes:
            result.unchanged += 1
            result.outcomes[row.row] = UNCHANGED
            continue
        for name, value in values.items():
            setattr(record, name, value)
            fields.add(name)
        snapshot = {
            f: getattr(record, f, "") for f in ("first_name", "last_name", "name", "legal_name", "tax_id", "website")
        }
        for name, value in batch.derived(snapshot, emails, phones, phone_keys).items():
            setattr(record, name, value)
            fields.add(name)
        record.version += 1
        record.updated_at = batch.now
        record.updated_by = batch.actor
        changed.append(record)
        batch.event("update", UPDATED, record.public_id, record_label(record), record.owner_id,
                    record.team_id, changes, record.version)  # fmt: skip
        result.updated += 1
        result.outcomes[row.row] = UPDATE
    if changed:
        names = sorted({"version", "updated_at", "updated_by"} | fields)
        update(batch.model, changed, names)


@dataclass
class PreparedBatch:
    """A batch matched and made ready to write (by `prepare`), to be written by `write`."""

    actor: User
    entity: str
    plan: matching.Plan
    result: BatchResult
    batch: _Batch
    inserts: list[Insert] = field(default_factory=list)


def prepare(*, actor: User, entity: str, rows: list[ValidatedRow], match: str, job: str | None) -> PreparedBatch:
    """Match the rows (reads only) and build what creating the new records writes.

    On PostgreSQL this may run outside the writing transaction, even in another thread:
    ids come from the sequence, and updates are worked out by `write`, under lock.
    """
    started = time.perf_counter()
    definitions = {d.key: d for d in CustomField.objects.filter(entity=entity)}
    plan = matching.plan_batch(actor, entity, rows, match, definitions)
    result = BatchResult(errors=list(plan.errors), skipped=len(plan.skips))
    result.outcomes.update(plan.outcomes)
    result.seconds["match"] = time.perf_counter() - started
    started = time.perf_counter()
    batch = _Batch(actor, entity, job)
    prepared = PreparedBatch(actor=actor, entity=entity, plan=plan, result=result, batch=batch)
    if plan.creates:
        prepared.inserts = _create(batch, plan.creates, result)
    result.seconds["prepare"] = time.perf_counter() - started
    return prepared


def write(prepared: PreparedBatch) -> BatchResult:
    """Write a prepared batch in one transaction: updates (worked out under lock), then the new records."""
    started = time.perf_counter()
    plan, result, batch = prepared.plan, prepared.result, prepared.batch

    def fail(row: ValidatedRow, message: str, column: str) -> None:
        plan.error(row, column, message)
        result.errors.append(plan.errors[-1])
        result.outcomes[row.row] = ERROR

    with transaction.atomic():
        tune_bulk_transaction()
        for ready in prepared.inserts:
            ready.execute()
        if plan.updates:
            _update(batch, plan.updates, result, fail)
        for ready in batch.child_inserts():
            ready.execute()
        batch.write_tags()
    result.seconds["write"] = time.perf_counter() - started
    return result


def settle(entity: str) -> None:
    """After the last batch: the search index made ready for searching (see `sinks.settle_search_indexes`)."""
    settle_search_indexes(Contact if entity == CONTACT else Organization)


def import_batch(*, actor: User, entity: str, rows: list[ValidatedRow], match: str, job: str | None) -> BatchResult:
    """Prepare and write one batch in one transaction; returns counts and per-row errors."""
    with transaction.atomic():
        return write(prepare(actor=actor, entity=entity, rows=rows, match=match, job=job))
