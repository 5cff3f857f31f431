"""The deals list page's reads: the foundation's filters, sorting, page sizes and saved views,
for deals.

Everything starts from the scoped `queries.deals_visible`; unknown or malformed filter values
are ignored, never an error, so a bookmarked or saved address keeps working. A page runs the
same number of queries however many deals match.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from clientela.core.ids import is_uuid
from clientela.parties.listing import MAX_PAGE, PAGE_SIZE, PAGE_SIZES, Page, query_string
from clientela.sales import queries
from clientela.sales.models import Deal, Outcome

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


def _amount(text: str) -> str:
    try:
        value = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        return ""
    return str(value) if value.is_finite() and value >= 0 else ""


def parse_filters(data: QueryDict) -> DealFilters:
    """Read the filters from a query string, ignoring what is unknown or malformed. The older
    addresses (`mine=1`) still work."""

    def text(key: str, limit: int = 100) -> str:
        return (data.get(key) or "").replace("\x00", "").strip()[:limit]

    filters = DealFilters(q=text("q"))
    filters.pipeline = text("pipeline") if is_uuid(text("pipeline")) else ""
    filters.stage = text("stage") if is_uuid(text("stage")) else ""
    filters.status = text("status") if text("status") in STATUSES else ""
    owner = text("owner") or ("me" if data.get("mine") == "1" else "")
    filters.owner = owner if owner in ("me", "none") or _small_id(owner) else ""
    filters.team = text("team") if _small_id(text("team")) else ""
    filters.close = text("close") if text("close") in CLOSE_WINDOWS else ""
    filters.amount_min = _amount(text("amount_min", 30)) if text("amount_min") else ""
    filters.amount_max = _amount(text("amount_max", 30)) if text("amount_max") else ""
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


def filtered(user: User, filters: DealFilters) -> QuerySet[Deal]:
    deals = queries.deals_visible(user)
    if filters.q:
        deals = deals.filter(Q(name__icontains=filters.q) | Q(organization__name__icontains=filters.q))
    if filters.pipeline:
        deals = deals.filter(pipeline__public_id=filters.pipeline)
    if filters.stage:
        deals = deals.filter(stage__public_id=filters.stage)
    if filters.status == Outcome.OPEN:
        deals = deals.filter(closed_on__isnull=True)
    elif filters.status:
        deals = deals.filter(stage__outcome=filters.status)
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
    order = SORTS[filters.sort_key]
    if filters.sort.startswith("-"):
        order = tuple(f"-{name}" for name in order)
    return deals.order_by(*order)


def page_of(user: User, filters: DealFilters) -> Page:
    """One page of the list: a count and the rows with what they show (one query each)."""
    queryset = filtered(user, filters)
    total = queryset.count()
    size = filters.size
    number = min(filters.page, max(1, -(-total // size)))
    rows = list(
        queryset.select_related("organization", "pipeline", "stage", "owner", "team")[
            (number - 1) * size : number * size
        ]
    )
    return Page(rows=rows, total=total, number=number, size=size)
