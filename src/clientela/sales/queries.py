"""Every read of the sales app, scoped to what the reader may see (DESIGN.md rule 3).

Leads and deals are seen by role and team like contacts (`core.visibility`); pipelines,
their stages and the lost reasons are the same for everyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core.validation import one_by_public_id
from clientela.core.visibility import visible
from clientela.sales.models import (
    Deal,
    ExchangeRate,
    Invoice,
    InvoiceLine,
    InvoiceStatus,
    Lead,
    LeadAssignmentRule,
    LeadForm,
    LostReason,
    Order,
    OrderLine,
    OrderStatus,
    Outcome,
    Payment,
    Pipeline,
    PriceList,
    PriceListItem,
    Product,
    Quote,
    QuoteLine,
    QuoteStatus,
    Stage,
    StageChange,
)
from clientela.sales.models_figures import DealFigure, LeadFigure, StageFigure

if TYPE_CHECKING:
    from clientela.accounts.models import User


# --- pipelines and lost reasons ------------------------------------------------------------------


def pipelines() -> QuerySet[Pipeline]:
    """Every pipeline with its stages in order (two queries)."""
    return Pipeline.objects.prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("position")))


def pipeline_get(public_id: Any, *, include_trash: bool = False) -> Pipeline:
    manager = Pipeline.all_objects if include_trash else Pipeline.objects
    return one_by_public_id(
        manager.prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("position"))),
        public_id,
        _("no such pipeline"),
    )


def default_pipeline() -> Pipeline | None:
    return pipelines().filter(is_default=True).first() or pipelines().first()


def lost_reasons(*, active_only: bool = False) -> QuerySet[LostReason]:
    reasons = LostReason.objects.all()
    return reasons.filter(active=True) if active_only else reasons


def lost_reason_get(public_id: Any) -> LostReason:
    return one_by_public_id(LostReason.objects.all(), public_id, _("no such lost reason"))


def pipeline_names(_reader: User, public_ids: set[str]) -> dict[str, str]:
    return {
        str(pid): name
        for pid, name in Pipeline.all_objects.filter(public_id__in=public_ids).values_list("public_id", "name")
    }


def stage_names(_reader: User, public_ids: set[str]) -> dict[str, str]:
    return {
        str(pid): name for pid, name in Stage.objects.filter(public_id__in=public_ids).values_list("public_id", "name")
    }


def lost_reason_names(_reader: User, public_ids: set[str]) -> dict[str, str]:
    rows = LostReason.all_objects.filter(public_id__in=public_ids).values_list("public_id", "name")
    return {str(pid): name for pid, name in rows}


# --- leads -------------------------------------------------------------------------------------


def leads_visible(user: User, *, trash: bool = False) -> QuerySet[Lead]:
    records = Lead.all_objects.filter(deleted_at__isnull=False) if trash else Lead.objects.all()
    return visible(records, user).select_related("owner", "team")


def lead_get(user: User, public_id: Any, *, include_trash: bool = False) -> Lead:
    records = Lead.all_objects if include_trash else Lead.objects
    queryset = visible(records.all(), user).select_related(
        "owner", "team", "converted_organization", "converted_contact", "converted_deal"
    )
    return one_by_public_id(queryset, public_id, _("no such lead"))


def lead_names(reader: User, public_ids: set[str]) -> dict[str, str]:
    leads = visible(Lead.all_objects.filter(public_id__in=public_ids), reader).only(
        "public_id", "first_name", "last_name"
    )
    return {str(lead.public_id): lead.full_name for lead in leads}


# --- deals -------------------------------------------------------------------------------------


def deals_visible(user: User, *, trash: bool = False) -> QuerySet[Deal]:
    """The deals `user` may see, with what a list shows: the few pipelines and stages come in
    their own small queries (joined, seven tables cost PostgreSQL more to plan than to run)."""
    records = Deal.all_objects.filter(deleted_at__isnull=False) if trash else Deal.objects.all()
    return (
        visible(records, user)
        .select_related("owner", "team", "organization", "contact")
        .prefetch_related("pipeline", "stage", "lost_reason")
    )


def deal_get(user: User, public_id: Any, *, include_trash: bool = False) -> Deal:
    records = Deal.all_objects if include_trash else Deal.objects
    queryset = visible(records.all(), user).select_related(
        "owner", "team", "pipeline", "stage", "organization", "contact", "lost_reason", "lead"
    )
    return one_by_public_id(queryset, public_id, _("no such deal"))


def deal_names(reader: User, public_ids: set[str]) -> dict[str, str]:
    rows = visible(Deal.all_objects.filter(public_id__in=public_ids), reader).values_list("public_id", "name")
    return {str(pid): name for pid, name in rows}


def stage_history(deal: Deal) -> list[StageChange]:
    """The deal's stages in the order it entered them, each with how long it stayed."""
    return list(deal.stage_changes.select_related("from_stage", "to_stage").order_by("changed_at", "id"))


# --- the board and the rep's own work -------------------------------------------------------------

BOARD_CARDS = 30  # cards a column shows; the rest are counted and listed on the deals page
RECENTLY_CLOSED_DAYS = 30
STALE_DAYS = 30


@dataclass
class Column:
    stage: Stage
    cards: list[Deal]
    count: int  # every deal of the column, not only the cards shown
    totals: list[tuple[str, Decimal, Decimal]]  # (currency, amount, weighted) of every deal


def _scoped(deals: QuerySet[Any], user: User, owner: User | None, team_id: int | None) -> QuerySet[Any]:
    """Deals, or their kept figures, as `user` sees them, narrowed to an owner or a team."""
    deals = visible(deals, user)
    if owner is not None:
        deals = deals.filter(owner=owner)
    if team_id is not None:
        deals = deals.filter(team_id=team_id)
    return deals


def board(user: User, pipeline: Pipeline, *, owner: User | None = None, team_id: int | None = None) -> list[Column]:
    """The pipeline's stages as columns: open deals by expected close date, won and lost ones
    closed in the last 30 days, at most `BOARD_CARDS` cards a column; with each column's count
    and totals by currency. Two queries for the counts and totals (the open deals' from the kept
    figures, the recently closed ones' from the deals), then one per column for its first cards
    (read in order from the open deals' index, `deal_board_idx`), so a page costs the same
    however many deals there are beyond what it shows."""
    stages = list(pipeline.stages.all())
    open_ids = [s.pk for s in stages if s.outcome == Outcome.OPEN]
    cutoff = timezone.localdate() - dt.timedelta(days=RECENTLY_CLOSED_DAYS)
    totals: dict[int, list[tuple[str, Decimal, Decimal]]] = {}
    counts: dict[int, int] = {}

    def add(stage_id: int, currency: str, n: int, total: Decimal, weighted: Decimal) -> None:
        counts[stage_id] = counts.get(stage_id, 0) + n
        totals.setdefault(stage_id, []).append((currency, total, weighted))

    # The open deals' counts and sums are kept figures (`DealFigure`, by stage, owner and team);
    # the recently closed deals are few and read from the deals themselves.
    open_rows = _scoped(DealFigure.objects.filter(pipeline=pipeline, outcome=Outcome.OPEN), user, owner, team_id)
    sums = open_rows.order_by().values("stage_id", "currency")
    for row in sums.annotate(n=Sum("deals"), cents=Sum("amount_cents"), weighted=Sum("weighted")):
        if row["n"]:
            add(
                row["stage_id"],
                row["currency"],
                row["n"],
                Decimal(row["cents"]) / 100,
                _cents(row["weighted"] / 10_000),
            )
    weighted = ExpressionWrapper(F("amount") * F("probability") / 100, output_field=DecimalField())
    closed = _scoped(Deal.objects.filter(closed_on__gte=cutoff, pipeline=pipeline), user, owner, team_id)
    closed = closed.order_by().values("stage_id", "currency")
    for row in closed.annotate(n=Count("*"), total=Sum("amount"), weighted=Sum(weighted)):
        add(row["stage_id"], row["currency"], row["n"], row["total"] or Decimal(0), _cents(row["weighted"]))
    columns = []
    for stage in stages:
        cards: list[Deal] = []
        if counts.get(stage.pk):
            if stage.pk in open_ids:
                in_stage = Deal.objects.filter(pipeline=pipeline, stage=stage, closed_on__isnull=True).order_by(
                    F("expected_close_date").asc(nulls_last=True), "id"
                )
            else:
                in_stage = Deal.objects.filter(pipeline=pipeline, stage=stage, closed_on__gte=cutoff)
                in_stage = in_stage.order_by("-closed_on", "-id")
            in_stage = _scoped(in_stage, user, owner, team_id)
            cards = list(in_stage.select_related("organization", "contact", "owner")[:BOARD_CARDS])
            for card in cards:
                card.stage = stage  # known: no query per card
        columns.append(Column(stage, cards, counts.get(stage.pk, 0), sorted(totals.get(stage.pk, []))))
    return columns


def _cents(value: Any) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class MyWork:
    by_stage: list[tuple[Stage, int, list[tuple[str, Decimal]]]]  # open deals per stage, totals by currency
    closing_this_month: list[Deal]
    stale: list[Deal]
    open_leads: int
    quotes_awaiting: list[Quote]  # open quotes of the user's customers
    invoices_overdue: list[Invoice]  # their invoices past due with money owed


def my_work(user: User, *, limit: int = 10) -> MyWork:
    """What a user's home page lists: their open deals by stage (of every pipeline), the ones
    expected to close this month, the ones that have not moved for `STALE_DAYS` days, how
    many of their leads are still open, their customers' quotes awaiting an answer and their
    overdue invoices."""
    mine = Deal.objects.filter(owner=user, stage__outcome=Outcome.OPEN)
    stages = {s.pk: s for s in Stage.objects.filter(outcome=Outcome.OPEN).select_related("pipeline")}
    per_stage: dict[int, tuple[int, dict[str, Decimal]]] = {}
    for row in mine.order_by().values("stage_id", "currency").annotate(n=Count("id"), total=Sum("amount")):
        count, sums = per_stage.get(row["stage_id"], (0, {}))
        sums[row["currency"]] = row["total"] or Decimal(0)
        per_stage[row["stage_id"]] = (count + row["n"], sums)
    ordered = sorted(
        per_stage, key=lambda pk: (stages[pk].pipeline.position, stages[pk].pipeline_id, stages[pk].position)
    )
    today = timezone.localdate()
    month_end = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    related = ("organization", "stage")
    return MyWork(
        by_stage=[(stages[pk], per_stage[pk][0], sorted(per_stage[pk][1].items())) for pk in ordered],
        closing_this_month=list(
            mine.filter(expected_close_date__lt=month_end)
            .select_related(*related)
            .order_by("expected_close_date", "id")[:limit]
        ),
        stale=list(
            mine.filter(stage_entered_at__lt=timezone.now() - dt.timedelta(days=STALE_DAYS))
            .select_related(*related)
            .order_by("stage_entered_at", "id")[:limit]
        ),
        open_leads=Lead.objects.filter(owner=user, status__in=OPEN_LEAD_STATUSES).count(),
        quotes_awaiting=quotes_awaiting(user, limit=limit),
        invoices_overdue=invoices_overdue(user, limit=limit),
    )


OPEN_LEAD_STATUSES = ("new", "working", "qualified")


def deals_of(user: User, record: Any) -> list[Deal]:
    """The deals of an organization or a contact that `user` may see, open ones first (for its
    360° page)."""
    field = "organization" if record._meta.model_name == "organization" else "contact"
    deals = visible(Deal.objects.filter(**{field: record}), user).select_related("stage", "owner", "pipeline")
    return sorted(
        deals, key=lambda d: (d.stage.outcome != Outcome.OPEN, -(d.closed_on or dt.date.max).toordinal(), -d.pk)
    )


# --- web-to-lead forms -----------------------------------------------------------------------------


def active_lead_form(token: str) -> LeadForm | None:
    """The active form with this token (its public address), or None."""
    if not token or len(token) > 64:
        return None
    return LeadForm.objects.filter(token=token, active=True).select_related("team", "owner").first()


def lead_forms() -> QuerySet[LeadForm]:
    return LeadForm.objects.select_related("team", "owner")


def lead_emails_known(user: User, emails: set[str]) -> set[str]:
    """Which of `emails` (lower case) are already the e-mail of a lead `user` can see."""
    found = (
        visible(Lead.objects.all(), user)
        .annotate(email_folded=Lower("email"))
        .filter(email_folded__in=emails)
        .values_list("email_folded", flat=True)
    )
    return set(found)


def figures_missing() -> bool:
    """Deals or leads exist but the figures kept from them do not (see `models_figures.py`)."""
    deals_uncounted = Deal.objects.exists() and not DealFigure.objects.exists()
    return deals_uncounted or (Lead.objects.exists() and not LeadFigure.objects.exists())


def figures_kept() -> set[tuple[str, str, tuple[int, ...]]]:
    """Every kept figure row with a number, as (table, key, numbers): to compare two states."""
    rows: set[tuple[str, str, tuple[int, ...]]] = set()
    deal_numbers = ("key", "deals", "amount_cents", "weighted", "cycle_days")
    for key, *numbers in DealFigure.objects.exclude(deals=0).values_list(*deal_numbers):
        rows.add(("deal", key, tuple(numbers)))
    for key, deals in StageFigure.objects.exclude(deals=0).values_list("key", "deals"):
        rows.add(("stage", key, (deals,)))
    for key, leads in LeadFigure.objects.exclude(leads=0).values_list("key", "leads"):
        rows.add(("lead", key, (leads,)))
    return rows


def deal_currencies(user: User) -> list[str]:
    """The currencies of the deals `user` may see (from the kept figures), sorted."""
    figures = visible(DealFigure.objects.filter(deals__gt=0), user)
    return sorted(set(figures.order_by().values_list("currency", flat=True).distinct()))


# --- lead assignment ------------------------------------------------------------------------------

ASSIGNABLE_ROLES = ("sales", "manager")  # who takes leads in turn within a team


def assignment_rules() -> QuerySet[LeadAssignmentRule]:
    """Every lead assignment rule, in order (settings, administrators)."""
    return LeadAssignmentRule.objects.select_related("owner", "team").order_by("position", "id")


def assignment_rule_get(public_id: Any) -> LeadAssignmentRule:
    return one_by_public_id(assignment_rules(), public_id, _("no such assignment rule"))


def takers(team_id: int) -> list[User]:
    """The members of a team who take leads in turn: active sales people and managers, by id."""
    from clientela.accounts.models import User

    return list(User.objects.filter(team_id=team_id, is_active=True, role__in=ASSIGNABLE_ROLES).order_by("pk"))


def next_in_turn(team_id: int, last_id: int | None) -> User | None:
    """The team member after `last_id` in turn (round robin), the first one after the last;
    None when nobody in the team takes leads."""
    members = takers(team_id)
    after = [m for m in members if last_id is not None and m.pk > last_id]
    return (after or members)[0] if members else None


# --- products --------------------------------------------------------------------------------------


def products(*, trash: bool = False) -> QuerySet[Product]:
    """The catalogue, the whole company's (every user reads it)."""
    return Product.all_objects.filter(deleted_at__isnull=False) if trash else Product.objects.all()


def product_get(public_id: Any, *, include_trash: bool = False) -> Product:
    manager = Product.all_objects if include_trash else Product.objects
    return one_by_public_id(manager.all(), public_id, _("no such product"))


def product_names(_reader: User, public_ids: set[str]) -> dict[str, str]:
    rows = Product.all_objects.filter(public_id__in=public_ids).values_list("public_id", "sku", "name")
    return {str(pid): f"{sku} {name}" for pid, sku, name in rows}


# --- prices and exchange rates -----------------------------------------------------------------------


def price_lists(*, trash: bool = False) -> QuerySet[PriceList]:
    """Every price list with its customer (the whole company's: every user reads prices)."""
    records = PriceList.all_objects.filter(deleted_at__isnull=False) if trash else PriceList.objects.all()
    return records.select_related("organization").prefetch_related(
        Prefetch(
            "items", queryset=PriceListItem.objects.select_related("product").order_by("product__sku", "min_quantity")
        )
    )


def price_list_get(public_id: Any, *, include_trash: bool = False) -> PriceList:
    manager = PriceList.all_objects if include_trash else PriceList.objects
    return one_by_public_id(
        manager.select_related("organization").prefetch_related(
            Prefetch("items", queryset=PriceListItem.objects.select_related("product"))
        ),
        public_id,
        _("no such price list"),
    )


@dataclass(frozen=True)
class Price:
    unit_price: Decimal
    discount_percent: Decimal
    price_list: PriceList


def price_for(
    product: Any, *, currency: str, quantity: Decimal, organization: Any = None, day: dt.date | None = None
) -> Price | None:
    """The price a line of `quantity` of `product` in `currency` takes on `day` (today): from the
    most particular active list valid that day that prices the product — the customer's own, then
    its category's, then a general list — the largest quantity break not above `quantity`. None
    when no list prices it. One query."""
    day = day or timezone.localdate()
    category = getattr(organization, "customer_category", "") or ""
    lists = Q(price_list__organization__isnull=True, price_list__customer_category="")
    if category:
        lists |= Q(price_list__organization__isnull=True, price_list__customer_category=category)
    if organization is not None:
        lists |= Q(price_list__organization=organization)
    candidates = (
        PriceListItem.objects.filter(
            lists,
            product=product,
            min_quantity__lte=quantity,
            price_list__currency=currency,
            price_list__active=True,
            price_list__deleted_at__isnull=True,
        )  # fmt: skip
        .filter(Q(price_list__valid_from__isnull=True) | Q(price_list__valid_from__lte=day))
        .filter(Q(price_list__valid_until__isnull=True) | Q(price_list__valid_until__gte=day))
        .select_related("price_list")
    )

    def rank(item: PriceListItem) -> tuple[int, Decimal, int]:
        owner = 2 if item.price_list.organization_id is not None else 1 if item.price_list.customer_category else 0
        return (owner, item.min_quantity, -item.price_list.pk)

    best = max(candidates, key=rank, default=None)
    return None if best is None else Price(best.unit_price, best.discount_percent, best.price_list)


def rate_on(currency: str, day: dt.date) -> Decimal | None:
    """One unit of `currency` in the reporting currency on `day`: the latest rate of that day or
    before (1 for the reporting currency itself); None when none is known."""
    from clientela.core.money import default_currency

    if currency == default_currency():
        return Decimal(1)
    found = ExchangeRate.objects.filter(currency=currency, day__lte=day).order_by("-day").values_list("rate", flat=True)
    return found.first()


EXCHANGE_RATES_SHOWN = 1000


def exchange_rates(currency: str | None = None) -> list[ExchangeRate]:
    """The latest rates, newest first (at most `EXCHANGE_RATES_SHOWN`)."""
    rates = ExchangeRate.objects.order_by("-day", "currency")
    if currency:
        rates = rates.filter(currency=currency)
    return list(rates[:EXCHANGE_RATES_SHOWN])


# --- quotes ----------------------------------------------------------------------------------------


def quotes_visible(user: User) -> QuerySet[Quote]:
    return visible(Quote.objects.all(), user).select_related("organization", "contact", "deal", "owner", "team")


def quote_get(user: User, public_id: Any) -> Quote:
    """A quote the user may see, with its lines in order."""
    quotes = quotes_visible(user).prefetch_related(
        Prefetch("lines", queryset=QuoteLine.objects.select_related("product").order_by("position"))
    )
    return one_by_public_id(quotes, public_id, _("no such quote"))


def orders_visible(user: User) -> QuerySet[Order]:
    return visible(Order.objects.all(), user).select_related(
        "organization", "contact", "deal", "quote", "owner", "team"
    )


def order_get(user: User, public_id: Any) -> Order:
    """An order the user may see, with its lines in order."""
    orders = orders_visible(user).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("position"))
    )
    return one_by_public_id(orders, public_id, _("no such order"))


def invoices_visible(user: User) -> QuerySet[Invoice]:
    return visible(Invoice.objects.all(), user).select_related("organization", "contact", "order", "owner", "team")


def invoice_get(user: User, public_id: Any) -> Invoice:
    """An invoice the user may see, with its lines in order and its payments."""
    invoices = invoices_visible(user).prefetch_related(
        Prefetch("lines", queryset=InvoiceLine.objects.select_related("product").order_by("position")), "payments"
    )
    return one_by_public_id(invoices, public_id, _("no such invoice"))


def payment_get(user: User, public_id: Any) -> Payment:
    return one_by_public_id(visible(Payment.objects.select_related("invoice"), user), public_id, _("no such payment"))


def documents_of(user: User, party: Any, *, limit: int) -> dict[str, list[Any]]:
    """The newest quotes, orders and invoices of an organization (or a contact's) that `user`
    may see: three queries."""
    where = {"organization": party} if party._meta.model_name == "organization" else {"contact": party}
    return {
        "quotes": list(visible(Quote.objects.filter(**where), user).order_by("-created_at", "-id")[:limit]),
        "orders": list(visible(Order.objects.filter(**where), user).order_by("-created_at", "-id")[:limit]),
        "invoices": list(visible(Invoice.objects.filter(**where), user).order_by("-created_at", "-id")[:limit]),
    }


def documents_of_deal(user: User, deal: Deal) -> dict[str, list[Any]]:
    """A deal's quotes (every revision), the orders they became and those orders' invoices and
    credit notes that `user` may see, oldest first: the chain as it grew."""
    quotes = list(visible(Quote.objects.filter(deal=deal), user).order_by("created_at", "id"))
    orders = list(visible(Order.objects.filter(Q(deal=deal) | Q(quote__deal=deal)), user).order_by("created_at", "id"))
    invoices = list(
        visible(Invoice.objects.filter(order__in=[o.pk for o in orders]), user).order_by("created_at", "id")
    )
    return {"quotes": quotes, "orders": orders, "invoices": invoices}


def _customers_of(user: User) -> Q:
    """Documents of the user's customers: organizations the user owns, or documents the user owns."""
    return Q(organization__owner=user) | Q(owner=user)


def quotes_awaiting(user: User, *, limit: int = 10) -> list[Quote]:
    """Open quotes (draft or sent) of the user's customers, the ones expiring first on top."""
    from clientela.sales.models import OPEN_QUOTE_STATUSES

    quotes = visible(Quote.objects.filter(_customers_of(user), status__in=OPEN_QUOTE_STATUSES), user)
    return list(quotes.select_related("organization").order_by("valid_until", "id")[:limit])


def invoices_overdue(user: User, *, limit: int = 10) -> list[Invoice]:
    """Invoices of the user's customers past their due day with money still owed, oldest due first."""
    owed = Invoice.objects.filter(
        _customers_of(user), kind="invoice", status__in=("issued", "partially_paid"), due_on__lt=timezone.localdate()
    )
    return list(visible(owed, user).select_related("organization").order_by("due_on", "id")[:limit])


DOCUMENT_STATUSES = {"quotes": QuoteStatus, "orders": OrderStatus, "invoices": InvoiceStatus}


def documents_listed(
    user: User, kind: str, *, status: str = "", text: str = "", overdue: bool = False
) -> QuerySet[Any]:
    """The quotes, orders or invoices (`kind`) `user` may see, newest first, filtered by status,
    by words of the number or the customer's name, and (invoices) by being overdue."""
    queryset = {"quotes": quotes_visible, "orders": orders_visible, "invoices": invoices_visible}[kind](user)
    if status:
        queryset = queryset.filter(status=status)
    for word in text.split()[:5]:
        queryset = queryset.filter(Q(number__icontains=word) | Q(organization__name__icontains=word))
    if overdue and kind == "invoices":
        queryset = queryset.filter(
            kind="invoice", status__in=("issued", "partially_paid"), due_on__lt=timezone.localdate()
        )
    return queryset.order_by("-created_at", "-id")


def products_for_quotes() -> QuerySet[Product]:
    """The active products a quote's line can name, by name (the whole company's catalogue)."""
    return Product.objects.filter(active=True).order_by("name", "id")


def price_list_currencies() -> list[str]:
    """The currencies the active price lists price in."""
    lists = PriceList.objects.filter(active=True).order_by().values_list("currency", flat=True).distinct()
    return sorted(lists)


def owed_by(user: User, party: Any) -> list[tuple[str, Decimal]]:
    """What an organization (or a contact) still owes on the invoices `user` may see, by currency."""
    where = {"organization": party} if party._meta.model_name == "organization" else {"contact": party}
    open_invoices = visible(
        Invoice.objects.filter(**where, kind="invoice", status__in=("issued", "partially_paid")), user
    )
    rows = (
        open_invoices.order_by()
        .values("currency")
        .annotate(owed=Sum(F("gross_total") - F("paid_total") - F("credited_total")))
    )
    return sorted((row["currency"], row["owed"]) for row in rows if row["owed"])


def usual_currency(user: User, organization: Any) -> str | None:
    """The currency a customer is usually quoted in: its latest quote's, else its latest deal's."""
    quoted = visible(Quote.objects.filter(organization=organization), user).order_by("-created_at", "-id")
    found = quoted.values_list("currency", flat=True).first()
    if found is None:
        dealt = visible(Deal.objects.filter(organization=organization), user).order_by("-created_at", "-id")
        found = dealt.values_list("currency", flat=True).first()
    return found


def latest_rates() -> list[ExchangeRate]:
    """Each currency's latest exchange rate to the reporting currency."""
    latest = ExchangeRate.objects.order_by().values("currency").annotate(day=Max("day"))
    wanted = Q()
    for row in latest:
        wanted |= Q(currency=row["currency"], day=row["day"])
    return list(ExchangeRate.objects.filter(wanted).order_by("currency")) if latest else []


def invoices_for_analysis(currency: str = "") -> QuerySet[Invoice]:
    """Every invoice and credit note not cancelled, oldest first, with its customer (for the
    analytics tools' transaction file: `clientela export_transactions`)."""
    found = Invoice.objects.exclude(status="cancelled").select_related("contact", "organization")
    if currency:
        found = found.filter(currency=currency.upper())
    return found.order_by("issued_on", "id")
