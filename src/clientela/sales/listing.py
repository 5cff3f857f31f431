"""The deals list page's reads: the foundation's filters, sorting, page sizes and saved views,
for deals.

Everything starts from the scoped `queries.deals_visible`; unknown or malformed filter values
are ignored, never an error, so a bookmarked or saved address keeps working. A page runs the
same number of queries however many deals match.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clientela.core import collation
from clientela.parties.listing import MAX_PAGE, PAGE_SIZE, PAGE_SIZES, Page, query_string
from clientela.sales import queries
from clientela.sales.models import MONEY, Deal, Outcome

if TYPE_CHECKING:
    from clientela.accounts.models import User

ENTITY = "deal"  # the key of the list's saved views
DEFAULT_SORT = "-created"
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "stage": ("pipeline__position", "stage__position", "id"),
    "amount": ("amount", "id"),
    "close": ("expected_close_date", "id"),
    "owner": ("owner__username", "id"),
    "updated": ("updated_at", "id"),
    "created": ("created_at", "id"),
}
# Sorted columns a deal may leave empty: those deals come last either way, on every database.
NULLABLE = frozenset({"expected_close_date", "owner__username"})
COLUMN_LABELS = {
    "name": _("Deal"),
    "stage": _("Stage"),
    "amount": _("Amount"),
    "close": _("Expected close"),
    "owner": _("Owner"),
    "updated": _("Updated"),
    "created": _("Created"),
}
CLOSE_WINDOWS = {
    "overdue": _("overdue"),
    "this_month": _("this month"),
    "next_month": _("next month"),
    "this_quarter": _("this quarter"),
}
STATUSES = {Outcome.OPEN.value: _("open"), Outcome.WON.value: _("won"), Outcome.LOST.value: _("lost")}
# The largest amount a deal holds (its column's digits); a bound past it is no filter.
AMOUNT_LIMIT = Decimal(10) ** (MONEY["max_digits"] - MONEY["decimal_places"])
KEYS = ("q", "pipeline", "stage", "status", "owner", "team", "close", "amount_min", "amount_max", "sort")


@dataclass
class DealFilters:
    q: str = ""
    pipeline: str = ""  # a pipeline's public id
    stage: str = ""  # a stage's public id
    status: str = ""  # open, won or lost
    owner: str = ""  # "me", "none" or a user's id
    team: str = ""  # a team's id
    close: str = ""  # one of CLOSE_WINDOWS
    amount_min: str = ""
    amount_max: str = ""
    sort: str = DEFAULT_SORT
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    def params(self) -> dict[str, str]:
        """The non-empty filters as query parameters (the page left out)."""
        result = {key: getattr(self, key) for key in KEYS if getattr(self, key)}
        if result.get("sort") == DEFAULT_SORT:
            result.pop("sort")
        if self.size != PAGE_SIZE:
            result["size"] = str(self.size)
        return result

    def query_string(self, **overrides: Any) -> str:
        return query_string(self.params(), **overrides)

    @property
    def is_filtered(self) -> bool:
        return any(self.params().get(key) for key in KEYS if key != "sort")


def _small_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def _public_id(text: str) -> str:
    """A public id in its one written form ("" when `text` is none)."""
    try:
        return str(uuid.UUID(text)) if text else ""
    except ValueError:
        return ""


def _amount(text: str) -> str:
    """A non-negative amount as written plainly ("" when `text` is none, or past any deal's)."""
    try:
        value = Decimal(text.replace(",", ".").replace(" ", "").replace("\u00a0", ""))
    except InvalidOperation:
        return ""
    if not value.is_finite() or value < 0 or value >= AMOUNT_LIMIT:
        return ""
    return format(value.normalize(), "f") if value else "0"


def parse_filters(data: QueryDict) -> DealFilters:
    """Read the filters from a query string, ignoring what is unknown or malformed. The older
    addresses (`mine=1`) still work."""

    def text(key: str, limit: int = 100) -> str:
        return (data.get(key) or "").replace("\x00", "").strip()[:limit]

    filters = DealFilters(q=text("q"))
    filters.pipeline = _public_id(text("pipeline"))
    filters.stage = _public_id(text("stage"))
    filters.status = text("status") if text("status") in STATUSES else ""
    owner = text("owner")
    owner = owner if owner in ("me", "none") or _small_id(owner) else ""
    filters.owner = owner or ("me" if data.get("mine") == "1" else "")
    filters.team = text("team") if _small_id(text("team")) else ""
    filters.close = text("close") if text("close") in CLOSE_WINDOWS else ""
    filters.amount_min = _amount(text("amount_min", 40))
    filters.amount_max = _amount(text("amount_max", 40))
    sort = text("sort") or DEFAULT_SORT
    filters.sort = sort if sort.lstrip("-") in SORTS else DEFAULT_SORT
    page = text("page")
    filters.page = min(int(page), MAX_PAGE) if _small_id(page) and int(page) > 0 else 1
    size = text("size")
    filters.size = int(size) if _small_id(size) and int(size) in PAGE_SIZES else PAGE_SIZE
    return filters


def clean_query_string(raw: str) -> str:
    """A saved view's query string, reduced to the filters the list understands."""
    return parse_filters(QueryDict(raw[:2000])).query_string()


def _close_window(name: str, today: dt.date) -> Q:
    month = today.replace(day=1)
    next_month = (month + dt.timedelta(days=32)).replace(day=1)
    if name == "overdue":
        return Q(expected_close_date__lt=today, closed_on__isnull=True)
    if name == "this_month":
        return Q(expected_close_date__gte=month, expected_close_date__lt=next_month)
    if name == "next_month":
        after = (next_month + dt.timedelta(days=32)).replace(day=1)
        return Q(expected_close_date__gte=next_month, expected_close_date__lt=after)
    quarter = month.replace(month=(month.month - 1) // 3 * 3 + 1)
    end = quarter
    for _n in range(3):
        end = (end + dt.timedelta(days=32)).replace(day=1)
    return Q(expected_close_date__gte=quarter, expected_close_date__lt=end)


def apply(user: User, filters: DealFilters) -> QuerySet[Deal]:
    """The deals `user` may see that pass `filters`, in their order, with what a row shows
    (`queries.deals_visible` selects and prefetches it). A filter naming what the reader may
    not see (another team's owner or team) finds nothing: it only narrows the visible deals."""
    deals = queries.deals_visible(user)
    for word in filters.q.split()[:10]:
        deals = deals.filter(Q(name__icontains=word) | Q(organization__name__icontains=word))
    if filters.pipeline:
        deals = deals.filter(pipeline__public_id=filters.pipeline)
    if filters.stage:
        deals = deals.filter(stage__public_id=filters.stage)
    if filters.status == Outcome.OPEN:  # open deals are exactly those without `closed_on` (indexed)
        deals = deals.filter(closed_on__isnull=True)
    elif filters.status:
        deals = deals.filter(closed_on__isnull=False, stage__outcome=filters.status)
    if filters.owner == "me":
        deals = deals.filter(owner_id=user.pk)
    elif filters.owner == "none":
        deals = deals.filter(owner__isnull=True)
    elif filters.owner:
        deals = deals.filter(owner_id=int(filters.owner))
    if filters.team:
        deals = deals.filter(team_id=int(filters.team))
    if filters.close:
        deals = deals.filter(_close_window(filters.close, timezone.localdate()))
    if filters.amount_min:
        deals = deals.filter(amount__gte=Decimal(filters.amount_min))
    if filters.amount_max:
        deals = deals.filter(amount__lte=Decimal(filters.amount_max))
    return deals.order_by(*_ordering(filters))


def _ordering(filters: DealFilters) -> list[Any]:
    """The `order_by()` terms of the sort: names in the reader's language, empty values last,
    the id last of all so that equal values keep one order."""
    descending = filters.sort.startswith("-")
    terms: list[Any] = []
    for name in SORTS[filters.sort_key]:
        if name in NULLABLE:
            field = F(name)
            terms.append(field.desc(nulls_last=True) if descending else field.asc(nulls_last=True))
        else:
            terms.extend(collation.ordering(Deal, [f"-{name}" if descending else name]))
    return terms


def page_of(user: User, filters: DealFilters) -> Page:
    """One page of the list: a count, then the rows with what they show, in a fixed number of
    queries however many rows there are."""
    queryset = apply(user, filters)
    total = queryset.count()
    size = filters.size
    number = min(filters.page, max(1, -(-total // size)))
    return Page(rows=list(queryset[(number - 1) * size : number * size]), total=total, number=number, size=size)
