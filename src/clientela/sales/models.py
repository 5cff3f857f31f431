"""The sales pipeline: leads, pipelines with their stages, deals and their stage history.

A lead is an enquiry not yet qualified: a person (and the company they speak for) that
may become a customer. Qualified, it is converted into an organization, a contact and a
deal (`actions.lead_convert`), linked to the records that already exist instead of
duplicating them. A deal moves through the ordered stages of one pipeline until it is won
or lost; every move is one `StageChange`, from which time in stage and the probabilities
learned from closed deals are read.
"""

from __future__ import annotations

import secrets
import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from clientela.core.choices import TextChoices
from clientela.core.models import Record, _user_stamp

MONEY = {"max_digits": 18, "decimal_places": 2}


class Pipeline(Record):
    """A sales process: its stages in order, at least one open, one won and one lost."""

    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default pipeline"), default=False)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(deleted_at__isnull=True), name="pipeline_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Outcome(TextChoices):
    OPEN = "open", _("Open")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")


class Stage(models.Model):
    """One step of a pipeline. Its probability is the default chance that a deal in it is won."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"))
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=[MaxValueValidator(100)])
    outcome = models.CharField(_("outcome"), max_length=4, choices=Outcome.choices, default=Outcome.OPEN)

    class Meta:
        ordering = ["pipeline", "position"]
        constraints = [
            models.UniqueConstraint(fields=["pipeline", "position"], name="stage_position_unique"),
            models.UniqueConstraint(fields=["pipeline", "name"], name="stage_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.outcome != Outcome.OPEN


class LostReason(Record):
    """Why a deal was lost, from a list the administrators keep (quality, price, delivery...)."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["name"], condition=models.Q(deleted_at__isnull=True), name="lost_reason_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class LeadSource(TextChoices):
    WEB_FORM = "web_form", _("Web form")
    WEBSITE = "website", _("Website")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
    REFERRAL = "referral", _("Referral")
    EVENT = "event", _("Event")
    CAMPAIGN = "campaign", _("Campaign")
    PARTNER = "partner", _("Partner")
    COLD_CALL = "cold_call", _("Cold call")
    IMPORT = "import", _("Import")
    OTHER = "other", pgettext_lazy("lead source", "Other")


class LeadStatus(TextChoices):
    NEW = "new", _("New")
    WORKING = "working", _("Working")
    QUALIFIED = "qualified", _("Qualified")
    CONVERTED = "converted", _("Converted")
    DISQUALIFIED = "disqualified", _("Disqualified")


class DisqualifyReason(TextChoices):
    NO_BUDGET = "no_budget", _("No budget")
    NO_NEED = "no_need", _("No need")
    NO_AUTHORITY = "no_authority", _("Not a decision maker")
    TIMING = "timing", _("Bad timing")
    COMPETITOR = "competitor", _("Chose a competitor")
    UNREACHABLE = "unreachable", _("Could not be reached")
    DUPLICATE = "duplicate", _("Duplicate")
    SPAM = "spam", _("Spam")
    OTHER = "other", pgettext_lazy("reason", "Other")


class Lead(Record):
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=100, blank=True)
    email = models.CharField(_("e-mail"), max_length=254, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    website = models.URLField(_("website"), max_length=200, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=LeadSource.choices, default=LeadSource.OTHER)
    status = models.CharField(_("status"), max_length=12, choices=LeadStatus.choices, default=LeadStatus.NEW)
    estimated_amount = models.DecimalField(_("estimated amount"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    qualification_notes = models.TextField(_("qualification notes"), blank=True)
    disqualify_reason = models.CharField(
        _("disqualification reason"), max_length=12, choices=DisqualifyReason.choices, blank=True
    )
    disqualify_note = models.CharField(_("disqualification note"), max_length=500, blank=True)
    # Set by the conversion (`actions.lead_convert`): what the lead became.
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True, editable=False)
    converted_organization = models.ForeignKey(
        "parties.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    converted_contact = models.ForeignKey(
        "parties.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    converted_deal = models.ForeignKey(
        "sales.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    # The E.164 form of `phone` (as a contact's), for matching at conversion.
    phone_normalized = models.CharField(max_length=40, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="lead_scope_idx"),
            models.Index(fields=["status", "created_at"], name="lead_status_idx"),
            models.Index(fields=["deleted_at"], name="lead_trash_idx", condition=models.Q(deleted_at__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class ForecastCategory(TextChoices):
    PIPELINE = "pipeline", _("Pipeline")
    BEST_CASE = "best_case", _("Best case")
    COMMIT = "commit", _("Commit")
    CLOSED = "closed", _("Closed")
    OMITTED = "omitted", _("Omitted")


class Deal(Record):
    name = models.CharField(_("name"), max_length=200)
    organization = models.ForeignKey(
        "parties.Organization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("organization"),
    )
    contact = models.ForeignKey(
        "parties.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("contact"),
    )
    pipeline = models.ForeignKey(Pipeline, on_delete=models.PROTECT, related_name="deals", verbose_name=_("pipeline"))
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="deals", verbose_name=_("stage"))
    amount = models.DecimalField(_("amount"), default=0, **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    expected_close_date = models.DateField(_("expected close date"), null=True, blank=True)
    # The chance of winning, in percent: the stage's until somebody sets it.
    probability = models.PositiveSmallIntegerField(_("probability (%)"), validators=[MaxValueValidator(100)])
    forecast_category = models.CharField(
        _("forecast category"), max_length=10, choices=ForecastCategory.choices, default=ForecastCategory.PIPELINE
    )
    products_of_interest = models.CharField(_("products of interest"), max_length=500, blank=True)
    competitors = models.CharField(_("competitors"), max_length=500, blank=True)
    lost_reason = models.ForeignKey(
        LostReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="deals",
        verbose_name=_("lost reason"),
    )
    lost_note = models.CharField(_("lost note"), max_length=500, blank=True)
    description = models.TextField(_("description"), blank=True)
    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("lead")
    )
    # Kept by the actions: when the deal entered its stage, and the day it was won or lost.
    stage_entered_at = models.DateTimeField(editable=False)
    closed_on = models.DateField(_("closed on"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="deal_scope_idx"),
            models.Index(fields=["pipeline", "stage"], name="deal_stage_idx"),
            models.Index(fields=["expected_close_date"], name="deal_close_idx"),
            models.Index(fields=["closed_on"], name="deal_closed_idx"),
            models.Index(fields=["deleted_at"], name="deal_trash_idx", condition=models.Q(deleted_at__isnull=False)),
            # Open deals only (a tenth of a long history): the board's columns and "open, by close date".
            models.Index(
                fields=["pipeline", "stage", "expected_close_date", "id"],
                name="deal_board_idx",
                condition=models.Q(closed_on__isnull=True, deleted_at__isnull=True),
            ),
            models.Index(
                fields=["expected_close_date", "id"],
                name="deal_open_close_idx",
                condition=models.Q(closed_on__isnull=True, deleted_at__isnull=True),
            ),
            # The board's counts and totals of open deals read from this index alone (PostgreSQL).
            models.Index(
                fields=["pipeline", "stage"],
                include=["currency", "amount", "probability", "owner", "team"],
                name="deal_open_totals_idx",
                condition=models.Q(closed_on__isnull=True, deleted_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weighted_amount(self) -> Decimal:
        """amount × probability / 100, rounded half-up to the cent."""
        return (self.amount * self.probability / 100).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class StageChange(models.Model):
    """A deal entering a stage (its first stage too): the stage history, and what time in stage
    and the learned win probabilities are computed from."""

    id = models.BigAutoField(primary_key=True)
    deal = models.ForeignKey(Deal, on_delete=models.CASCADE, related_name="stage_changes")
    pipeline = models.ForeignKey(Pipeline, on_delete=models.CASCADE, related_name="+")
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="+")
    changed_at = models.DateTimeField()
    actor = _user_stamp()
    # How long the deal had been in `from_stage` (null for the first stage).
    seconds_in_previous = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["deal", "changed_at", "id"]
        indexes = [models.Index(fields=["deal", "changed_at"], name="stage_change_deal_idx")]

    def __str__(self) -> str:
        return f"{self.deal_id}: {self.from_stage_id} -> {self.to_stage_id}"


class ForecastAdjustment(Record):
    """A manager's judgement on top of the computed forecast: for one period (a month, by its
    first day), one category and one rep (or the whole team when `owner` is empty), the
    amount the manager expects instead of the computed one. The latest adjustment counts."""

    period = models.DateField(_("period"))
    category = models.CharField(_("forecast category"), max_length=10, choices=ForecastCategory.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["period", "-created_at", "-id"]
        indexes = [
            models.Index(fields=["team", "owner"], name="forecast_adj_scope_idx"),
            models.Index(fields=["period", "category"], name="forecast_adj_period_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.period:%Y-%m} {self.category} {self.amount} {self.currency}"


class ForecastSnapshot(models.Model):
    """The forecast as it stood at a moment, kept unchanged so that it can be compared later
    with what actually closed. `rows` holds one entry per owner, team, period, category and
    currency: {"owner": id, "team": id, "period": "2026-12-01", "category": "commit",
    "currency": "EUR", "deals": n, "amount": "…", "weighted": "…"}."""

    id = models.BigAutoField(primary_key=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    taken_at = models.DateTimeField(db_index=True)
    taken_by = _user_stamp()
    label = models.CharField(_("label"), max_length=100, blank=True)
    first_period = models.DateField()
    last_period = models.DateField()
    rows = models.JSONField(default=list)

    class Meta:
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"forecast of {self.taken_at:%Y-%m-%d %H:%M}"


def _form_token() -> str:
    return secrets.token_urlsafe(24)


class LeadForm(Record):
    """A web-to-lead form: a public address (`/f/<token>/`) that a company's website posts
    enquiries to. Each enquiry becomes a lead of the form's source, owned in turn by the
    sales members of the form's team (round robin), else by the form's owner."""

    name = models.CharField(_("name"), max_length=100)
    token = models.CharField(max_length=64, unique=True, default=_form_token, editable=False)
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=12, choices=LeadSource.choices, default=LeadSource.WEB_FORM)
    redirect_url = models.URLField(_("page after sending"), max_length=300, blank=True)
    # The last member of the team a lead went to (round robin).
    last_assigned = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class LeadAssignmentRule(Record):
    """Who a lead that arrives without an owner (a web form's post, an imported row) goes to:
    the first active rule, in `position` order, whose conditions all match the lead — its
    source, its country, a text its company or e-mail contains; an empty condition matches
    anything. The lead then goes to the rule's owner, or else in turn to the active sales
    people and managers of the rule's team (round robin, the turn kept on the rule)."""

    name = models.CharField(_("name"), max_length=100)
    position = models.PositiveIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=12, choices=LeadSource.choices, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True)
    contains = models.CharField(_("company or e-mail contains"), max_length=100, blank=True)
    last_assigned = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class FormSubmission(models.Model):
    """A post to a lead form, kept for an hour to limit how often one address may post
    (`actions.webforms`): bookkeeping, not a record."""

    id = models.BigAutoField(primary_key=True)
    form = models.ForeignKey(LeadForm, on_delete=models.CASCADE, related_name="+")
    address = models.GenericIPAddressField(null=True, blank=True)
    submitted_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["form", "address", "submitted_at"], name="form_submission_idx")]

    def __str__(self) -> str:
        return f"{self.form_id} {self.address} {self.submitted_at:%H:%M:%S}"


class Product(Record):
    """A product or service the company sells: what a quote's, an order's and an invoice's lines
    are made of. The catalogue is the whole company's (everyone reads it; administrators keep
    it); a product is retired (`active` off) rather than deleted once documents name it."""

    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    unit = models.CharField(_("unit"), max_length=20, default="pc")
    cost = models.DecimalField(_("unit cost"), null=True, blank=True, **MONEY)
    currency = models.CharField(_("currency"), max_length=3)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sku"], condition=models.Q(deleted_at__isnull=True), name="product_live_sku_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"


class PriceList(Record):
    """Prices in one currency: for everyone, for the customers of a category
    (`customer_category`, as organizations have it) or for one customer (`organization`:
    individual prices), valid between two days when given. A line takes its price from the most
    particular list that prices the product — the customer's, then the category's, then a
    general one — and within it from the largest quantity break not above the line's quantity."""

    name = models.CharField(_("name"), max_length=100)
    currency = models.CharField(_("currency"), max_length=3)
    customer_category = models.CharField(_("customer category"), max_length=60, blank=True)
    organization = models.ForeignKey(
        "parties.Organization", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        verbose_name=_("customer"),
    )  # fmt: skip
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["currency", "name", "id"]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    """One price of a list: the product's unit price and discount from `min_quantity` up (a
    quantity break). Part of its list: written with it, logged in its list's events."""

    id = models.BigAutoField(primary_key=True)
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    min_quantity = models.DecimalField(_("from quantity"), max_digits=14, decimal_places=3, default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=0)

    class Meta:
        ordering = ["product_id", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "product", "min_quantity"], name="price_item_break_unique")
        ]
        indexes = [models.Index(fields=["product", "price_list"], name="price_item_product_idx")]

    def __str__(self) -> str:
        return f"{self.product_id} from {self.min_quantity}: {self.unit_price}"


class ExchangeRate(models.Model):
    """What one unit of `currency` was worth in the reporting currency on `day` (the rate of a
    day holds until the next day that has one). Data, entered or imported, never guessed."""

    id = models.BigAutoField(primary_key=True)
    currency = models.CharField(_("currency"), max_length=3)
    day = models.DateField(_("day"))
    rate = models.DecimalField(_("rate"), max_digits=20, decimal_places=10)

    class Meta:
        ordering = ["currency", "-day"]
        constraints = [models.UniqueConstraint(fields=["currency", "day"], name="exchange_rate_day_unique")]

    def __str__(self) -> str:
        return f"{self.currency} {self.day}: {self.rate}"


AMOUNT = {"max_digits": 20, "decimal_places": 4}  # a document's amounts (minor units up to 4 digits: CLF)


class DocumentCounter(models.Model):
    """The last number given in a series and year ("Q" 2026: 123), moved under a row lock so
    numbers never repeat or skip, also when documents are made at once."""

    id = models.BigAutoField(primary_key=True)
    series = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="document_counter_unique")]

    def __str__(self) -> str:
        return f"{self.series} {self.year}: {self.last}"


class Document(Record):
    """What quotes, orders and invoices have in common: a number in their year's series, the
    customer, the currency and the totals of their lines (`pricing.py`)."""

    number = models.CharField(_("number"), max_length=30, unique=True, editable=False)
    organization = models.ForeignKey(
        "parties.Organization", on_delete=models.PROTECT, related_name="%(class)ss", verbose_name=_("customer")
    )
    contact = models.ForeignKey(
        "parties.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="%(class)ss",
        verbose_name=_("contact"),
    )  # fmt: skip
    currency = models.CharField(_("currency"), max_length=3)
    net_total = models.DecimalField(_("net total"), default=0, **AMOUNT)
    tax_total = models.DecimalField(_("tax total"), default=0, **AMOUNT)
    gross_total = models.DecimalField(_("gross total"), default=0, **AMOUNT)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class DocumentLine(models.Model):
    """A line of a quote, an order or an invoice: what, how many, at what price, discount and
    tax rate, and the net, tax and gross the totals rule gives."""

    id = models.BigAutoField(primary_key=True)
    position = models.PositiveIntegerField()
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(_("description"), max_length=300)
    quantity = models.DecimalField(_("quantity"), max_digits=14, decimal_places=3)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=4)
    discount_percent = models.DecimalField(_("discount (%)"), max_digits=5, decimal_places=2, default=0)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=0)
    net = models.DecimalField(_("net"), **AMOUNT)
    tax = models.DecimalField(_("tax"), **AMOUNT)
    gross = models.DecimalField(_("gross"), **AMOUNT)

    class Meta:
        abstract = True


class QuoteStatus(TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")


OPEN_QUOTE_STATUSES = (QuoteStatus.DRAFT, QuoteStatus.SENT)  # a quote still waiting for an answer


class Quote(Document):
    """An offer to a customer: lines of products at prices, with totals exact to the currency's
    minor unit (`pricing.py`). Numbered in its year's series when created (Q-2026-000001)."""

    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="quotes", verbose_name=_("deal")
    )
    status = models.CharField(_("status"), max_length=10, choices=QuoteStatus.choices, default=QuoteStatus.DRAFT)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    revises = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="revised_by",
        verbose_name=_("previous version"),
    )  # fmt: skip
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "owner"], name="quote_scope_idx")]


class QuoteLine(DocumentLine):
    """A line of a quote, written with it: what, how many, at what price, discount and tax rate,
    and the net, tax and gross the totals rule gives."""

    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines")

    class Meta:
        ordering = ["quote", "position"]

    def __str__(self) -> str:
        return f"{self.quote_id}/{self.position}"


class OrderStatus(TextChoices):
    OPEN = "open", _("Open")
    PARTIALLY_INVOICED = "partially_invoiced", _("Partially invoiced")
    INVOICED = "invoiced", _("Invoiced")
    CANCELLED = "cancelled", _("Cancelled")


class Order(Document):
    """What a customer ordered: made when a quote is accepted (its lines and totals copied), so
    the chain reads deal ← quote ← order; numbered gap-free per year (O-2026-000001)."""

    quote = models.OneToOneField(
        Quote, null=True, blank=True, on_delete=models.PROTECT, related_name="order", verbose_name=_("quote")
    )
    deal = models.ForeignKey(
        Deal, null=True, blank=True, on_delete=models.SET_NULL, related_name="orders", verbose_name=_("deal")
    )
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "owner"], name="order_scope_idx")]


class OrderLine(DocumentLine):
    """A line of an order, as its quote had it."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    invoiced_quantity = models.DecimalField(_("invoiced quantity"), max_digits=14, decimal_places=3, default=0)

    class Meta:
        ordering = ["order", "position"]

    def __str__(self) -> str:
        return f"{self.order_id}/{self.position}"


class InvoiceStatus(TextChoices):
    ISSUED = "issued", _("Issued")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    CREDITED = "credited", _("Credited")
    CANCELLED = "cancelled", _("Cancelled")


class InvoiceKind(TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class Invoice(Document):
    """A bill for an order, or part of it: its lines and totals, numbered gap-free per year
    (INV-2026-000001), due on a day; paid by payments (partially, then wholly). A credit note
    (`kind`, CN-2026-000001) is an invoice of its own that takes back some or all of the one it
    `credits`: its amounts are positive, and they lower what that invoice is owed."""

    kind = models.CharField(_("kind"), max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    order = models.ForeignKey(Order, null=True, blank=True, on_delete=models.PROTECT, related_name="invoices")
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes",
        verbose_name=_("credited invoice"),
    )  # fmt: skip
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    credited_total = models.DecimalField(_("credited"), default=0, **AMOUNT)
    status = models.CharField(_("status"), max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.ISSUED)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    paid_total = models.DecimalField(_("paid"), default=0, **AMOUNT)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "owner"], name="invoice_scope_idx")]

    @property
    def owed(self) -> Decimal:
        """What is still owed: billed less paid less credited (negative: money to return)."""
        return self.gross_total - self.paid_total - self.credited_total

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class InvoiceLine(DocumentLine):
    """A line of an invoice, as its order had it."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["invoice", "position"]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.position}"


class Payment(Record):
    """Money received for an invoice, on a day."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments", verbose_name=_("invoice"))
    amount = models.DecimalField(_("amount"), **AMOUNT)
    paid_on = models.DateField(_("paid on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["paid_on", "id"]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount}"


class MailStatus(TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class DocumentMail(Record):
    """A quote or an invoice sent to the customer by e-mail, its PDF attached: queued by the
    writer, sent through the configured SMTP server by the background worker (retried a few
    times), with the Message-ID it went out with."""

    quote = models.ForeignKey(Quote, null=True, blank=True, on_delete=models.CASCADE, related_name="mails")
    invoice = models.ForeignKey(Invoice, null=True, blank=True, on_delete=models.CASCADE, related_name="mails")
    to = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    language = models.CharField(_("language"), max_length=8)
    status = models.CharField(_("status"), max_length=10, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=250, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "owner"], name="document_mail_scope_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quote__isnull=False, invoice__isnull=True)
                | models.Q(quote__isnull=True, invoice__isnull=False),
                name="document_mail_one_document",
            )
        ]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject}"


# The figures the reports read (DESIGN.md rule 6), in a module of their own; imported here so Django knows them.
from clientela.sales.models_figures import DealFigure, LeadFigure, StageFigure  # noqa: E402, F401
