"""Row writes shared by the actions and merge: an organization's or contact's child
collections (e-mails, phones, addresses, tags, affiliations) and its derived columns.

Called only inside an action's transaction (`actions.py`, `merge.py`); the values were
cleaned by `rules.py` before they reach here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from clientela.core.entities import entity_of
from clientela.core.references import ref_text
from clientela.parties.models import Address, Affiliation, Contact, ContactPoint, Organization, Tag
from clientela.parties.rules import contact_derived_fields, organization_derived_fields

if TYPE_CHECKING:
    from clientela.accounts.models import User


def _replace_points(record: Contact | Organization, points: list[ContactPoint], kind: str) -> list[str]:
    owner_field = entity_of(record).name  # the child row's link to its party
    old = list(record.points.filter(kind=kind).order_by("-is_primary", "id").values_list("value", flat=True))
    record.points.filter(kind=kind).delete()
    for point in points:
        setattr(point, owner_field, record)
    ContactPoint.objects.bulk_create(points)
    return old


def _replace_addresses(record: Contact | Organization, addresses: list[Address]) -> list[str]:
    owner_field = entity_of(record).name  # the child row's link to its party
    old = [str(a) for a in record.addresses.all()]
    record.addresses.all().delete()
    for address in addresses:
        setattr(address, owner_field, record)
    Address.objects.bulk_create(addresses)
    return old


def _set_tags(record: Contact | Organization, names: list[str]) -> list[str]:
    old = sorted(record.tags.values_list("name", flat=True))
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    record.tags.set([existing[n] for n in names])
    return old


def refresh_denormalised(record: Contact | Organization) -> None:
    points = list(record.points.order_by("-is_primary", "id").values_list("kind", "value", "normalized"))
    emails = [v for k, v, _n in points if k == ContactPoint.Kind.EMAIL]
    phones = [v for k, v, _n in points if k == ContactPoint.Kind.PHONE]
    keys = [n for k, _v, n in points if k == ContactPoint.Kind.PHONE]
    if isinstance(record, Contact):
        derived = contact_derived_fields(record.first_name, record.last_name, emails, phones, keys)
    else:
        derived = organization_derived_fields(
            record.name, record.legal_name, record.tax_id, record.website, emails, phones, keys
        )
    for name, value in derived.items():
        setattr(record, name, value)
    type(record).all_objects.filter(pk=record.pk).update(**derived)


def affiliation_text(affiliation: Affiliation) -> dict[str, list[Any]]:
    """An affiliation as the change log keeps it: the organization by reference, then the role
    ("<organization>: Advisor"), rendered for each reader (`core/references.py`)."""
    role = affiliation.role.strip()
    return ref_text(affiliation.organization, f": {role}" if role else "")


def apply_collections(actor: User, record: Contact | Organization, cleaned: dict[str, Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    if "emails" in cleaned:
        old = _replace_points(record, cleaned["emails"], ContactPoint.Kind.EMAIL)
        new = [p.value for p in cleaned["emails"]]
        if old != new:
            changes["emails"] = [old, new]
    if "phones" in cleaned:
        old = _replace_points(record, cleaned["phones"], ContactPoint.Kind.PHONE)
        new = [p.value for p in cleaned["phones"]]
        if old != new:
            changes["phones"] = [old, new]
    if "addresses" in cleaned:
        old = _replace_addresses(record, cleaned["addresses"])
        new = [str(a) for a in cleaned["addresses"]]
        if old != new:
            changes["addresses"] = [old, new]
    if "tags" in cleaned:
        old = _set_tags(record, cleaned["tags"])
        if old != sorted(cleaned["tags"]):
            changes["tags"] = [old, sorted(cleaned["tags"])]
    if "affiliations" in cleaned and isinstance(record, Contact):
        logged = [affiliation_text(a) for a in record.affiliations.select_related("organization")]
        record.affiliations.all().delete()
        for affiliation in cleaned["affiliations"]:
            affiliation.contact = record
        Affiliation.objects.bulk_create(cleaned["affiliations"])
        now = [affiliation_text(a) for a in cleaned["affiliations"]]
        if logged != now:
            changes["organizations"] = [logged, now]
    return changes
