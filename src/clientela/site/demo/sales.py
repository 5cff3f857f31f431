"""Plans the demo's selling: three years of deals in two pipelines and the leads they came from.

Like `generate`, everything comes from seeded `random.Random` streams, so a seed gives the same
deals (and a fixed `now` the same dates); the result is plans for the sales app's batch actions
(`sales.actions.history`), which `load` writes. What the plans are made to show:

- deals of the demo organizations and their contacts, owned by the sales people and managers
  of the organization's team, in the currency of the team's country (the International team
  sells in roubles in Russia, in euros elsewhere), sized by the organization's size;
- each deal's way through its pipeline: forward a stage at a time (sometimes skipping one,
  now and then back one), days to weeks in each stage during office hours of the team's
  country, until it is won or lost (with a reason: price most often, then a competitor, no
  budget, timing, quality...) or, if that moment has not come yet, still open. Deals lost early
  are many, so the later a stage, the larger the share of the deals that reach it which are won,
  as the learned probabilities should show. Some open deals stall (no move for months); stalled
  for long, a pipeline review closes them as lost (mostly for "No decision");
- leads in every status: new and in work (recent), qualified, disqualified with a reason, and
  converted ones, which became a demo contact (and its organization) and a deal of theirs.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from clientela.sales.actions.history import DealPlan, LeadPlan
from clientela.sales.models import DisqualifyReason, ForecastCategory, LeadSource, LeadStatus, Outcome
from clientela.site.demo import business, names, places
from clientela.site.demo.generate import HISTORY_DAYS, PartyPlan, pattern, weighted

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User
    from clientela.sales.models import LostReason, Pipeline, Stage

# Deals are in the currency of the team's country; the International team's in roubles for a
# Russian customer, else in euros. Amounts are planned in euros and converted at rough rates,
# then rounded as people quote them.
CURRENCY_OF_COUNTRY = {"HU": "HUF", "PL": "PLN", "RO": "RON", "TR": "TRY", "RU": "RUB"}
EUR_RATES = {"EUR": 1.0, "HUF": 395.0, "PLN": 4.3, "RON": 4.97, "TRY": 36.0, "RUB": 100.0}
ROUNDED_TO = {"EUR": 100, "HUF": 10_000, "PLN": 100, "RON": 100, "TRY": 1_000, "RUB": 10_000}
# A typical deal's size (EUR) by the customer's size.
DEAL_SIZE_EUR = {"1-9": 2_500, "10-49": 7_000, "50-249": 18_000, "250-999": 40_000, "1000+": 85_000}
# Who buys: deals per organization by its size and its lifecycle stage.
SIZE_WEIGHT = {"1-9": 1.0, "10-49": 2.0, "50-249": 3.5, "250-999": 5.0, "1000+": 6.0}
STAGE_WEIGHT = {"customer": 3.0, "prospect": 2.0, "lost": 1.2, "target": 0.6}
ZONES = {"HU": "Europe/Budapest", "TR": "Europe/Istanbul", "PL": "Europe/Warsaw", "RO": "Europe/Bucharest"}
DEFAULT_ZONE = "Europe/Vienna"

# Why deals are lost, by the name of the reason (one the site added counts as rare).
LOST_REASON_WEIGHTS = {
    "Price": 30, "Chose a competitor": 21, "No budget": 15, "Timing": 11, "Quality": 8, "No decision": 1,
    "Delivery": 4, "Service": 3, "Other": 3,
}  # fmt: skip
# A stalled deal closed in a pipeline review: mostly nobody decided; or, asked, they said so.
CLEAN_UP_REASONS = {"No decision": 50, "Timing": 25, "No budget": 25}
DAYS_IN_STAGE = (20.0, 26.0)  # median days in the first open stage, and how many more in the last
CREATED_SKEW = 0.65  # below 1: more deals in recent months (a growing business)
LOSSES = (0.21, 0.10)  # the share of deals lost in the first open stage, and how much fewer in the last
STALLS = 0.06  # the share of deals in a stage that stall there
CLEAN_UP_DAYS = (300, 650)  # how long a stalled deal stays open before it is closed as lost
LOST_NOTES = {
    "Price": ("Our offer was about 15% above their budget.", "Went with a cheaper offer.", "Asked for a discount we could not give."),  # noqa: E501
    "Chose a competitor": ("Chose {competitor}.", "{competitor} offered a shorter delivery time."),
    "No budget": ("Budget frozen until next year.", "Project postponed after the budget review."),
    "Timing": ("Not before the next financial year.", "They will come back after the reorganisation."),
    "Quality": ("Failed their technical evaluation.", "Expected a longer warranty."),
    "No decision": ("No answer after several follow-ups; closed in the pipeline review.",),
    "Delivery": ("Needed it within two weeks.",),
}  # fmt: skip
COMPETITORS = (
    "Nordwerk Automation", "Altus Controls", "Vektor Systems", "Baltic Industrial", "Danubia Technik",
    "Anka Mühendislik", "Carpat Solutions", "Volga Engineering",
)  # fmt: skip
PRODUCTS = (
    "Industrial sensors", "Control cabinets", "Maintenance contract", "Spare parts", "Installation",
    "Operator training", "Monitoring software", "Energy audit", "Extended warranty", "Remote support",
)  # fmt: skip
OFFERINGS: tuple[tuple[str, int], ...] = (
    ("Annual supply", 14), ("Framework agreement", 8), ("Maintenance contract", 12), ("Spare parts order", 10),
    ("Line upgrade", 7), ("Pilot installation", 6), ("Expansion", 6), ("Replacement order", 8),
    ("Software licences", 8), ("Training programme", 5), ("Energy efficiency package", 5), ("Remote support plan", 6),
)  # fmt: skip
PROJECT_OFFERINGS = (
    "Plant automation", "Warehouse retrofit", "Control system migration", "Energy monitoring roll-out",
    "New production line", "Site modernisation",
)  # fmt: skip
DESCRIPTIONS = (
    "Needs delivery before {month}.", "Decision by the board in {month}.", "Part of their {year} investment plan.",
    "Technical visit done; waiting for the drawings.", "Wants references from the same industry.",
    "Payment in two instalments requested.",
)  # fmt: skip

# The second pipeline: longer, larger projects (created by the demo's administrator).
PROJECTS_PIPELINE = "Projects"
PROJECT_STAGES: tuple[dict[str, Any], ...] = (
    {"name": "Scoping", "probability": 10}, {"name": "Solution design", "probability": 30},
    {"name": "Quotation", "probability": 55}, {"name": "Contract", "probability": 80},
    {"name": "Won", "probability": 100, "outcome": "won"}, {"name": "Lost", "probability": 0, "outcome": "lost"},
)  # fmt: skip

LEAD_STATUSES: tuple[tuple[str, int], ...] = (
    (LeadStatus.NEW, 17), (LeadStatus.WORKING, 16), (LeadStatus.QUALIFIED, 12),
    (LeadStatus.DISQUALIFIED, 25), (LeadStatus.CONVERTED, 30),
)  # fmt: skip
LEAD_SOURCES: tuple[tuple[str, int], ...] = (
    (LeadSource.WEB_FORM, 22), (LeadSource.WEBSITE, 12), (LeadSource.EMAIL, 10), (LeadSource.PHONE, 9),
    (LeadSource.REFERRAL, 14), (LeadSource.EVENT, 11), (LeadSource.CAMPAIGN, 9), (LeadSource.PARTNER, 6),
    (LeadSource.COLD_CALL, 7),
)  # fmt: skip
DISQUALIFY_REASONS: tuple[tuple[str, int], ...] = (
    (DisqualifyReason.NO_BUDGET, 22), (DisqualifyReason.NO_NEED, 20), (DisqualifyReason.UNREACHABLE, 15),
    (DisqualifyReason.TIMING, 12), (DisqualifyReason.COMPETITOR, 10), (DisqualifyReason.NO_AUTHORITY, 8),
    (DisqualifyReason.DUPLICATE, 6), (DisqualifyReason.SPAM, 4), (DisqualifyReason.OTHER, 3),
)  # fmt: skip
# Leads still open are recent (days they were captured within); how many steps each status took.
OPEN_LEAD_DAYS: dict[str, int] = {LeadStatus.NEW: 30, LeadStatus.WORKING: 75, LeadStatus.QUALIFIED: 120}
OPEN_LEAD_STEPS: dict[str, int] = {LeadStatus.NEW: 0, LeadStatus.WORKING: 1, LeadStatus.QUALIFIED: 2}
DISQUALIFY_NOTES = {
    DisqualifyReason.NO_BUDGET: "No budget this year.",
    DisqualifyReason.NO_NEED: "Looking for something we do not sell.",
    DisqualifyReason.UNREACHABLE: "Three calls and two e-mails without an answer.",
    DisqualifyReason.TIMING: "Maybe next year.",
    DisqualifyReason.COMPETITOR: "Signed with another supplier last month.",
    DisqualifyReason.DUPLICATE: "Already a customer; passed to the account owner.",
}
QUALIFICATION_NOTES = (
    "Asked for a call about {product}.", "Downloaded the {product} brochure.", "Met at the {fair}.",
    "Budget approved for {year}.", "Wants a demo of {product}.",
)  # fmt: skip


@dataclass(frozen=True)
class Shape:
    """How deals move through one pipeline: its stages, how long they stay in each (median days,
    by open stage) and how often they are lost there; how large they are."""

    pipeline: Pipeline
    open: tuple[Stage, ...]
    won: Stage
    lost: Stage
    days: tuple[float, ...]
    lose: tuple[float, ...]
    size: float  # times the customer's typical deal

    @classmethod
    def of(cls, pipeline: Pipeline, *, slower: float, larger: float) -> Shape:
        stages = list(pipeline.stages.all())
        opened = tuple(s for s in stages if s.outcome == Outcome.OPEN)
        won = next(s for s in stages if s.outcome == Outcome.WON)
        lost = next(s for s in stages if s.outcome == Outcome.LOST)
        count = len(opened)
        # Days to weeks in each stage, longer towards the end; fewer losses towards the end.
        days = tuple(slower * (DAYS_IN_STAGE[0] + DAYS_IN_STAGE[1] * i / max(count - 1, 1)) for i in range(count))
        lose = tuple(LOSSES[0] - LOSSES[1] * i / max(count - 1, 1) for i in range(count))
        return cls(pipeline, opened, won, lost, days, lose, larger)


@dataclass
class SalesPlan:
    """The demo's selling, as the batch actions take it."""

    deals: list[DealPlan] = field(default_factory=list)  # written by `deals_load_history`
    leads: list[LeadPlan] = field(default_factory=list)  # with the deals converted ones became


@dataclass
class _Customer:
    plan: PartyPlan
    contacts: list[PartyPlan]  # their people, by when they were added


class SalesGenerator:
    def __init__(
        self,
        *,
        seed: int,
        organizations: list[PartyPlan],
        contacts: list[PartyPlan],
        owners: dict[str, list[tuple[User, int]]],
        teams: dict[str, Team],
        lost_reasons: Sequence[LostReason],
        now: dt.datetime,
        seeded_ids: bool = True,
    ) -> None:
        self.rng = random.Random(seed * 7919 + 31)  # a stream of its own: the parties stay as they were
        self._id_rng = random.Random(seed * 7919 + 37) if seeded_ids else None
        self.now = now
        self.owners = owners
        self.teams = teams
        self.reasons = [(r, LOST_REASON_WEIGHTS.get(r.name, 2)) for r in lost_reasons]
        self.clean_up = [(r, CLEAN_UP_REASONS[r.name]) for r in lost_reasons if r.name in CLEAN_UP_REASONS]
        self._zones: dict[str, ZoneInfo] = {}
        people: dict[int, list[PartyPlan]] = {}
        for person in contacts:
            if person.affiliations:
                people.setdefault(id(person.affiliations[0][0]), []).append(person)
        customers = sorted(organizations, key=lambda p: p.record.created_at)
        self.customers = [
            _Customer(p, sorted(people.get(id(p), []), key=lambda c: c.record.created_at)) for p in customers
        ]
        self._since = [c.plan.record.created_at for c in self.customers]
        self._plan_of = {id(p.record): p for p in (*organizations, *contacts)}
        self._lead_emails: set[str] = set()

    # --- small helpers --------------------------------------------------------------------------

    def public_id(self) -> uuid.UUID | None:
        if self._id_rng is None:
            return None  # the action gives a new time-ordered id
        return uuid.UUID(int=self._id_rng.getrandbits(128), version=4)

    def zone(self, team: Team | None, country: str = "") -> ZoneInfo:
        code = getattr(team, "country", "") or country
        name = ZONES.get(code, DEFAULT_ZONE)
        if name not in self._zones:
            self._zones[name] = ZoneInfo(name)
        return self._zones[name]

    def at_work(self, day: dt.date, zone: ZoneInfo) -> dt.datetime:
        """A moment of office hours (Monday to Friday, 8:00 to 18:00) on `day` or the next working day."""
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        minute = self.rng.randrange(8 * 60, 18 * 60)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=zone)

    def after(self, moment: dt.datetime, days: float, zone: ZoneInfo) -> dt.datetime:
        """About `days` after `moment`, in office hours, and always later than it."""
        candidate = self.at_work((moment + dt.timedelta(days=days)).astimezone(zone).date(), zone)
        if candidate <= moment + dt.timedelta(minutes=20):
            candidate = moment + dt.timedelta(minutes=self.rng.randrange(20, 240))
        return candidate

    def created_at(self, zone: ZoneInfo, *, within_days: float = HISTORY_DAYS, skew: float = 0.55) -> dt.datetime:
        """A moment of the last `within_days`, more of them recently (a growing business)."""
        back = within_days * (1 - self.rng.random() ** skew)
        moment = self.at_work((self.now - dt.timedelta(days=back)).astimezone(zone).date(), zone)
        if moment >= self.now:
            moment = self.now - dt.timedelta(minutes=self.rng.randrange(30, 600))
        return moment

    def owner(self, team: Team, usual: User | None = None) -> User:
        if usual is not None and self.rng.random() < 0.6 and usual.team_id == team.pk:
            return usual
        return weighted(self.rng, self.owners[team.name])

    def amount(self, plan: PartyPlan, currency: str, larger: float) -> Decimal:
        euros = DEAL_SIZE_EUR[plan.record.size or "10-49"] * larger * self.rng.lognormvariate(0, 0.7)
        step = ROUNDED_TO[currency]
        rounded = max(1, round(euros * EUR_RATES[currency] / step)) * step
        return Decimal(rounded).quantize(Decimal("0.01"))

    @staticmethod
    def currency(team: Team | None, country: str) -> str:
        return CURRENCY_OF_COUNTRY.get(getattr(team, "country", "") or country, "EUR")

    def customer(self, before: dt.datetime, projects: bool) -> _Customer | None:
        """An organization that existed `before`, the larger and the closer to buying the likelier."""
        known = bisect.bisect_left(self._since, before - dt.timedelta(days=1))
        if not known:
            return None
        for _attempt in range(20):
            candidate = self.customers[self.rng.randrange(known)]
            record = candidate.plan.record
            weight = SIZE_WEIGHT[record.size or "10-49"] * STAGE_WEIGHT.get(record.lifecycle_stage, 1.0)
            if projects and record.size in ("1-9", "10-49"):
                weight /= 4
            if self.rng.random() * 18 < weight:
                return candidate
        return candidate

    # --- deals ------------------------------------------------------------------------------------

    def deals(self, shape: Shape, count: int) -> list[DealPlan]:
        plans = []
        projects = not shape.pipeline.is_default
        for _ in range(count):
            plan = self.deal(shape, projects)
            if plan is not None:
                plans.append(plan)
        return plans

    def deal(self, shape: Shape, projects: bool) -> DealPlan | None:
        rng = self.rng
        customer = None
        for _attempt in range(50):  # the first days of the history have few customers yet
            guess = self.created_at(self.zone(None), skew=CREATED_SKEW)
            customer = self.customer(guess, projects)
            if customer is not None:
                break
        if customer is None:
            return None
        organization = customer.plan.record
        team = organization.team
        zone = self.zone(team, customer.plan.country)
        created = self.at_work(guess.astimezone(zone).date(), zone)
        if not organization.created_at < created < self.now:
            created = guess.astimezone(zone)
        people = [c for c in customer.contacts if c.record.created_at < created]
        contact = rng.choice(people[-4:]).record if people and rng.random() < 0.9 else None
        currency = self.currency(team, customer.plan.country)
        steps, reason = self.path(shape, created, zone)
        last = steps[-1][0]
        values: dict[str, Any] = {
            "name": self.deal_name(organization.name, created, projects),
            "amount": self.amount(customer.plan, currency, shape.size),
            "currency": currency,
            "expected_close_date": self.expected_close(shape, created),
            "organization": organization,
            "contact": contact,
        }
        if rng.random() < 0.7:
            values["products_of_interest"] = ", ".join(rng.sample(PRODUCTS, rng.randint(1, 3)))
        competitors = rng.sample(COMPETITORS, rng.randint(1, 2)) if rng.random() < 0.35 else []
        if reason is not None and reason.name == "Chose a competitor" and not competitors:
            competitors = [rng.choice(COMPETITORS)]
        if competitors:
            values["competitors"] = ", ".join(competitors)
        if rng.random() < 0.3:
            values["description"] = rng.choice(DESCRIPTIONS).format(
                month=rng.choice(business.MONTHS), year=created.year + 1
            )
        if reason is not None and reason.name in LOST_NOTES and rng.random() < 0.5:
            note = rng.choice(LOST_NOTES[reason.name])
            values["lost_note"] = note.format(competitor=competitors[0] if competitors else rng.choice(COMPETITORS))
        if last.outcome == Outcome.OPEN:
            values |= self.judgement(shape, last)
        return DealPlan(
            values=values,
            steps=steps,
            owner=self.owner(team, organization.owner),
            team=team,
            lost_reason=reason,
            public_id=self.public_id(),
        )

    def deal_name(self, organization: str, created: dt.datetime, projects: bool) -> str:
        offering = self.rng.choice(PROJECT_OFFERINGS) if projects else weighted(self.rng, OFFERINGS)
        return f"{organization}: {offering} {created.year}"

    def expected_close(self, shape: Shape, created: dt.datetime) -> dt.date:
        days = sum(shape.days) * self.rng.uniform(0.9, 2.2)
        return created.date() + dt.timedelta(days=round(days))

    def judgement(self, shape: Shape, stage: Stage) -> dict[str, Any]:
        """An open deal's forecast category (and now and then the rep's own probability)."""
        rng = self.rng
        position = shape.open.index(stage) / max(len(shape.open) - 1, 1)
        values: dict[str, Any] = {}
        if position >= 1:
            values["forecast_category"] = weighted(
                rng, ((ForecastCategory.COMMIT, 55), (ForecastCategory.BEST_CASE, 35), (ForecastCategory.PIPELINE, 10))
            )
        elif position >= 0.5:
            categories = ((ForecastCategory.BEST_CASE, 40), (ForecastCategory.PIPELINE, 60))
            values["forecast_category"] = weighted(rng, categories)
        if position >= 0.5 and rng.random() < 0.15:
            values["probability"] = max(5, min(95, stage.probability + rng.choice((-15, -10, 10, 15))))
        return values

    def path(self, shape: Shape, created: dt.datetime, zone: ZoneInfo) -> tuple[list[tuple[Stage, dt.datetime]], Any]:
        """The stages a deal entered, with when, and its lost reason if it was lost.

        At each open stage the deal is lost, goes back one stage (once at most), skips the next
        stage, or moves on (from the last open stage: won); a few stall there. A move that
        would come after now has not happened yet: the deal is open in its stage."""
        rng = self.rng
        count = len(shape.open)
        index = 1 if count > 2 and rng.random() < 0.12 else 0  # inbound, qualified already
        steps: list[tuple[Stage, dt.datetime]] = [(shape.open[index], created)]
        went_back = False
        while True:
            moment = steps[-1][1]
            stay = shape.days[index] * rng.lognormvariate(0, 0.75)
            if rng.random() < STALLS:  # nobody moves it any more, until a pipeline review closes it
                clean_up = self.after(moment, rng.uniform(*CLEAN_UP_DAYS), zone)
                if self.clean_up and clean_up < self.now:
                    steps.append((shape.lost, clean_up))
                    return steps, weighted(rng, self.clean_up)
                return steps, None
            then = self.after(moment, stay, zone)
            if then >= self.now:
                return steps, None
            draw = rng.random()
            back = 0.06 if index > 0 and not went_back else 0.0
            skip = 0.08 if index + 2 < count else 0.0
            if draw < shape.lose[index]:
                steps.append((shape.lost, then))
                return steps, weighted(rng, self.reasons)
            if draw < shape.lose[index] + back:
                index, went_back = index - 1, True
            elif draw < shape.lose[index] + back + skip:
                index += 2
            else:
                index += 1
            if index >= count:
                steps.append((shape.won, then))
                return steps, None
            steps.append((shape.open[index], then))

    # --- leads ------------------------------------------------------------------------------------

    def leads(self, count: int, deals: list[DealPlan]) -> list[LeadPlan]:
        """`count` leads; the converted ones take a deal of `deals` (with a contact) as the deal
        they became, which then leaves `deals` (it is written with its lead)."""
        rng = self.rng
        statuses = shares(LEAD_STATUSES, count)
        rng.shuffle(statuses)
        converting = [i for i, plan in enumerate(deals) if plan.values.get("contact") is not None]
        rng.shuffle(converting)
        taken: set[int] = set()
        plans: list[LeadPlan] = []
        for status in statuses:
            if status == LeadStatus.CONVERTED and converting:
                index = converting.pop()
                taken.add(index)
                plans.append(self.converted_lead(deals[index]))
            else:
                if status == LeadStatus.CONVERTED:
                    status = LeadStatus.QUALIFIED
                plans.append(self.open_lead(status))
        deals[:] = [plan for i, plan in enumerate(deals) if i not in taken]
        return plans

    def converted_lead(self, deal: DealPlan) -> LeadPlan:
        """The lead a deal came from: the deal's contact asked, was qualified and converted."""
        rng = self.rng
        converted = deal.steps[0][1]
        contact = deal.values["contact"]
        organization = deal.values["organization"]
        person, company = self._plan_of[id(contact)], self._plan_of[id(organization)]
        days = rng.lognormvariate(math.log(12), 0.7)
        captured = converted - dt.timedelta(days=days)
        working = captured + dt.timedelta(days=days * rng.uniform(0.1, 0.4))
        qualified = captured + dt.timedelta(days=days * rng.uniform(0.5, 0.9))
        steps: list[tuple[str, dt.datetime]] = [(LeadStatus.NEW, captured)]
        if rng.random() < 0.8:
            steps.append((LeadStatus.WORKING, working))
        steps += [(LeadStatus.QUALIFIED, qualified), (LeadStatus.CONVERTED, converted)]
        values: dict[str, Any] = {
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "title": contact.title,
            "company": organization.name,
            "email": person.emails[0].value if person.emails else "",
            "phone": person.phones[0].value if person.phones else "",
            "website": organization.website,
            "country": company.country,
            "source": weighted(rng, LEAD_SOURCES),
            "estimated_amount": deal.values["amount"],
            "currency": deal.values["currency"],
        }
        if rng.random() < 0.5:
            values["qualification_notes"] = self.qualification_note(converted)
        return LeadPlan(
            values=values,
            steps=steps,
            owner=deal.owner,
            team=deal.team,
            organization=organization,
            contact=contact,
            deal=deal,
            public_id=self.public_id(),
        )

    def qualification_note(self, moment: dt.datetime) -> str:
        return self.rng.choice(QUALIFICATION_NOTES).format(
            product=self.rng.choice(PRODUCTS).lower(), fair=self.rng.choice(business.FAIRS), year=moment.year
        )

    def open_lead(self, status: str) -> LeadPlan:
        """A lead that is no customer yet: new or in work (recent), qualified, or disqualified."""
        rng = self.rng
        code = weighted(rng, [(c, int(country.weight * 1000)) for c, country in places.COUNTRIES.items()])
        country = places.COUNTRIES[code]
        team = self.teams[places.TEAM_OF_COUNTRY.get(code, places.DEFAULT_TEAM)]
        zone = self.zone(team, code)
        within = OPEN_LEAD_DAYS.get(status, HISTORY_DAYS)
        if status == LeadStatus.NEW and rng.random() < 0.2:
            within = 150  # forgotten ones
        gaps = OPEN_LEAD_STEPS.get(status, rng.randint(1, 2))
        created = self.created_at(zone, within_days=within, skew=1.0)
        steps: list[tuple[str, dt.datetime]] = [(LeadStatus.NEW, created)]
        path = [LeadStatus.WORKING, LeadStatus.QUALIFIED][: gaps - (status == LeadStatus.DISQUALIFIED)]
        if status == LeadStatus.DISQUALIFIED:
            path.append(LeadStatus.DISQUALIFIED)
        for next_status in path:
            moment = self.after(steps[-1][1], rng.lognormvariate(math.log(4), 0.8), zone)
            if moment >= self.now:
                break
            steps.append((next_status, moment))
        values = self.lead_person(code, country)
        values["source"] = weighted(rng, LEAD_SOURCES)
        if rng.random() < 0.6:
            currency = self.currency(team, code)
            euros = DEAL_SIZE_EUR[weighted(rng, business.SIZE_WEIGHTS)] * rng.lognormvariate(0, 0.6)
            step = ROUNDED_TO[currency]
            values["estimated_amount"] = Decimal(max(1, round(euros * EUR_RATES[currency] / step)) * step)
            values["currency"] = currency
        if rng.random() < 0.4:
            values["qualification_notes"] = self.qualification_note(created)
        reason = note = ""
        if steps[-1][0] == LeadStatus.DISQUALIFIED:
            reason = weighted(rng, DISQUALIFY_REASONS)
            note = DISQUALIFY_NOTES.get(DisqualifyReason(reason), "") if rng.random() < 0.5 else ""
        return LeadPlan(
            values=values,
            steps=steps,
            owner=self.owner(team),
            team=team,
            disqualify_reason=reason,
            disqualify_note=note,
            public_id=self.public_id(),
        )

    def lead_person(self, code: str, country: places.Country) -> dict[str, Any]:
        rng = self.rng
        name_list = names.NAMES[code]
        female = rng.random() < 0.5
        first = rng.choice(name_list.female if female else name_list.male)
        last = name_list.family_name(rng.randrange(len(name_list.family)), female=female)
        values: dict[str, Any] = {"first_name": first, "last_name": last, "country": code}
        local = names.latin(f"{first}.{last}").replace(" ", "")
        if rng.random() < 0.8:
            industry = weighted(rng, tuple(business.INDUSTRY_WEIGHTS.items()))
            stem = rng.choice(business.STEMS[code])
            word = rng.choice(business.INDUSTRIES[industry])
            company = f"{stem} {word}"
            domain = f"{names.latin(company).replace(' ', '').replace('.', '')}-{code.lower()}.example"
            values |= {"company": company, "title": weighted(rng, business.JOB_TITLES)}
            if rng.random() < 0.5:
                values["website"] = f"https://www.{domain}"
        else:
            domain = rng.choice(places.PERSONAL_MAIL_DOMAINS)
        if rng.random() < 0.85:
            email = f"{local}@{domain}"
            number = 2
            while email in self._lead_emails:
                email, number = f"{local}{number}@{domain}", number + 1
            self._lead_emails.add(email)
            values["email"] = email
        if rng.random() < 0.7:
            values["phone"] = f"+{country.calling_code} {pattern(rng, rng.choice(country.mobile))}"
        return values

    # --- everything ---------------------------------------------------------------------------------

    def plan(self, *, sales: Shape, projects: Shape | None, deals: int, project_deals: int, leads: int) -> SalesPlan:
        sales_deals = self.deals(sales, deals)
        project_plans = self.deals(projects, project_deals) if projects is not None else []
        lead_plans = self.leads(leads, sales_deals)
        return SalesPlan(deals=sorted([*sales_deals, *project_plans], key=lambda p: p.steps[0][1]), leads=lead_plans)


def shares(weights: Sequence[tuple[str, int]], count: int) -> list[str]:
    """`count` values in the proportions of their weights (largest remainders), so that even a
    small demo has some of each."""
    total = sum(weight for _value, weight in weights)
    exact = [(value, count * weight / total) for value, weight in weights]
    numbers = {value: math.floor(share) for value, share in exact}
    by_remainder = sorted(exact, key=lambda pair: pair[1] - math.floor(pair[1]), reverse=True)
    for value, _share in by_remainder[: count - sum(numbers.values())]:
        numbers[value] += 1
    return [value for value, _weight in weights for _ in range(numbers[value])]
