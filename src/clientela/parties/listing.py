"""The contact and organization list pages' reads: filters, sorting, pagination.

Everything starts from the scoped queries in `queries.py`; a page of a list runs
the same number of SQL queries however many records match.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.db.models import Prefetch, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from clientela.accounts import queries as accounts_queries
from clientela.core import collation
from clientela.core.visibility import assignment_scope, can_see
from clientela.parties import queries, restricted
from clientela.parties.models import Affiliation, Contact, CustomField, LifecycleStage, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import Team, User

PAGE_SIZE = 50
PAGE_SIZES = (25, 50, 100, 200)  # the rows-per-page a list offers
MAX_PAGE = 10_000
ENTITIES = ("contact", "organization")

SORTS: dict[str, dict[str, tuple[str, ...]]] = {
    "contact": {
        "name": queries.NAME_ORDER["contact"],
        "email": ("primary_email", "id"),
        "stage": ("lifecycle_stage", "id"),
        "owner": ("owner__username", "id"),
        "updated": ("updated_at", "id"),
        "created": ("created_at", "id"),
    },
    "organization": {
        "name": queries.NAME_ORDER["organization"],
        "industry": ("industry", "id"),
        "stage": ("lifecycle_stage", "id"),
        "owner": ("owner__username", "id"),
        "updated": ("updated_at", "id"),
        "created": ("created_at", "id"),
    },
}
COLUMN_LABELS = {
    "name": _("Name"),
    "email": _("E-mail"),
    "industry": _("Industry"),
    "stage": _("Stage"),
    "owner": _("Owner"),
    "updated": _("Updated"),
    "created": _("Created"),
}
# Filter keys a list understands; anything else in a query string is dropped.
BASE_KEYS = ("q", "stage", "owner", "team", "tag", "sort")
FILTERABLE_CUSTOM_TYPES = (CustomField.Type.CHOICE, CustomField.Type.BOOLEAN)


@dataclass
class ListFilters:
    entity: str
    q: str = ""
    stage: str = ""
    owner: str = ""
    team: str = ""
    tag: str = ""
    sort: str = "name"
    custom: dict[str, str] = field(default_factory=dict)
    page: int = 1
    size: int = PAGE_SIZE

    @property
    def sort_key(self) -> str:
        return self.sort.lstrip("-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    def params(self, *, with_page: bool = False) -> dict[str, str]:
        """The non-empty filters as query parameters (page left out unless asked)."""
        result = {key: getattr(self, key) for key in BASE_KEYS if getattr(self, key)}
        if result.get("sort") == "name":
            result.pop("sort")
        result.update({f"cf_{key}": value for key, value in self.custom.items() if value})
        if self.size != PAGE_SIZE:
            result["size"] = str(self.size)
        if with_page and self.page > 1:
            result["page"] = str(self.page)
        return result

    def query_string(self, **overrides: Any) -> str:
        return query_string(self.params(), **overrides)

    @property
    def is_filtered(self) -> bool:
        return any(self.params().get(key) for key in ("q", "stage", "owner", "team", "tag")) or any(
            self.custom.values()
        )


def query_string(params: dict[str, str], **overrides: Any) -> str:
    """A list's filters as a query string, with some replaced (an empty value drops one)."""
    params = dict(params)
    for key, value in overrides.items():
        if value in (None, ""):
            params.pop(key, None)
        else:
            params[key] = str(value)
    return urlencode(params)


def filterable_fields(entity: str) -> list[CustomField]:
    return [f for f in queries.custom_fields(entity) if f.type in FILTERABLE_CUSTOM_TYPES]


def parse_filters(entity: str, data: QueryDict, definitions: list[CustomField]) -> ListFilters:
    """Read filters from a query string, ignoring what is unknown or malformed."""

    def text(key: str, limit: int = 200) -> str:
        return (data.get(key) or "").replace("\x00", "").strip()[:limit]

    filters = ListFilters(entity=entity, q=text("q"), tag=text("tag", 60))
    stage = text("stage")
    filters.stage = stage if stage in LifecycleStage.values else ""
    owner = text("owner")
    filters.owner = owner if owner in ("me", "none") or _small_id(owner) else ""
    team = text("team")
    filters.team = team if _small_id(team) else ""
    sort = text("sort") or "name"
    filters.sort = sort if sort.lstrip("-") in SORTS[entity] else "name"
    for definition in definitions:
        value = text(f"cf_{definition.key}", 100)
        is_boolean = definition.type == CustomField.Type.BOOLEAN and value in ("yes", "no")
        if is_boolean or (definition.type == CustomField.Type.CHOICE and value in definition.choices):
            filters.custom[definition.key] = value
    page = text("page")
    filters.page = min(int(page), MAX_PAGE) if _small_id(page) and int(page) > 0 else 1
    size = text("size")
    filters.size = int(size) if _small_id(size) and int(size) in PAGE_SIZES else PAGE_SIZE
    return filters


def _small_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= 12


def clean_query_string(entity: str, raw: str) -> str:
    """A saved view's query string, reduced to the filters the list understands."""
    filters = parse_filters(entity, QueryDict(raw[:2000]), filterable_fields(entity))
    return filters.query_string()


def filtered(user: User, filters: ListFilters) -> QuerySet[Any]:
    base: QuerySet[Any] = queries.records_visible(user, filters.entity)
    if filters.q:
        base = base.filter(queries.search_filter(filters.q, user))
    if filters.stage:
        base = base.filter(lifecycle_stage=filters.stage)
    if filters.owner == "me":
        base = base.filter(owner_id=user.pk)
    elif filters.owner == "none":
        base = base.filter(owner__isnull=True)
    elif filters.owner:
        base = base.filter(owner_id=int(filters.owner))
    if filters.team:
        base = base.filter(team_id=int(filters.team))
    if filters.tag:
        base = base.filter(tags__name=filters.tag)
    for key, value in filters.custom.items():
        if value in ("yes", "no"):
            base = base.filter(**{f"custom__{key}": value == "yes"})
        else:
            base = base.filter(**{f"custom__{key}": value})
    order = SORTS[filters.entity][filters.sort_key]
    if filters.descending:
        order = tuple(f"-{name}" for name in order)
    return base.order_by(*collation.ordering(base.model, order))


@dataclass
class Page:
    rows: list[Any]
    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first_index(self) -> int:
        return 0 if not self.total else (self.number - 1) * self.size + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.number * self.size)


def page_of(user: User, filters: ListFilters, *, size: int | None = None) -> Page:
    """One page of the list (`size` rows, else the filters' page size): a count, the rows,
    and their tags and organizations."""
    size = size or filters.size
    queryset = filtered(user, filters)
    total = queryset.count()
    number = min(filters.page, max(1, -(-total // size)))
    prefetches: list[Any] = ["tags"]
    if filters.entity == "contact":
        prefetches.append(
            Prefetch(
                "affiliations", queryset=Affiliation.objects.select_related("organization").order_by("-is_primary")
            )
        )
    rows = list(queryset.prefetch_related(*prefetches)[(number - 1) * size : number * size])
    if filters.entity == "contact":
        for row in rows:
            row.shown_organization = next(
                (
                    a.organization
                    for a in row.affiliations.all()
                    if a.organization.deleted_at is None and can_see(user, a.organization)
                ),
                None,
            )
        restricted.hide_in_rows(user, rows)
    return Page(rows=rows, total=total, number=number, size=size)


def assignable_users(user: User) -> list[User]:
    """Users `user` may make the owner of a record (the action checks it again, by the same scope)."""
    condition = assignment_scope(user).owner_filter()
    people = accounts_queries.active_users()
    return list(people if condition is None else people.filter(condition))


def selectable_teams(user: User) -> list[Team]:
    return list(accounts_queries.all_teams().filter(assignment_scope(user).team_filter()))


def records_by_ids(user: User, entity: str, public_ids: list[str]) -> list[Contact | Organization]:
    """The selected records the user can see (invisible or unknown ids are left out)."""
    valid = []
    for raw in public_ids:
        try:
            valid.append(uuid.UUID(str(raw)))
        except ValueError:
            continue
    base: QuerySet[Any] = queries.records_visible(user, entity)
    return list(base.filter(public_id__in=valid))
