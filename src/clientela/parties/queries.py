"""Every read of organizations and contacts, scoped to what the user may see."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import Case, IntegerField, Prefetch, Q, QuerySet, Value, When
from django.db.models.functions import StrIndex
from django.db.models.lookups import GreaterThan
from django.utils.translation import gettext as _

from clientela.core import collation
from clientela.core.errors import NotFound
from clientela.core.models import Event
from clientela.core.visibility import require_admin, visible
from clientela.parties import normalize
from clientela.parties.models import Affiliation, Contact, ContactPoint, CustomField, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import User

_DIGITS = re.compile(r"\D")
P = TypeVar("P", Contact, Organization)


def _parse_uuid(public_id: Any) -> uuid.UUID:
    try:
        return public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id))
    except (ValueError, AttributeError, TypeError):
        raise NotFound(_("no such record")) from None


# A record's name, in the order a reader reads a list of them (the id breaks ties).
NAME_ORDER: dict[str, tuple[str, ...]] = {"contact": ("last_name", "first_name", "id"), "organization": ("name", "id")}


def in_name_order(records: QuerySet[Any]) -> QuerySet[Any]:
    """Contacts or organizations sorted by name in the reader's language (core.collation)."""
    return records.order_by(*collation.ordering(records.model, NAME_ORDER[records.model._meta.model_name]))


def records(model: type[P], *, trash: bool = False) -> QuerySet[P]:
    """Every contact or organization (`model`) out of the trash, or every one in it; before
    any reader's visibility (`visible`), which each read adds."""
    if trash:
        return model.all_objects.filter(deleted_at__isnull=False)
    return model.objects.all()


def contacts_visible(user: User, *, trash: bool = False) -> QuerySet[Contact]:
    return visible(records(Contact, trash=trash), user).select_related("owner", "team")


def organizations_visible(user: User, *, trash: bool = False) -> QuerySet[Organization]:
    return visible(records(Organization, trash=trash), user).select_related("owner", "team", "parent")


def records_visible(user: User, entity: str, *, trash: bool = False) -> QuerySet[Any]:
    """The contacts or organizations (`entity`) the user may see."""
    return contacts_visible(user, trash=trash) if entity == "contact" else organizations_visible(user, trash=trash)


def search_filter(text: str, reader: User | None = None, *, scanning: bool = False) -> Q:
    """Substring match on every word over names, e-mails, phones and tax id. A phone number
    matches however it is written ("+36209607198", "06 20 960 7198", "0036-20-960-7198"):
    national forms are read in the reader's country (their team's, else the installation's).

    `scanning`: the same test written so that the trigram index does not answer it (and the
    planner does not take it for a rare one), for a read that walks another index in order
    and tests rows as it goes (`searching.py`)."""
    contains = _position_in_text if scanning else _like_in_text
    phone = _phone_condition(text.strip(), normalize.reader_region(reader), contains)
    if phone is not None:
        return phone
    condition = Q()
    for word in normalize.fold(text).split()[:8]:
        word_q = contains(word)
        if normalize.is_plausible_phone(word):  # one word of several written like a phone number
            digits = _DIGITS.sub("", word)
            if digits != word:
                word_q |= contains(digits)
        condition &= word_q
    return condition


def _like_in_text(fragment: str) -> Q:
    return Q(search_text__contains=fragment)


def _position_in_text(fragment: str) -> Q:
    return Q(GreaterThan(StrIndex("search_text", Value(fragment)), 0))


def _phone_condition(text: str, region: str, contains: Callable[[str], Q]) -> Q | None:
    """For a search that is a phone number: the number as typed, its digits, or its E.164
    form (kept in every record's search text beside the phones as typed)."""
    if not normalize.is_plausible_phone(text):
        return None
    condition = contains(normalize.fold(text)) | contains(_DIGITS.sub("", text))
    e164 = normalize.phone_e164(text, region)
    if e164:
        condition |= contains(e164)
    return condition


def name_matches_first(queryset: QuerySet[Any], text: str, *then: str) -> QuerySet[Any]:
    """A search's results with records whose name has every word typed first (a person called
    Nagy before someone whose e-mail domain contains "nagy"), then by `then`."""
    name = Q()
    for word in normalize.fold(text).split()[:8]:
        name &= Q(name_key__contains=word)
    ranked = queryset.annotate(name_rank=Case(When(name, then=Value(0)), default=Value(1), output_field=IntegerField()))
    return ranked.order_by("name_rank", *collation.ordering(queryset.model, then))


def contact_detail_queryset(user: User, *, include_trash: bool = False) -> QuerySet[Contact]:
    base = Contact.all_objects.all() if include_trash else Contact.objects.all()
    return (
        visible(base, user)
        .select_related("owner", "team")
        .prefetch_related(
            "points",
            "addresses",
            "tags",
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("organization")),
        )
    )


def organization_detail_queryset(user: User, *, include_trash: bool = False) -> QuerySet[Organization]:
    base = Organization.all_objects.all() if include_trash else Organization.objects.all()
    return (
        visible(base, user)
        .select_related("owner", "team", "parent")
        .prefetch_related(
            "points",
            "addresses",
            "tags",
            Prefetch("affiliations", queryset=Affiliation.objects.select_related("contact")),
        )
    )


def contact_get(user: User, public_id: Any, *, include_trash: bool = False) -> Contact:
    contact = (
        contact_detail_queryset(user, include_trash=include_trash).filter(public_id=_parse_uuid(public_id)).first()
    )
    if contact is None:
        raise NotFound(_("no such contact"))
    return contact


def organization_get(user: User, public_id: Any, *, include_trash: bool = False) -> Organization:
    organization = (
        organization_detail_queryset(user, include_trash=include_trash).filter(public_id=_parse_uuid(public_id)).first()
    )
    if organization is None:
        raise NotFound(_("no such organization"))
    return organization


def points_of(record: Contact | Organization, kind: str) -> list[ContactPoint]:
    """From the prefetched points (no query when prefetched)."""
    return [p for p in record.points.all() if p.kind == kind]


def custom_fields(entity: str) -> list[CustomField]:
    return list(CustomField.objects.filter(entity=entity).order_by("position", "id"))


MAX_MERGE_DEPTH = 10


def merged_ids(record: Contact | Organization) -> set[uuid.UUID]:
    """Public ids of the record and of every record merged into it (transitively)."""
    record_type = record._meta.label_lower
    ids: set[uuid.UUID] = {record.public_id}
    frontier = {record.public_id}
    for _depth in range(MAX_MERGE_DEPTH):
        merges = Event.objects.filter(
            record_type=record_type, record_id__in=frontier, kind=Event.Kind.MERGED
        ).values_list("data", flat=True)
        found: set[uuid.UUID] = set()
        for data in merges:
            for raw in (data or {}).get("merged", []) if isinstance(data, dict) else []:
                try:
                    found.add(uuid.UUID(str(raw)))
                except ValueError:
                    continue
        frontier = found - ids
        if not frontier:
            break
        ids |= frontier
    return ids


def merged_history(record: Contact | Organization, *, limit: int = 200) -> list[Event]:
    """The record's events and those of the records merged into it, newest first."""
    return list(
        Event.objects.filter(record_type=record._meta.label_lower, record_id__in=merged_ids(record))
        .select_related("actor")
        .order_by("-id")[:limit]
    )


def relationships_of(user: User, record: Contact | Organization) -> list[Any]:
    """The record's relationships (`relationships.RelatedParty`) whose other side the user can see."""
    from clientela.parties import relationships

    return relationships.of(user, record)


# --- custom field definitions (the administrators' settings pages) ---------------------------


def custom_fields_for_admin(actor: User) -> list[CustomField]:
    require_admin(actor)
    return list(CustomField.objects.order_by("entity", "position", "id"))


def custom_field_for_admin(actor: User, public_id: Any) -> CustomField:
    require_admin(actor)
    try:
        key = _parse_uuid(public_id)
    except NotFound:
        raise NotFound(_("no such custom field")) from None
    definition = CustomField.objects.filter(public_id=key).first()
    if definition is None:
        raise NotFound(_("no such custom field"))
    return definition


# --- names of records logged by id (the audit page), among those the reader may see ----------


def contact_names(reader: User, public_ids: set[str]) -> dict[str, str]:
    contacts = visible(Contact.all_objects.filter(public_id__in=public_ids), reader)
    return {str(c.public_id): c.full_name for c in contacts.only("public_id", "first_name", "last_name")}


def organization_names(reader: User, public_ids: set[str]) -> dict[str, str]:
    rows = visible(Organization.all_objects.filter(public_id__in=public_ids), reader).values_list("public_id", "name")
    return {str(pid): name for pid, name in rows}
