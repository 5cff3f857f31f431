"""Plans the demo's catalogue, price lists, exchange rates and the lead-to-cash documents.

Like `sales`, everything comes from seeded `random.Random` streams (a seed and a fixed `now`
give the same plans); `load` writes them through the sales actions (the catalogue through the
single-record actions, the rest through `sales.actions.history_documents`). What they show:

- about 25 products (licences, support plans, hardware, training days, consulting hours) at
  the seller's Hungarian VAT rates (27, 18, 5; exempt training at 0), general price lists in
  the six currencies the demo sells in (converted from euros and rounded as people price),
  quantity breaks, a "Key account" list per currency with discounts, and contract prices for
  a few large customers; daily exchange rates (working days) as a random walk around `EUR_RATES`;
- repeat buying per customer (BG/NBD-like): each customer its own rate of buying (gamma across
  customers, so a few buy often and many rarely) and after each purchase a chance of dropping
  out; baskets by the customer's size and what it bought before; each purchase an accepted
  quote, an order and its invoice(s) — a few in two parts — paid around the due date, some
  late or in part, a few credited; the won deals of a customer mostly end in such an order;
- quotes rejected, expired and still open (some expiring soon).
"""

from __future__ import annotations

import datetime as dt
import math
import random
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from clientela.sales.actions.history_documents import CreditPlan, InvoicePlan, LinePlan, PaymentPlan, QuotePlan
from clientela.sales.models import QuoteStatus
from clientela.site.demo.generate import HISTORY_DAYS, PartyPlan
from clientela.site.demo.sales import CURRENCY_OF_COUNTRY, DEFAULT_ZONE, EUR_RATES, ZONES

if TYPE_CHECKING:
    from clientela.sales.models import Deal, Product

CURRENCIES = ("HUF", "TRY", "RUB", "PLN", "RON", "EUR")
# sku, name, unit, kind, price in euros, tax rate
PRODUCTS: tuple[tuple[str, str, str, str, int, int], ...] = (
    ("SW-MON", "Monitoring software licence", "licence", "licence", 420, 27),
    ("SW-ENE", "Energy dashboard licence", "licence", "licence", 310, 27),
    ("SW-SCA", "SCADA connector licence", "licence", "licence", 950, 27),
    ("SW-MOB", "Mobile inspection app licence", "licence", "licence", 120, 27),
    ("SW-API", "Data API access (year)", "year", "licence", 1500, 27),
    ("SUP-BAS", "Remote support plan Basic (year)", "year", "support", 900, 27),
    ("SUP-STD", "Remote support plan Standard (year)", "year", "support", 2400, 27),
    ("SUP-PRE", "Remote support plan Premium (year)", "year", "support", 5800, 27),
    ("SUP-MNT", "Maintenance contract (year)", "year", "support", 3600, 27),
    ("HW-TMP", "Industrial temperature sensor", "pc", "hardware", 145, 27),
    ("HW-PRS", "Pressure transmitter", "pc", "hardware", 290, 27),
    ("HW-VIB", "Vibration sensor", "pc", "hardware", 380, 27),
    ("HW-GWY", "Edge gateway", "pc", "hardware", 1250, 27),
    ("HW-CAB", "Control cabinet 800", "pc", "hardware", 4200, 27),
    ("HW-IO", "PLC I/O module", "pc", "hardware", 560, 27),
    ("HW-MTR", "Energy meter", "pc", "hardware", 230, 27),
    ("HW-SPK", "Spare parts kit", "kit", "hardware", 640, 27),
    ("DOC-HBK", "Operator handbook (printed)", "pc", "hardware", 35, 5),
    ("TR-OPR", "Certified operator course (day)", "day", "training", 480, 0),
    ("TR-SITE", "On-site training (day)", "day", "training", 1100, 27),
    ("TR-ACC", "Training accommodation (night)", "night", "training", 95, 18),
    ("CON-ENG", "Engineering consulting (hour)", "hour", "consulting", 95, 27),
    ("CON-AUD", "Energy audit (hour)", "hour", "consulting", 110, 27),
    ("CON-INS", "Installation (hour)", "hour", "consulting", 70, 27),
    ("CON-COM", "Commissioning (hour)", "hour", "consulting", 85, 27),
)  # fmt: skip
KINDS = {"licence": 25, "support": 15, "hardware": 35, "training": 10, "consulting": 15}
BREAKS = {"licence": ((10, 5), (50, 10)), "hardware": ((20, 4), (100, 8))}  # from quantity, discount %
KEY_ACCOUNT = "Key account"
KEY_DISCOUNT = {"licence": 12, "support": 10, "hardware": 6, "training": 5, "consulting": 5}
SIZE_INDEX = {"1-9": 0, "10-49": 1, "50-249": 2, "250-999": 3, "1000+": 4}
RATE_PER_YEAR = (0.8, 1.2, 1.8, 2.6, 3.5)  # mean purchases a year by size
CATEGORY_RATE = {KEY_ACCOUNT: 1.6, "Occasional": 0.5}
CREDIT_REASONS = ("Returned goods", "Damaged in delivery", "Price correction agreed with the customer")
OPEN_QUOTES, LOST_QUOTE_SHARE = 70, 0.3  # open quotes at scale 1; rejected or expired per purchase
QUOTE_DAYS = 30


def people_price(amount: float) -> Decimal:
    """A price as people write one: three significant digits (47,400 HUF; 119 EUR)."""
    step = 10 ** (math.floor(math.log10(amount)) - 2)
    return (Decimal(round(amount / step)) * Decimal(str(step))).quantize(Decimal("0.01"))


@dataclass
class PriceListSpec:
    name: str
    currency: str
    customer_category: str = ""
    organization: Any = None
    items: list[tuple[str, Decimal, Decimal, Decimal]] = field(default_factory=list)  # sku, from, price, discount


@dataclass
class Catalogue:
    products: list[dict[str, Any]]  # values for `product_create`
    price_lists: list[PriceListSpec]
    rates: list[tuple[str, dt.date, Decimal]]


class DocumentGenerator:
    def __init__(self, *, seed: int, organizations: list[PartyPlan], contacts: list[PartyPlan], now: dt.datetime,
                 seeded_ids: bool = True) -> None:  # fmt: skip
        self.rng = random.Random(seed * 7919 + 101)  # streams of their own: the rest stays as it was
        self._id_rng = random.Random(seed * 7919 + 103) if seeded_ids else None
        self.now = now
        self.organizations = sorted(organizations, key=lambda p: p.record.created_at)
        self.people: dict[int, list[Any]] = {}
        for person in contacts:
            if person.affiliations:
                self.people.setdefault(id(person.affiliations[0][0].record), []).append(person.record)
        self.kind = {sku: kind for sku, _n, _u, kind, _p, _t in PRODUCTS}
        self.prices: dict[tuple[str, str, str], list[tuple[int, Decimal, Decimal]]] = {}

    def public_id(self) -> uuid.UUID | None:
        return None if self._id_rng is None else uuid.UUID(int=self._id_rng.getrandbits(128), version=4)

    # --- the catalogue ------------------------------------------------------------------------------

    def catalogue(self) -> Catalogue:
        rng = self.rng
        products = [
            {"sku": sku, "name": name, "unit": unit, "tax_rate": Decimal(tax), "currency": "EUR",
             "cost": Decimal(round(price * rng.uniform(0.35, 0.7), 2)).quantize(Decimal("0.01"))}
            for sku, name, unit, _kind, price, tax in PRODUCTS
        ]  # fmt: skip
        lists = []
        for currency in CURRENCIES:
            general = PriceListSpec(f"Price list {currency}", currency)
            key = PriceListSpec(f"Key account prices {currency}", currency, customer_category=KEY_ACCOUNT)
            for sku, _name, _unit, kind, price, _tax in PRODUCTS:
                local = people_price(price * EUR_RATES[currency])
                for least, off in ((1, 0), *BREAKS.get(kind, ())):
                    general.items.append((sku, Decimal(least), local, Decimal(off)))
                    key.items.append((sku, Decimal(least), local, Decimal(off + KEY_DISCOUNT[kind])))
            lists += [general, key]
        large = [p for p in self.organizations if p.record.size in ("1000+", "250-999")
                 and p.record.lifecycle_stage == "customer"]  # fmt: skip
        for plan in rng.sample(large, min(4, len(large))):
            currency = self.currency(plan)
            own = PriceListSpec(f"{plan.record.name} contract prices", currency, organization=plan.record)
            for sku, _name, _unit, _kind, price, _tax in rng.sample(PRODUCTS, 8):
                own.items.append((sku, Decimal(1), people_price(price * EUR_RATES[currency] * rng.uniform(0.8, 0.9)),
                                  Decimal(0)))  # fmt: skip
            lists.append(own)
        for spec in lists:
            scope = spec.customer_category
            if spec.organization is not None:
                scope = f"org:{spec.organization.public_id}"
            for sku, from_quantity, unit_price, discount in spec.items:
                self.prices.setdefault((spec.currency, scope, sku), []).append(
                    (int(from_quantity), unit_price, discount)
                )
        return Catalogue(products, lists, self.rates())

    def rates(self) -> list[tuple[str, dt.date, Decimal]]:
        """Working days' rates: a mean-reverting random walk (in logs) around `EUR_RATES`."""
        rates = []
        start = (self.now - dt.timedelta(days=HISTORY_DAYS)).date()
        for currency in CURRENCIES[:-1]:
            level, sway = 0.0, 0.008 if currency in ("TRY", "RUB") else 0.004
            for offset in range(HISTORY_DAYS + 1):
                day = start + dt.timedelta(days=offset)
                level = 0.98 * level + self.rng.gauss(0, sway)
                if day.weekday() < 5:
                    rates.append((currency, day, Decimal(1 / (EUR_RATES[currency] * math.exp(level)))))
        return rates

    def price(self, organization: Any, currency: str, sku: str, quantity: int) -> tuple[Decimal, Decimal]:
        """As `queries.price_for`: the customer's list, then its category's, then the general one."""
        for scope in (f"org:{organization.public_id}", organization.customer_category or "-", ""):
            breaks = [b for b in self.prices.get((currency, scope, sku), ()) if b[0] <= quantity]
            if breaks:
                _least, price, off = max(breaks)
                return price, off
        raise LookupError(sku)

    # --- helpers --------------------------------------------------------------------------------------

    @staticmethod
    def currency(plan: PartyPlan) -> str:
        return CURRENCY_OF_COUNTRY.get(getattr(plan.record.team, "country", "") or plan.country, "EUR")

    def at_work(self, moment: dt.datetime, zone: ZoneInfo) -> dt.datetime:
        day = moment.astimezone(zone).date()
        while day.weekday() >= 5:
            day += dt.timedelta(days=1)
        minute = self.rng.randrange(8 * 60, 18 * 60)
        return dt.datetime.combine(day, dt.time(minute // 60, minute % 60), tzinfo=zone)

    def later(self, moment: dt.datetime, days: float, zone: ZoneInfo) -> dt.datetime:
        candidate = self.at_work(moment + dt.timedelta(days=days), zone)
        return candidate if candidate > moment else moment + dt.timedelta(minutes=self.rng.randrange(10, 120))

    # --- the documents -----------------------------------------------------------------------------------

    def plan(self, *, won_deals: list[Deal], products: dict[str, Product], scale: float = 1.0) -> list[QuotePlan]:
        rng = self.rng
        deals: dict[int, list[Deal]] = {}
        for deal in won_deals:
            deals.setdefault(deal.organization_id, []).append(deal)
        plans: list[QuotePlan] = []
        for party in self.organizations:
            record = party.record
            own_deals = deals.get(record.pk, [])
            if record.lifecycle_stage not in ("customer", "lost") and not own_deals:
                continue
            zone = ZoneInfo(ZONES.get(getattr(record.team, "country", ""), DEFAULT_ZONE))
            size = SIZE_INDEX[record.size or "10-49"]
            mean = RATE_PER_YEAR[size] * CATEGORY_RATE.get(record.customer_category, 1.0)
            rate = rng.gammavariate(0.8, mean / 0.8) / 365  # purchases a day: few buy often, many rarely
            dropout = rng.betavariate(1.2, 4.0) if record.lifecycle_stage == "customer" else rng.uniform(0.5, 0.9)
            moments: list[tuple[dt.datetime, Deal | None]] = [
                (won.stage_entered_at, won) for won in own_deals if rng.random() < 0.75
            ]
            if record.lifecycle_stage in ("customer", "lost"):
                moment = record.created_at + dt.timedelta(days=rng.expovariate(1 / 45))
                if moment >= self.now:
                    moment = record.created_at + (self.now - record.created_at) * rng.random()
                while moment < self.now - dt.timedelta(hours=2):
                    moments.append((self.at_work(moment, zone), None))
                    if rng.random() < dropout:
                        break
                    moment += dt.timedelta(days=rng.expovariate(max(rate, 1e-4)) + 7)
            bought: list[str] = []
            for moment, linked in sorted(moments, key=lambda pair: pair[0]):
                if moment >= self.now or moment <= record.created_at:
                    continue
                plans.append(self.purchase(party, zone, moment, linked, bought, products))
                if rng.random() < LOST_QUOTE_SHARE:
                    plans.append(self.unanswered(party, zone, moment, bought, products))
        candidates = [p for p in self.organizations if p.record.lifecycle_stage in ("customer", "prospect")]
        for party in rng.sample(candidates, min(len(candidates), max(3, round(OPEN_QUOTES * scale)))):
            zone = ZoneInfo(ZONES.get(getattr(party.record.team, "country", ""), DEFAULT_ZONE))
            created = self.now - dt.timedelta(days=rng.uniform(0.5, 27))
            if created > party.record.created_at:
                plans.append(self.quote(party, created, [], products, open_=True))
        return sorted(plans, key=lambda plan: plan.created_at)

    def lines(self, party: PartyPlan, bought: list[str], products: dict[str, Product], currency: str) -> list[LinePlan]:
        rng = self.rng
        size = SIZE_INDEX[party.record.size or "10-49"]
        count = min(6, 1 + int(rng.expovariate(1 / (0.5 + size * 0.5))))
        chosen: list[str] = []
        while len(chosen) < count:
            if bought and rng.random() < 0.5:
                sku = rng.choice(bought)
            else:
                kind = rng.choices(list(KINDS), weights=list(KINDS.values()))[0]
                sku = rng.choice([s for s in self.kind if self.kind[s] == kind])
            if sku not in chosen:
                chosen.append(sku)
        lines = []
        factor = (1, 2, 4, 8, 15)[size]
        for sku in chosen:
            kind = self.kind[sku]
            quantity = {
                "licence": max(1, round(factor * 3 * rng.lognormvariate(0, 0.6))),
                "support": 1,
                "hardware": max(1, round(factor * 2 * rng.lognormvariate(0, 0.8))),
                "training": rng.randint(1, 2 + size),
                "consulting": 4 * max(1, round(factor**0.5 * 2 * rng.lognormvariate(0, 0.6))),
            }[kind]
            price, off = self.price(party.record, currency, sku, quantity)
            product = products[sku]
            lines.append(LinePlan(product, Decimal(quantity), price, off, product.tax_rate))
            if sku not in bought:
                bought.append(sku)
        return lines

    def quote(self, party: PartyPlan, created: dt.datetime, bought: list[str], products: dict[str, Product],
              deal: Deal | None = None, open_: bool = False) -> QuotePlan:  # fmt: skip
        record = party.record
        currency = deal.currency if deal is not None else self.currency(party)
        people = [c for c in self.people.get(id(record), []) if c.created_at < created]
        sent = created + dt.timedelta(hours=self.rng.uniform(1, 40))
        draft = open_ and self.rng.random() < 0.3
        return QuotePlan(
            organization=record, contact=self.rng.choice(people[-3:]) if people else None, deal=deal,
            owner=deal.owner if deal is not None else record.owner, team=deal.team if deal is not None else record.team,
            currency=currency, lines=self.lines(party, bought, products, currency), created_at=created,
            valid_until=created.date() + dt.timedelta(days=QUOTE_DAYS),
            status=QuoteStatus.DRAFT if draft else QuoteStatus.SENT,
            sent_at=None if draft or sent >= self.now else sent,
            public_id=self.public_id(),
        )  # fmt: skip

    def purchase(self, party: PartyPlan, zone: ZoneInfo, moment: dt.datetime, deal: Deal | None, bought: list[str],
                 products: dict[str, Product]) -> QuotePlan:  # fmt: skip
        rng = self.rng
        created = moment - dt.timedelta(days=min(25, rng.lognormvariate(math.log(8), 0.6)) + 0.1)
        since = party.record.created_at
        plan = self.quote(party, max(created, since + (moment - since) / 2), bought, products, deal)
        if plan.sent_at is None or plan.sent_at >= moment:
            plan.sent_at = plan.created_at + (moment - plan.created_at) / 2
        plan.status, plan.answered_at = QuoteStatus.ACCEPTED, moment
        issued = min(self.later(moment, rng.lognormvariate(math.log(3), 0.7), zone), self.now - dt.timedelta(minutes=5))
        if issued <= moment:
            return plan
        due = 30 if SIZE_INDEX[party.record.size or "10-49"] >= 3 else 14
        split = rng.random() < 0.08 and (len(plan.lines) > 1 or plan.lines[0].quantity > 1)
        first = InvoicePlan(issued, due)
        plan.invoices.append(first)
        if split:
            first.lines = ({1: plan.lines[0].quantity} if len(plan.lines) > 1
                           else {1: Decimal(int(plan.lines[0].quantity) // 2)})  # fmt: skip
            second = self.later(issued, rng.uniform(14, 45), zone)
            first.lines = first.lines if first.lines[1] > 0 else None
            if second < self.now:
                plan.invoices.append(InvoicePlan(second, due))
        habit = random.Random(party.record.public_id.int).random()  # the customer's own way of paying
        creditable = len(plan.lines) > 1 or plan.lines[0].quantity > 1
        for number, invoice in enumerate(plan.invoices):
            self.pay(invoice, habit, zone, creditable=creditable and number == 0)
        return plan

    def pay(self, invoice: InvoicePlan, habit: float, zone: ZoneInfo, *, creditable: bool) -> None:
        rng = self.rng
        due = invoice.issued_at + dt.timedelta(days=invoice.due_days)
        credit_at = self.later(invoice.issued_at, rng.uniform(2, 10), zone)
        if rng.random() < 0.015 and creditable and invoice.lines is None and credit_at < self.now:
            invoice.credit = CreditPlan(credit_at, rng.choice(CREDIT_REASONS), {1: Decimal(1)})
        late = rng.uniform(-7, 2) if habit < 0.65 else rng.uniform(3, 45) if habit < 0.9 else rng.uniform(20, 100)
        paid = self.later(due, late, zone)
        if invoice.credit is not None:
            paid = max(paid, invoice.credit.at + dt.timedelta(days=1))
        if habit >= 0.85 and rng.random() < 0.4 and paid < self.now and creditable:  # part now, the rest later
            invoice.payments.append(PaymentPlan(paid, note="First instalment", share=Decimal("0.5")))
            rest = self.later(paid, rng.uniform(10, 60), zone)
            if rest < self.now:
                invoice.payments.append(PaymentPlan(rest))
        elif paid < self.now:
            invoice.payments.append(PaymentPlan(paid))

    def unanswered(self, party: PartyPlan, zone: ZoneInfo, near: dt.datetime, bought: list[str],
                   products: dict[str, Product]) -> QuotePlan:  # fmt: skip
        rng = self.rng
        created = self.at_work(near + dt.timedelta(days=rng.uniform(-60, 60)), zone)
        created = min(max(created, party.record.created_at + dt.timedelta(hours=1)), self.now - dt.timedelta(days=1))
        plan = self.quote(party, created, list(bought), products)
        sent = plan.sent_at or created + dt.timedelta(hours=2)
        plan.sent_at = sent
        rejected = self.later(sent, rng.uniform(3, 25), zone)
        expired = dt.datetime.combine(plan.valid_until + dt.timedelta(days=1), dt.time(3), tzinfo=zone)
        if rng.random() < 0.65 and rejected < self.now:
            plan.status, plan.answered_at = QuoteStatus.REJECTED, rejected
        elif expired < self.now:
            plan.status, plan.answered_at = QuoteStatus.EXPIRED, expired
        if plan.answered_at is None and plan.sent_at >= self.now:
            plan.sent_at = None
            plan.status = QuoteStatus.DRAFT
        return plan
