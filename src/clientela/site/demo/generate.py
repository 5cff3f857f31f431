"""Builds the demo's organizations, contacts and relationships in memory.

Everything comes from one seeded `random.Random`, so the same seed gives the same
customers. The result is unsaved model instances (holding the values) plus their
child rows; `load` writes them through the application's write path, which fills
the derived fields (primary e-mail/phone, name key, search text).
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from clientela.parties import cleaning
from clientela.parties.models import Address, Contact, ContactPoint, Organization, Relationship
from clientela.site.demo import business, names, places, taxids

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User

T = TypeVar("T")
# Ages and birth dates are counted from this day, so a seed gives the same people every year.
REFERENCE_DAY = dt.date(2025, 6, 30)
HISTORY_DAYS = 3 * 365  # records were created over the last three years


def weighted(rng: random.Random, pairs: Sequence[tuple[T, int]]) -> T:
    return rng.choices([value for value, _w in pairs], weights=[w for _v, w in pairs])[0]


def pattern(rng: random.Random, shape: str) -> str:
    return "".join(str(rng.randrange(10)) if char == "#" else char for char in shape)


@dataclass
class PartyPlan:
    """One organization or contact with the rows that hang off it."""

    record: Any  # Organization | Contact
    country: str
    emails: list[ContactPoint] = field(default_factory=list)
    phones: list[ContactPoint] = field(default_factory=list)
    addresses: list[Address] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    # contacts: (organization plan, role, is_primary)
    affiliations: list[tuple[PartyPlan, str, bool]] = field(default_factory=list)
    domain: str = ""  # organizations: the .example domain of its web site and e-mails


@dataclass
class DemoWorld:
    organizations: list[PartyPlan]
    contacts: list[PartyPlan]
    relationships: list[Relationship]  # unsaved, in the order they are added


class Generator:
    def __init__(
        self,
        *,
        seed: int,
        teams: dict[str, Team],
        owners: dict[str, list[tuple[User, int]]],
        now: dt.datetime,
        seeded_ids: bool = True,
    ) -> None:
        self.rng = random.Random(seed)
        # Ids come from their own stream, so the data is the same with or without seeded ids.
        self._id_rng = random.Random(f"{seed}:ids") if seeded_ids else None
        self.teams = teams
        self.owners = owners
        self.now = now
        self._emails: set[str] = set()
        self._org_names: set[str] = set()
        self._countries = [(code, int(country.weight * 1000)) for code, country in places.COUNTRIES.items()]
        self._plan_of: dict[int, PartyPlan] = {}

    # --- small helpers -----------------------------------------------------------------

    def public_id(self) -> uuid.UUID:
        if self._id_rng is None:
            return uuid.uuid4()
        return uuid.UUID(int=self._id_rng.getrandbits(128), version=4)

    def team_for(self, country: str) -> Team:
        return self.teams[places.TEAM_OF_COUNTRY.get(country, places.DEFAULT_TEAM)]

    def owner_for(self, team: Team) -> User:
        return weighted(self.rng, self.owners[team.name])

    def created_at(self, *, after: dt.datetime | None = None) -> dt.datetime:
        start = after or self.now - dt.timedelta(days=HISTORY_DAYS)
        span = max((self.now - start).total_seconds(), 60.0)
        # More records in recent months: the square root skews towards the end of the span.
        offset = span * (self.rng.random() ** 0.6)
        return start + dt.timedelta(seconds=offset)

    def unique_email(self, local: str, domain: str) -> str:
        local = local.strip(".") or "info"
        email = f"{local}@{domain}"
        number = 2
        while email in self._emails:
            email = f"{local}{number}@{domain}"
            number += 1
        self._emails.add(email)
        return email

    def phone(self, country: places.Country, *, mobile: bool) -> str:
        if mobile:
            return f"+{country.calling_code} {pattern(self.rng, self.rng.choice(country.mobile))}"
        city = self.rng.choice(country.cities)
        return f"+{country.calling_code} {city.area} {pattern(self.rng, country.landline)}"

    def address(self, country: places.Country, label: str) -> Address:
        city = self.rng.choice(country.cities)
        street = country.street_format.format(
            street=self.rng.choice(country.streets), number=self.rng.randrange(1, 180)
        )
        return Address(
            label=label,
            street=street,
            city=city.name,
            postal_code=pattern(self.rng, city.postal),
            region=city.region,
            country=country.code,
        )

    @staticmethod
    def point(kind: str, label: str, value: str, primary: bool) -> ContactPoint:
        normalized = cleaning.point_key(kind, value)
        return ContactPoint(kind=kind, label=label, value=value, normalized=normalized, is_primary=primary)

    def tags(self, most: int) -> list[str]:
        count = weighted(self.rng, ((0, 55), (1, 25), (2, 13), (3, 7)))
        chosen: list[str] = []
        for _ in range(min(count, most)):
            tag = weighted(self.rng, business.TAGS)
            if tag not in chosen:
                chosen.append(tag)
        return chosen

    def note(self) -> str:
        template = self.rng.choice(business.NOTES)
        return template.format(
            fair=self.rng.choice(business.FAIRS),
            year=self.rng.choice((2024, 2025, 2026)),
            month=self.rng.choice(business.MONTHS),
        )

    def stage(self) -> str:
        return weighted(self.rng, (("target", 30), ("prospect", 25), ("customer", 38), ("lost", 7)))

    def category(self, stage: str) -> str:
        if stage == "customer" or (stage == "lost" and self.rng.random() < 0.5):
            return weighted(self.rng, business.CUSTOMER_CATEGORIES)
        return ""

    # --- organizations -----------------------------------------------------------------

    def organization_name(self, code: str, industry: str) -> str:
        stems = business.STEMS[code]
        family = names.NAMES[code].family
        for _attempt in range(50):
            stem = self.rng.choice(stems)
            if code == "RU":
                word = self.rng.choice(business.RU_INDUSTRY_WORDS[industry])
                shape = self.rng.random()
                if shape < 0.5 and " " not in word:
                    name = f"{stem}{word.lower()}"
                elif shape < 0.85:
                    name = f"{stem}-{word}"
                else:
                    surname = self.rng.choice(family).partition("/")[0]
                    name = f"{surname} {word}"
            else:
                word = self.rng.choice(business.INDUSTRIES[industry])
                shape = self.rng.random()
                if shape < 0.55:
                    name = f"{stem} {word}"
                elif shape < 0.7 and " " not in word:
                    name = f"{stem}{word.lower()}"
                elif shape < 0.9:
                    surname = self.rng.choice(family).partition("/")[0]
                    name = f"{surname} {word}"
                else:
                    name = f"{stem}-{word}"
            if name not in self._org_names:
                self._org_names.add(name)
                return name
        name = f"{name} {len(self._org_names)}"
        self._org_names.add(name)
        return name

    def organization(self) -> PartyPlan:
        rng = self.rng
        code = weighted(rng, self._countries)
        country = places.COUNTRIES[code]
        industry = weighted(rng, tuple(business.INDUSTRY_WEIGHTS.items()))
        name = self.organization_name(code, industry)
        form = weighted(rng, business.LEGAL_FORMS[code])
        legal_name = f"{form} «{name}»" if code == "RU" else f"{name} {form}"
        size = weighted(rng, business.SIZE_WEIGHTS)
        domain = f"{names.latin(name).replace(' ', '').replace('.', '')}-{code.lower()}.example"
        team = self.team_for(code)
        owner = self.owner_for(team)
        stage = self.stage()
        created = self.created_at()
        organization = Organization(
            public_id=self.public_id(),
            name=name,
            legal_name=legal_name,
            tax_id=taxids.TAX_ID[code](rng) if rng.random() < 0.92 else "",
            industry=industry,
            size=size,
            website=f"https://www.{domain}" if rng.random() < 0.85 else "",
            customer_category=self.category(stage),
            lifecycle_stage=stage,
            source=weighted(rng, business.SOURCES) if rng.random() < 0.85 else "",
            notes=self.note() if rng.random() < 0.35 else "",
            custom=self.organization_custom(size, industry, stage),
            owner=owner,
            team=team,
            created_at=created,
        )
        plan = PartyPlan(record=organization, country=code, domain=domain)
        if rng.random() < 0.8:
            local = rng.choice(("info", "office", "sales", "contact", "hello"))
            plan.emails.append(self.point("email", "work", self.unique_email(local, domain), True))
        if rng.random() < 0.9:
            plan.phones.append(self.point("phone", "work", self.phone(country, mobile=False), True))
            if rng.random() < 0.1:
                plan.phones.append(self.point("phone", "fax", self.phone(country, mobile=False), False))
        plan.addresses.append(self.address(country, "work"))
        if rng.random() < 0.2:
            plan.addresses.append(self.address(country, rng.choice(("billing", "shipping"))))
        plan.tags = self.tags(2)
        return plan

    def organization_custom(self, size: str, industry: str, stage: str) -> dict[str, Any]:
        rng = self.rng
        custom: dict[str, Any] = {}
        if rng.random() < 0.8:
            if industry in ("Education", "Healthcare") and rng.random() < 0.5:
                segment = "Public sector"
            elif size in ("1000+", "250-999"):
                segment = "Enterprise" if size == "1000+" or rng.random() < 0.4 else "Mid-market"
            elif size == "50-249":
                segment = "Mid-market"
            else:
                segment = "Non-profit" if rng.random() < 0.05 else "Small business"
            custom["industry_segment"] = segment
        if rng.random() < 0.6:
            scale = {"1-9": 5, "10-49": 40, "50-249": 200, "250-999": 900, "1000+": 4000}[size]
            custom["annual_budget"] = int(rng.lognormvariate(0, 0.6) * scale) * 1000
        if stage in ("prospect", "customer") and rng.random() < 0.5:
            custom["nda_signed"] = rng.random() < 0.7
        return custom

    def link_parents(self, organizations: list[PartyPlan]) -> None:
        """Some large organizations own a few smaller ones of the same country."""
        rng = self.rng
        by_country: dict[str, list[PartyPlan]] = {}
        for plan in organizations:
            by_country.setdefault(plan.country, []).append(plan)
        for plans in by_country.values():
            parents = [p for p in plans if p.record.size in ("250-999", "1000+")]
            rng.shuffle(parents)
            parents = parents[: max(1, len(plans) // 30)] if len(plans) > 3 else []
            chosen = {id(p) for p in parents}
            free = [p for p in plans if id(p) not in chosen]
            for parent in parents:
                for child in rng.sample(free, min(len(free), rng.randint(1, 4))):
                    if child.record.parent is None:
                        child.record.parent = parent.record  # same country, so the same team

    # --- contacts ----------------------------------------------------------------------

    def birth_date(self, youngest: int, oldest: int) -> dt.date:
        age_days = self.rng.randint(youngest * 365, oldest * 365)
        return REFERENCE_DAY - dt.timedelta(days=age_days)

    def family_situation(self, age: int) -> tuple[str, int | None]:
        rng = self.rng
        if age < 25:
            status = weighted(rng, (("single", 85), ("partnership", 10), ("married", 5)))
        elif age < 36:
            status = weighted(rng, (("single", 40), ("married", 40), ("partnership", 12), ("divorced", 8)))
        elif age < 60:
            status = weighted(
                rng, (("married", 60), ("single", 12), ("divorced", 16), ("partnership", 8), ("widowed", 4))
            )
        else:
            status = weighted(rng, (("married", 55), ("widowed", 25), ("divorced", 10), ("single", 10)))
        if rng.random() < 0.4:
            return status, None
        if status == "single" and age < 30:
            return status, 0
        return status, weighted(rng, ((0, 25), (1, 30), (2, 32), (3, 10), (4, 3)))

    def contact(self, organizations: list[PartyPlan], org_weights: list[int]) -> PartyPlan:
        rng = self.rng
        organization: PartyPlan | None = None
        if organizations and rng.random() < 0.65:
            organization = rng.choices(organizations, weights=org_weights)[0]
            code = organization.country
        else:
            code = weighted(rng, self._countries)
        country = places.COUNTRIES[code]
        name_list = names.NAMES[code]
        gender = weighted(rng, (("female", 48), ("male", 48), ("undisclosed", 3), ("other", 1)))
        female = gender == "female" or (gender in ("undisclosed", "other") and rng.random() < 0.5)
        first = rng.choice(name_list.female if female else name_list.male)
        last = name_list.family_name(rng.randrange(len(name_list.family)), female=female)
        if organization is not None:
            team = organization.record.team
            owner = organization.record.owner if rng.random() < 0.7 else self.owner_for(team)
            created = self.created_at(after=organization.record.created_at)
            youngest, oldest = 24, 64
        else:
            team = self.team_for(code)
            owner = self.owner_for(team)
            created = self.created_at()
            youngest, oldest = 19, 85
        birth = self.birth_date(youngest, oldest) if rng.random() < 0.85 else None
        age = (REFERENCE_DAY - birth).days // 365 if birth else rng.randint(youngest, oldest)
        marital, children = self.family_situation(age) if rng.random() < 0.7 else ("", None)
        stage = organization.record.lifecycle_stage if organization and rng.random() < 0.8 else self.stage()
        consumer = organization is None
        contact = Contact(
            public_id=self.public_id(),
            first_name=first,
            last_name=last,
            title=weighted(rng, business.JOB_TITLES) if organization else "",
            birth_date=birth,
            gender=gender if rng.random() < 0.95 else "",
            marital_status=marital,
            children=children,
            occupation=rng.choice(business.OCCUPATIONS) if consumer else "",
            income_band=self.income_band(age) if (consumer and rng.random() < 0.85) or rng.random() < 0.2 else "",
            language=country.language,
            preferred_channel=weighted(
                rng,
                (("email", 45), ("phone", 25), ("sms", 5), ("meeting", 10), ("letter", 5), ("web", 5), ("chat", 5)),
            ),
            lifecycle_stage=stage,
            customer_category=self.category(stage),
            source=weighted(rng, business.SOURCES) if rng.random() < 0.85 else "",
            notes=self.note() if rng.random() < 0.25 else "",
            custom=self.contact_custom(),
            owner=owner,
            team=team,
            created_at=created,
        )
        plan = PartyPlan(record=contact, country=code)
        local = names.latin(f"{first}.{last}").replace(" ", "")
        if organization is not None:
            plan.affiliations.append((organization, weighted(rng, business.AFFILIATION_ROLES), True))
            if organization.domain and rng.random() < 0.9:
                plan.emails.append(self.point("email", "work", self.unique_email(local, organization.domain), True))
            if rng.random() < 0.2:
                domain = rng.choice(places.PERSONAL_MAIL_DOMAINS)
                plan.emails.append(self.point("email", "home", self.unique_email(local, domain), not plan.emails))
            if rng.random() < 0.75:
                plan.phones.append(self.point("phone", "work", self.phone(country, mobile=False), True))
            if rng.random() < 0.5:
                plan.phones.append(self.point("phone", "mobile", self.phone(country, mobile=True), not plan.phones))
            if rng.random() < 0.3:
                plan.addresses.append(self.address(country, "home"))
        else:
            if rng.random() < 0.85:
                domain = rng.choice(places.PERSONAL_MAIL_DOMAINS)
                suffix = str(rng.randrange(10, 99)) if rng.random() < 0.4 else ""
                plan.emails.append(self.point("email", "home", self.unique_email(local + suffix, domain), True))
            if rng.random() < 0.8:
                plan.phones.append(self.point("phone", "mobile", self.phone(country, mobile=True), True))
            if rng.random() < 0.15:
                plan.phones.append(self.point("phone", "home", self.phone(country, mobile=False), not plan.phones))
            if rng.random() < 0.75:
                plan.addresses.append(self.address(country, "home"))
        plan.tags = self.tags(3)
        return plan

    def income_band(self, age: int) -> str:
        pairs: tuple[tuple[str, int], ...]
        if age < 25:
            pairs = (("low", 45), ("lower_middle", 35), ("middle", 15), ("upper_middle", 5))
        else:
            pairs = (("low", 12), ("lower_middle", 25), ("middle", 33), ("upper_middle", 20), ("high", 10))
        return weighted(self.rng, pairs)

    def contact_custom(self) -> dict[str, Any]:
        rng = self.rng
        custom: dict[str, Any] = {}
        if rng.random() < 0.4:
            choices = business.CUSTOM_FIELDS[3][4]
            picked = rng.sample(choices, rng.randint(1, 3))
            custom["interests"] = sorted(picked, key=choices.index)
        if rng.random() < 0.15:
            custom["last_event"] = (REFERENCE_DAY - dt.timedelta(days=rng.randrange(0, 700))).isoformat()
        return custom

    def second_affiliations(self, contacts: list[PartyPlan]) -> None:
        """A few people also work with a group's parent company."""
        for plan in contacts:
            if not plan.affiliations or self.rng.random() > 0.1:
                continue
            organization = plan.affiliations[0][0].record
            if organization.parent is not None:
                parent_plan = self._plan_of[id(organization.parent)]
                plan.affiliations.append((parent_plan, weighted(self.rng, business.AFFILIATION_ROLES), False))

    # --- relationships -----------------------------------------------------------------

    def relationships(self, organizations: list[PartyPlan], contacts: list[PartyPlan]) -> list[Relationship]:
        rng = self.rng
        result: list[Relationship] = []
        linked: set[tuple[int, int, str]] = set()

        def link(kind: str, **ends: Any) -> None:
            first, second = (ends.get("from_organization") or ends.get("from_contact"),
                             ends.get("to_organization") or ends.get("to_contact"))  # fmt: skip
            key = (id(first), id(second), kind)
            if key not in linked:  # the same two parties drawn twice: one link, as the action allows
                linked.add(key)
                result.append(Relationship(kind=kind, **ends))

        by_team: dict[int, list[PartyPlan]] = {}
        for plan in organizations:
            by_team.setdefault(id(plan.record.team), []).append(plan)
        for plans in by_team.values():
            for _ in range(len(plans) // 12):
                a, b = rng.sample(plans, 2)
                kind = weighted(rng, (("supplier", 5), ("partner", 3), ("competitor", 2)))
                link(kind, from_organization=a.record, to_organization=b.record)
        staff: dict[int, list[PartyPlan]] = {}
        for plan in contacts:
            if plan.affiliations:
                staff.setdefault(id(plan.affiliations[0][0]), []).append(plan)
        for people in staff.values():
            if len(people) >= 2 and rng.random() < 0.35:
                boss = next((p for p in people if p.affiliations[0][1] == "Decision maker"), people[0])
                for person in people:
                    if person is not boss and rng.random() < 0.6:
                        link("reports_to", from_contact=person.record, to_contact=boss.record)
        consumers: dict[int, list[PartyPlan]] = {}
        for plan in contacts:
            if not plan.affiliations:
                consumers.setdefault(id(plan.record.team), []).append(plan)
        for people in consumers.values():
            married = [p for p in people if p.record.marital_status == "married"]
            rng.shuffle(married)
            for a, b in zip(married[0 : len(married) // 4 : 2], married[1 : len(married) // 4 : 2], strict=False):
                link("spouse", from_contact=a.record, to_contact=b.record)
            for _ in range(len(people) // 25):
                a, b = rng.sample(people, 2)
                link("referred_by", from_contact=a.record, to_contact=b.record)
        return result

    # --- the whole world ---------------------------------------------------------------

    def world(self, *, organizations: int, contacts: int) -> DemoWorld:
        orgs = [self.organization() for _ in range(organizations)]
        self.link_parents(orgs)
        self._plan_of = {id(plan.record): plan for plan in orgs}
        weights = [{"1-9": 1, "10-49": 2, "50-249": 4, "250-999": 7, "1000+": 10}[p.record.size] for p in orgs]
        people = [self.contact(orgs, weights) for _ in range(contacts)]
        self.second_affiliations(people)
        relationships = self.relationships(orgs, people)
        return DemoWorld(organizations=orgs, contacts=people, relationships=relationships)


def ends(relationship: Relationship) -> tuple[Any, Any]:
    return (
        relationship.from_contact or relationship.from_organization,
        relationship.to_contact or relationship.to_organization,
    )
