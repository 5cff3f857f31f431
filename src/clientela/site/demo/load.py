"""Writes the demo data: teams and users, custom fields, then organizations and
contacts in bulk, with one creation event per record (source "demo").

Records are built as `parties.actions` builds them (same denormalised fields, same
event shape as `contact.create` / `organization.create`), but written with bulk
inserts so ten thousand contacts take seconds, not minutes. Custom field
definitions go through their action.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from clientela.accounts.models import Team, User
from clientela.core.changelog import bulk_append_events, event_for, jsonable
from clientela.core.context import acting_via
from clientela.core.models import Event
from clientela.core.records import field_value
from clientela.parties import actions, relationships
from clientela.parties.models import (
    Address,
    Affiliation,
    Contact,
    ContactPoint,
    CustomField,
    Organization,
    Relationship,
    Tag,
)
from clientela.parties.rules import CONTACT_FIELDS, ORGANIZATION_FIELDS
from clientela.site.demo import business, cast
from clientela.site.demo.generate import DemoWorld, Generator, PartyPlan, ends

Progress = Callable[[str, int, int], None]
BATCH = 2000


@dataclass
class Loaded:
    teams: int
    users: int
    organizations: int
    contacts: int
    relationships: int
    events: int


def database_is_empty() -> bool:
    """No users, teams, parties or events: nothing a demo load could collide with."""
    return not (
        User.objects.exists()
        or Team.objects.exists()
        or Organization.all_objects.exists()
        or Contact.all_objects.exists()
        or Event.objects.exists()
    )


@contextlib.contextmanager
def keep_timestamps(*models: type[Model]) -> Iterator[None]:
    """Let bulk inserts keep the creation times the generator chose (in the past)."""
    fields = [
        model._meta.get_field(name)
        for model in models
        for name in ("created_at", "updated_at")
        if any(f.name == name for f in model._meta.fields)
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for f in fields:
        f.auto_now = f.auto_now_add = False
    try:
        yield
    finally:
        for f, auto_now, auto_now_add in saved:
            f.auto_now, f.auto_now_add = auto_now, auto_now_add


def ensure_people() -> tuple[dict[str, Team], dict[str, User]]:
    """The demo's teams and users; existing ones (same name) are kept as they are."""
    teams = {name: Team.objects.get_or_create(name=name)[0] for name in cast.TEAMS}
    existing = {u.username: u for u in User.objects.filter(username__in=[d.username for d in cast.USERS])}
    hashed = ""
    users: dict[str, User] = {}
    for demo in cast.USERS:
        user = existing.get(demo.username)
        if user is None:
            user = User(
                username=demo.username,
                role=demo.role,
                team=teams[demo.team] if demo.team else None,
                first_name=demo.first_name,
                last_name=demo.last_name,
                email=f"{demo.username}@clientela.example",
                language=demo.language,
                is_staff=demo.role == "admin",
                is_superuser=demo.role == "admin",
            )
            if not hashed:  # hashing is slow on purpose: do it once for everyone
                user.set_password(cast.DEMO_PASSWORD)
                hashed = user.password
            user.password = hashed
            user.save()
        users[demo.username] = user
    for demo in cast.USERS:
        team = teams.get(demo.team or "")
        if demo.role == "manager" and team is not None and team.manager_id is None:
            team.manager = users[demo.username]
            team.save(update_fields=["manager"])
    return teams, users


def owners_by_team(users: dict[str, User]) -> dict[str, list[tuple[User, int]]]:
    result: dict[str, list[tuple[User, int]]] = {name: [] for name in cast.TEAMS}
    for demo in cast.USERS:
        weight = cast.OWNER_WEIGHTS.get(demo.role)
        user = users[demo.username]
        if weight and user.team is not None and user.team.name in result:
            result[user.team.name].append((user, weight))
    return result


def ensure_custom_fields(admin: User) -> set[str]:
    """Define the demo's custom fields (through the action); returns the usable keys."""
    usable: set[str] = set()
    for position, (entity, key, label, kind, choices) in enumerate(business.CUSTOM_FIELDS):
        current = CustomField.objects.filter(entity=entity, key=key).first()
        if current is None:
            actions.custom_field_create(
                actor=admin,
                values={
                    "entity": entity,
                    "key": key,
                    "label": label,
                    "type": kind,
                    "choices": choices,
                    "position": position,
                },
            )
            usable.add(key)
        elif current.type == kind and set(choices) <= set(current.choices or choices):
            usable.add(key)
    return usable


def creation_changes(plan: PartyPlan, fields: frozenset[str]) -> dict[str, list[Any]]:
    """The `changes` of the creation event, shaped as `records.create_record` shapes them."""
    record = plan.record
    changes: dict[str, list[Any]] = {}
    for name in sorted(fields | {"custom"}):
        value = jsonable(field_value(record, name))
        if value not in (None, "", {}, []):
            changes[name] = [None, value]
    if plan.emails:
        changes["emails"] = [[], [p.value for p in plan.emails]]
    if plan.phones:
        changes["phones"] = [[], [p.value for p in plan.phones]]
    if plan.addresses:
        changes["addresses"] = [[], [str(a) for a in plan.addresses]]
    if plan.tags:
        changes["tags"] = [[], sorted(plan.tags)]
    if plan.affiliations:
        changes["organizations"] = [
            [],
            [f"{org.record.name}: {role}".rstrip(": ") for org, role, _p in plan.affiliations],
        ]
    return changes


def _children(plans: list[PartyPlan], owner_field: str, tag_ids: dict[str, int]) -> None:
    points: list[ContactPoint] = []
    addresses: list[Address] = []
    affiliations: list[Affiliation] = []
    through = type(plans[0].record).tags.through if plans else None
    links: list[Any] = []
    for plan in plans:
        record = plan.record
        for point in (*plan.emails, *plan.phones):
            setattr(point, owner_field, record)
            points.append(point)
        for address in plan.addresses:
            setattr(address, owner_field, record)
            addresses.append(address)
        for organization, role, primary in plan.affiliations:
            affiliations.append(
                Affiliation(contact=record, organization=organization.record, role=role, is_primary=primary)
            )
        assert through is not None  # there are plans
        for tag in plan.tags:
            links.append(through(**{f"{owner_field}_id": record.pk, "tag_id": tag_ids[tag]}))
    ContactPoint.objects.bulk_create(points, batch_size=BATCH)
    Address.objects.bulk_create(addresses, batch_size=BATCH)
    Affiliation.objects.bulk_create(affiliations, batch_size=BATCH)
    if through is not None:
        through.objects.bulk_create(links, batch_size=BATCH)


def _events(plans: list[PartyPlan], entity: str, fields: frozenset[str]) -> list[Event]:
    events = []
    for plan in plans:
        event = event_for(
            actor=plan.record.owner,
            action=f"{entity}.create",
            kind=Event.Kind.CREATED,
            record=plan.record,
            changes=creation_changes(plan, fields),
        )
        event.occurred_at = plan.record.created_at
        event.version = 1  # relationships added later raise the record's version
        events.append(event)
    return events


def _relationship_events(world: DemoWorld) -> list[Event]:
    """The events `relationship_create` appends to both parties, one per touch."""
    events = []
    for touch in world.touches:
        relationship = touch.relationship
        first, second = ends(relationship)
        event = event_for(
            actor=touch.actor,
            action=f"{relationships.entity_of(touch.party)}.relationship_add",
            kind=Event.Kind.UPDATED,
            record=touch.party,
            changes={"relationships": [None, relationships.describe(first, second, relationship.kind)]},
        )
        event.data = {"relationship": relationships._as_data(relationship, first, second)}  # same shape as the action
        event.version = touch.version
        event.occurred_at = relationship.created_at
        events.append(event)
    return events


def _drop_unusable_custom(world: DemoWorld, usable: set[str]) -> None:
    for plan in (*world.organizations, *world.contacts):
        plan.record.custom = {k: v for k, v in plan.record.custom.items() if k in usable}


def load(
    *,
    seed: int,
    scale: float,
    seeded_ids: bool,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
) -> Loaded:
    """Create the demo data in one transaction (all of it, or nothing)."""
    report = progress or (lambda stage, done, total: None)
    now = now or timezone.now()
    n_organizations = max(1, round(2000 * scale))
    n_contacts = max(1, round(10000 * scale))
    with transaction.atomic(), acting_via("demo"), keep_timestamps(Organization, Contact, Relationship):
        teams, users = ensure_people()
        report("teams and users", len(users), len(users))
        usable = ensure_custom_fields(users["admin"])
        report("custom fields", len(business.CUSTOM_FIELDS), len(business.CUSTOM_FIELDS))

        generator = Generator(seed=seed, teams=teams, owners=owners_by_team(users), now=now, seeded_ids=seeded_ids)
        world = generator.world(organizations=n_organizations, contacts=n_contacts)
        _drop_unusable_custom(world, usable)
        tag_names = sorted({t for plan in (*world.organizations, *world.contacts) for t in plan.tags})
        Tag.objects.bulk_create([Tag(name=name) for name in tag_names], ignore_conflicts=True)
        tag_ids = dict(Tag.objects.filter(name__in=tag_names).values_list("name", "pk"))

        events: list[Event] = []
        parents = {id(plan): plan.record.parent for plan in world.organizations}
        for plan in world.organizations:
            plan.record.parent = None
        for start in range(0, len(world.organizations), BATCH):
            chunk = world.organizations[start : start + BATCH]
            Organization.objects.bulk_create([plan.record for plan in chunk])
            _children(chunk, "organization", tag_ids)
            report("organizations", start + len(chunk), len(world.organizations))
        with_parent = []
        for plan in world.organizations:
            if parents[id(plan)] is not None:
                plan.record.parent = parents[id(plan)]
                with_parent.append(plan.record)
        Organization.objects.bulk_update(with_parent, ["parent"], batch_size=BATCH)
        events += _events(world.organizations, "organization", ORGANIZATION_FIELDS)

        for start in range(0, len(world.contacts), BATCH):
            chunk = world.contacts[start : start + BATCH]
            Contact.objects.bulk_create([plan.record for plan in chunk])
            _children(chunk, "contact", tag_ids)
            report("contacts", start + len(chunk), len(world.contacts))
        events += _events(world.contacts, "contact", CONTACT_FIELDS)

        Relationship.objects.bulk_create(world.relationships, batch_size=BATCH)
        events += _relationship_events(world)
        report("relationships", len(world.relationships), len(world.relationships))

        # The change log in the order things happened, so its cursor follows time.
        events.sort(key=lambda event: event.occurred_at)
        bulk_append_events(events, batch_size=BATCH)
        report("change log", len(events), len(events))
    return Loaded(
        teams=len(teams),
        users=len(users),
        organizations=len(world.organizations),
        contacts=len(world.contacts),
        relationships=len(world.relationships),
        events=len(events),
    )
