"""Writes the demo data through the application's one write path (source "demo"):

- teams and users through the accounts actions (`team_create`, `user_create`, then
  `team_update` naming each team's manager), one event each;
- the custom field definitions through `custom_field_create`;
- organizations and contacts through the import's bulk writer
  (`parties.actions.organizations_import_batch` / `contacts_import_batch`) from rows
  built as `ValidatedRow`s, one creation event per record, so ten thousand contacts take
  seconds; each owner's records are one batch written by that owner;
- relationships through `relationship_create`, which logs them on both parties;
- the sales history (`site/demo/sales.py` plans it): a second pipeline through
  `pipeline_create` by the administrator, then leads and deals with their whole history —
  each stage a deal entered and each status a lead had, dated in the past — through the sales
  app's batch actions (`leads_load_history`, `deals_load_history`), each owner's records in
  batches that owner writes, one event per change.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from clientela.accounts import actions as accounts
from clientela.accounts.models import Team, User
from clientela.core.context import acting_via
from clientela.core.models import Event
from clientela.parties import actions
from clientela.parties.entities import CONTACT, ORGANIZATION
from clientela.parties.importing.rows import MATCH_CREATE, BatchResult, Point, ValidatedRow
from clientela.parties.models import Address, Contact, ContactPoint, CustomField, Organization
from clientela.sales import actions as sales_actions
from clientela.sales import queries as sales_queries
from clientela.sales.actions.history import deals_load_history, leads_load_history
from clientela.sales.models import Pipeline
from clientela.site.demo import business, cast, places
from clientela.site.demo.generate import DemoWorld, Generator, PartyPlan, ends
from clientela.site.demo.sales import PROJECT_STAGES, PROJECTS_PIPELINE, SalesGenerator, Shape

Progress = Callable[[str, int, int], None]
BATCH = 2000
SALES_BATCH = 1000  # deals or leads per call of the sales batch actions
# At scale 1: deals in the default pipeline and in the projects pipeline, and leads.
DEALS, PROJECT_DEALS, LEADS = 4700, 300, 400
ADDRESS_COLUMNS = ("label", "street", "city", "postal_code", "region", "country")


class DemoLoadError(RuntimeError):
    """The write path refused generated demo data: a bug in the generator."""


@dataclass
class Loaded:
    teams: int
    users: int
    organizations: int
    contacts: int
    relationships: int
    events: int
    deals: int = 0
    leads: int = 0


def database_is_empty() -> bool:
    """No users, teams, parties or events: nothing a demo load could collide with."""
    return not (
        User.objects.exists()
        or Team.objects.exists()
        or Organization.all_objects.exists()
        or Contact.all_objects.exists()
        or Event.objects.exists()
    )


# --- people --------------------------------------------------------------------------------


def ensure_people() -> tuple[dict[str, Team], dict[str, User]]:
    """The demo's teams and users (through the accounts actions); existing ones (same name) are kept."""
    existing_teams = {team.name: team for team in Team.objects.filter(name__in=cast.TEAMS)}
    teams = {
        name: existing_teams.get(name)
        or accounts.team_create(actor=None, values={"name": name, "country": cast.TEAM_COUNTRIES.get(name, "")})
        for name in cast.TEAMS
    }
    existing = {u.username: u for u in User.objects.filter(username__in=[d.username for d in cast.USERS])}
    hashed = ""
    users: dict[str, User] = {}
    for demo in cast.USERS:
        user = existing.get(demo.username)
        if user is None:
            hashed = hashed or make_password(cast.DEMO_PASSWORD)  # slow on purpose: once for everyone
            values = {
                "username": demo.username,
                "role": demo.role,
                "team": teams[demo.team] if demo.team else None,
                "first_name": demo.first_name,
                "last_name": demo.last_name,
                "email": f"{demo.username}@clientela.example",
                "language": demo.language,
            }
            user = accounts.user_create(actor=None, values=values, password_hash=hashed)
        users[demo.username] = user
    for demo in cast.USERS:
        team = teams.get(demo.team or "")
        if demo.role == "manager" and team is not None and team.manager_id is None:
            teams[team.name] = accounts.team_update(actor=None, team=team, values={"manager": users[demo.username]})
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


# --- organizations and contacts, through the import's bulk writer ---------------------------


def _points(points: list[ContactPoint]) -> list[Point]:
    return [(point.value, point.normalized, point.label) for point in points]


def _address(address: Address) -> dict[str, Any]:
    return {name: getattr(address, name) for name in ADDRESS_COLUMNS}


def party_row(number: int, plan: PartyPlan) -> ValidatedRow:
    """The plan as the import's bulk writer takes a row: values cleaned already, references
    (owner, team, parent, organizations) resolved, with its public id and creation time."""
    record = plan.record
    contact = isinstance(record, Contact)
    entity = CONTACT if contact else ORGANIZATION
    values: dict[str, Any] = {name: getattr(record, name) for name in entity.value_fields}
    values |= {"owner": record.owner, "team": record.team}
    if not contact and record.parent is not None:
        values["parent"] = record.parent  # written before (its pk is set)
    row = ValidatedRow(
        row=number,
        values=values,
        emails=_points(plan.emails),
        phones=_points(plan.phones),
        tags=list(plan.tags),
        custom=dict(record.custom),
        address=_address(plan.addresses[0]) if plan.addresses else None,
        more_addresses=tuple(_address(address) for address in plan.addresses[1:]),
        public_id=record.public_id,
        created_at=record.created_at,
    )
    if plan.affiliations:
        (organization, role, _primary), *others = plan.affiliations
        row.organization_id = organization.record.pk  # written before: contacts come after organizations
        row.organization, row.organization_role = organization.record.name, role
        row.more_organizations = tuple((o.record.pk, o.record.name, r) for o, r, _p in others)
    return row


def write_parties(plans: list[PartyPlan], stage: str, report: Progress) -> None:
    """Create the plans' records, each owner's in batches the owner writes, oldest first; then
    give each plan's record the primary key it was stored under."""
    entity = CONTACT if plans and isinstance(plans[0].record, Contact) else ORGANIZATION
    write = actions.contacts_import_batch if entity is CONTACT else actions.organizations_import_batch
    by_owner: dict[int, list[PartyPlan]] = defaultdict(list)
    for plan in plans:
        by_owner[plan.record.owner.pk].append(plan)
    done = 0
    for owned in by_owner.values():
        owned.sort(key=lambda plan: plan.record.created_at)
        owner = owned[0].record.owner
        for start in range(0, len(owned), BATCH):
            chunk = owned[start : start + BATCH]
            rows = [party_row(number, plan) for number, plan in enumerate(chunk, start=1)]
            _check(write(actor=owner, rows=rows, match=MATCH_CREATE), len(rows), entity.name)
            written = entity.model.all_objects.filter(public_id__in=[p.record.public_id for p in chunk])
            pks = dict(written.values_list("public_id", "pk"))
            for plan in chunk:
                plan.record.pk = pks[plan.record.public_id]
            done += len(chunk)
            report(stage, done, len(plans))


def _check(result: BatchResult, expected: int, entity: str) -> None:
    if result.errors or result.created != expected:
        shown = "; ".join(f"row {e.row} {e.column}: {e.message}" for e in result.errors[:5])
        raise DemoLoadError(f"the bulk writer created {result.created} of {expected} {entity} rows: {shown}")


def write_relationships(world: DemoWorld, report: Progress) -> int:
    """Each relationship through `relationship_create`, by the owner of its "from" party."""
    contacts = Contact.objects.in_bulk(
        {party.pk for r in world.relationships for party in ends(r) if isinstance(party, Contact)}
    )
    organizations = Organization.objects.in_bulk(
        {party.pk for r in world.relationships for party in ends(r) if isinstance(party, Organization)}
    )

    def stored(party: Any) -> Any:
        return contacts[party.pk] if isinstance(party, Contact) else organizations[party.pk]

    for done, relationship in enumerate(world.relationships, start=1):
        first, second = ends(relationship)
        actions.relationship_create(
            actor=first.owner, from_party=stored(first), to_party=stored(second), kind=relationship.kind
        )
        if done % BATCH == 0 or done == len(world.relationships):
            report("relationships", done, len(world.relationships))
    return len(world.relationships)


# --- leads and deals, through the sales app's batch actions ------------------------------------


def ensure_projects_pipeline(admin: User) -> Pipeline:
    """The demo's second pipeline (through `pipeline_create`); an existing one of that name is kept."""
    existing = sales_queries.pipelines().filter(name=PROJECTS_PIPELINE).first()
    if existing is not None:
        return existing
    created = sales_actions.pipeline_create(
        actor=admin, values={"name": PROJECTS_PIPELINE, "position": 1}, stages=[dict(s) for s in PROJECT_STAGES]
    )
    return sales_queries.pipeline_get(created.public_id)


def _by_owner(plans: list[Any]) -> list[list[Any]]:
    """The plans in batches, each of one owner (who writes them), oldest first."""
    owned: dict[int, list[Any]] = defaultdict(list)
    for plan in plans:
        owned[plan.owner.pk].append(plan)
    batches = []
    for group in owned.values():
        group.sort(key=lambda plan: plan.steps[0][1])
        batches += [group[start : start + SALES_BATCH] for start in range(0, len(group), SALES_BATCH)]
    return batches


def write_sales(
    world: DemoWorld,
    *,
    seed: int,
    scale: float,
    seeded_ids: bool,
    now: dt.datetime,
    teams: dict[str, Team],
    users: dict[str, User],
    report: Progress,
) -> tuple[int, int]:
    """Plan and write the leads and deals (see the module); returns (deals, leads) written."""
    default = sales_queries.default_pipeline()
    if default is None:  # an administrator removed every pipeline: nothing to sell in
        return 0, 0
    projects = ensure_projects_pipeline(users["admin"])
    ensure_assignment_rules(users["admin"], teams)
    generator = SalesGenerator(
        seed=seed,
        organizations=world.organizations,
        contacts=world.contacts,
        owners=owners_by_team(users),
        teams=teams,
        lost_reasons=list(sales_queries.lost_reasons(active_only=True)),
        now=now,
        seeded_ids=seeded_ids,
    )
    plan = generator.plan(
        sales=Shape.of(default, slower=1.0, larger=1.0),
        projects=Shape.of(projects, slower=1.5, larger=4.0) if projects.pk != default.pk else None,
        deals=max(1, round(DEALS * scale)),
        project_deals=max(1, round(PROJECT_DEALS * scale)),
        leads=max(1, round(LEADS * scale)),
    )
    leads = _write_batches(plan.leads, leads_load_history, "leads", report)
    deals = _write_batches(plan.deals, deals_load_history, "deals", report)
    return deals + sum(1 for lead in plan.leads if lead.deal is not None), leads


def ensure_assignment_rules(admin: User, teams: dict[str, Team]) -> None:
    """The lead assignment rules a company of the demo's shape keeps: a web form's or an imported
    lead goes in turn to the sales people of its country's team."""
    if sales_queries.assignment_rules().exists():
        return
    for code, team_name in places.TEAM_OF_COUNTRY.items():
        if team_name in teams:
            sales_actions.lead_rule_create(
                actor=admin, values={"name": f"{team_name} leads", "country": code, "team": teams[team_name]}
            )


def _write_batches(plans: list[Any], write: Callable[..., int], stage: str, report: Progress) -> int:
    done = 0
    for batch in _by_owner(plans):
        written = write(actor=batch[0].owner, plans=batch)
        if written != len(batch):  # pragma: no cover - the action writes every plan or raises
            raise DemoLoadError(f"the sales batch action wrote {written} of {len(batch)} {stage}")
        done += written
        report(stage, done, len(plans))
    if not plans:
        report(stage, 0, 0)
    return done


def write_documents(
    world: DemoWorld, *, seed: int, scale: float, seeded_ids: bool, now: dt.datetime, admin: User, report: Progress
) -> None:
    """The catalogue and price lists (single-record actions), exchange rates, and the quotes,
    orders, invoices and payments of three years (`site/demo/documents.py` plans them), written
    by the administrator in one call so that their numbers follow their dates."""
    from clientela.sales.actions.history_documents import documents_load_history, exchange_rates_load
    from clientela.sales.actions.prices import price_list_create
    from clientela.sales.actions.products import product_create
    from clientela.sales.models import Deal, Outcome, PriceList, Product
    from clientela.site.demo.documents import DocumentGenerator

    generator = DocumentGenerator(
        seed=seed, organizations=world.organizations, contacts=world.contacts, now=now, seeded_ids=seeded_ids
    )
    catalogue = generator.catalogue()
    # A demo added to data (--force) keeps the products and price lists it finds by SKU and name.
    products = {p.sku: p for p in Product.objects.filter(sku__in=[values["sku"] for values in catalogue.products])}
    for values in catalogue.products:
        products[values["sku"]] = products.get(values["sku"]) or product_create(actor=admin, values=values)
    report("products", len(products), len(products))
    existing = set(PriceList.objects.values_list("name", flat=True))
    for spec in catalogue.price_lists:
        if spec.name in existing:
            continue
        values = {"name": spec.name, "currency": spec.currency, "customer_category": spec.customer_category}
        if spec.organization is not None:
            values["organization"] = str(spec.organization.public_id)
        items = [{"product": str(products[sku].public_id), "min_quantity": least, "unit_price": price,
                  "discount_percent": off} for sku, least, price, off in spec.items]  # fmt: skip
        price_list_create(actor=admin, values=values, items=items)
    report("price lists", len(catalogue.price_lists), len(catalogue.price_lists))
    report("exchange rates", exchange_rates_load(actor=admin, rates=catalogue.rates), len(catalogue.rates))
    won = list(Deal.objects.filter(stage__outcome=Outcome.WON).select_related("owner", "team").order_by("pk"))
    plans = generator.plan(won_deals=won, products=products, scale=scale)
    report("documents", 0, len(plans))
    written = documents_load_history(actor=admin, plans=plans)
    report("documents", len(plans), len(plans))
    for stage, count in (("quotes", written.quotes), ("orders", written.orders), ("invoices", written.invoices),
                         ("credit notes", written.credit_notes), ("payments", written.payments)):  # fmt: skip
        report(stage, count, count)


def write_timeline(*, seed: int, seeded_ids: bool, now: dt.datetime, admin: User, report: Progress) -> dict[str, int]:
    """The activities, e-mails, tasks and projects around the deals and contacts just written
    (`site/demo/activities.py` plans them), through the activities' and channels' history actions."""
    from clientela.activities.actions.history import activities_load_history, tasks_load_history
    from clientela.activities.actions.projects import project_create
    from clientela.channels.actions.history import emails_load_history
    from clientela.parties.models import Affiliation
    from clientela.sales.models import Deal, Outcome, StageChange
    from clientela.site.demo.activities import TimelineGenerator, TimelinePlans

    generator = TimelineGenerator(seed=seed, now=now, seeded_ids=seeded_ids)
    plans = TimelinePlans()
    moves: dict[int, list[Any]] = defaultdict(list)
    for change in StageChange.objects.select_related("to_stage").order_by("deal_id", "changed_at", "id"):
        moves[change.deal_id].append((change.changed_at, change.to_stage))
    people: dict[int, list[Contact]] = defaultdict(list)
    for link in Affiliation.objects.select_related("contact").order_by("organization_id", "id"):
        people[link.organization_id].append(link.contact)
    deals = list(Deal.objects.select_related("owner__team", "team", "contact", "organization", "stage")
                 .filter(owner__isnull=False).order_by("pk"))  # fmt: skip
    with_deals: set[int] = set()
    for deal in deals:
        with_deals.add(deal.contact_id or 0)
        generator.deal_story(deal, moves.get(deal.pk, []), people.get(deal.organization_id or 0, []), plans)
    owners = {u.pk: u for u in User.objects.select_related("team").filter(is_active=True)}
    for contact in (
        Contact.objects.filter(owner__isnull=False)
        .order_by("pk")
        .only("pk", "public_id", "owner_id", "first_name", "last_name")
    ):
        if contact.pk not in with_deals and generator.rng.random() < 0.33 and contact.owner_id in owners:
            generator.own_touches(contact, owners[contact.owner_id], plans)
    won = [d for d in deals if d.stage.outcome == Outcome.WON and d.closed_on is not None]
    won.sort(key=lambda d: (d.closed_on, d.pk))
    for deal in won[-15:]:
        plans.projects.append(generator.project(deal))
    plans.activities.sort(key=lambda p: p.occurred_at)
    plans.emails.sort(key=lambda p: p.activity.occurred_at)
    by_owner: dict[int, list[Any]] = defaultdict(list)
    for plan in plans.activities:
        by_owner[plan.owner.pk].append(plan)
    written = 0
    for owner_plans in by_owner.values():
        written += len(activities_load_history(actor=owner_plans[0].owner, plans=owner_plans, now=now))
        report("activities", written, len(plans.activities))
    emails = len(emails_load_history(actor=admin, plans=plans.emails, now=now))
    report("e-mails", emails, emails)
    tasks = len(tasks_load_history(actor=admin, plans=plans.tasks, now=now))
    for values, project_tasks in plans.projects:
        owner = values.pop("owner")
        project = project_create(actor=admin, values={**values, "owner": owner})
        for task in project_tasks:
            task.project = project
        tasks += len(tasks_load_history(actor=admin, plans=project_tasks, now=now))
    report("tasks", tasks, tasks)
    report("projects", len(plans.projects), len(plans.projects))
    return {"activities": written + emails, "emails": emails, "tasks": tasks, "projects": len(plans.projects)}


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
    with transaction.atomic(), acting_via("demo"):
        events_before = Event.objects.count()
        teams, users = ensure_people()
        report("teams and users", len(users), len(users))
        usable = ensure_custom_fields(users["admin"])
        report("custom fields", len(business.CUSTOM_FIELDS), len(business.CUSTOM_FIELDS))

        generator = Generator(seed=seed, teams=teams, owners=owners_by_team(users), now=now, seeded_ids=seeded_ids)
        world = generator.world(organizations=n_organizations, contacts=n_contacts)
        _drop_unusable_custom(world, usable)
        # Parents first: a subsidiary's row names its parent's record.
        parents = [plan for plan in world.organizations if plan.record.parent is None]
        subsidiaries = [plan for plan in world.organizations if plan.record.parent is not None]
        write_parties(parents, "organizations", report)
        write_parties(subsidiaries, "subsidiaries", report)
        write_parties(world.contacts, "contacts", report)
        relationships = write_relationships(world, report)
        deals, leads = write_sales(
            world, seed=seed, scale=scale, seeded_ids=seeded_ids, now=now, teams=teams, users=users, report=report
        )
        write_documents(world, seed=seed, scale=scale, seeded_ids=seeded_ids, now=now, admin=users["admin"],
                        report=report)  # fmt: skip
        write_timeline(seed=seed, seeded_ids=seeded_ids, now=now, admin=users["admin"], report=report)
        from clientela.site.demo.privacy import write_privacy

        privacy = write_privacy(seed=seed, now=now, admin=users["admin"])
        report("consents", privacy["consents"], privacy["consents"])
        events = Event.objects.count() - events_before
        report("change log", events, events)
    return Loaded(
        teams=len(teams),
        users=len(users),
        organizations=len(world.organizations),
        contacts=len(world.contacts),
        relationships=relationships,
        events=events,
        deals=deals,
        leads=leads,
    )
