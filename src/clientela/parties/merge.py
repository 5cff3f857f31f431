"""Merging duplicate contacts (or organizations) into one survivor.

Called through `actions.contact_merge` / `actions.organization_merge`. Nothing is
lost: the survivor keeps its id and takes the chosen field values; every related
row of the duplicates (e-mails, phones, addresses, tags, affiliations,
relationships, subsidiaries, custom values) moves to it, except rows identical to
one the survivor already has, which stay with their duplicate. The duplicates go
to the trash (restorable) with a MERGED event naming the survivor; the survivor
gets one MERGED event listing the merged records and what changed, so
`queries.merged_history` can show both histories on the survivor's page.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from clientela.core import entities, records
from clientela.core.changelog import jsonable
from clientela.core.errors import Conflict, ConflictDetail, FieldError, NotFound, ValidationFailed
from clientela.core.models import Event
from clientela.core.records import changes_since, diff, field_value
from clientela.core.references import ref_text
from clientela.core.visibility import require_delete, require_write
from clientela.parties import normalize
from clientela.parties.cleaning import check_assignment
from clientela.parties.models import Address, Affiliation, Contact, ContactPoint, Organization, Relationship
from clientela.parties.relationships import Party, describe, ends, entity_of, same_party
from clientela.parties.writes import affiliation_text, refresh_denormalised

if TYPE_CHECKING:
    from clientela.accounts.models import User

MAX_DUPLICATES = 10
MAX_ANCESTORS = 50


def mergeable_fields(model: type[Party]) -> list[str]:
    """The record fields a merge lets the user pick, in form order."""
    names = entities.entity_of(model).writable
    return [f.name for f in model._meta.get_fields() if f.name in names]


def is_blank(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def default_sources(survivor: Party, duplicates: Sequence[Party]) -> dict[str, Party]:
    """Where each field's value comes from unless chosen: the survivor, or the
    first duplicate that has a value where the survivor has none."""
    sources: dict[str, Party] = {}
    for name in mergeable_fields(type(survivor)):
        source = survivor
        if is_blank(field_value(survivor, name)):
            source = next((d for d in duplicates if not is_blank(field_value(d, name))), survivor)
        sources[name] = source
    return sources


def merge(
    *,
    actor: User,
    survivor: Party,
    duplicates: Sequence[Party],
    field_choices: dict[str, Any] | None = None,
    expected_versions: dict[Any, int] | None = None,
) -> Party:
    model = type(survivor)
    _check_shape(survivor, duplicates)
    involved_ids = {str(r.public_id) for r in (survivor, *duplicates)}
    choices = _check_choices(model, field_choices or {}, involved_ids)
    versions = _check_versions_shape(expected_versions or {}, involved_ids)
    _check_permission(actor, survivor, duplicates)
    pks = [survivor.pk, *(d.pk for d in duplicates)]
    with transaction.atomic():
        locked = {r.pk: r for r in model.all_objects.select_for_update().filter(pk__in=pks).order_by("pk")}
        if len(locked) != len(pks):
            raise NotFound(_("a record to merge no longer exists"))
        current = locked[survivor.pk]
        dups = [locked[d.pk] for d in duplicates]
        _check_permission(actor, current, dups)
        _check_live(current, dups)
        for record in locked.values():
            expected = versions.get(str(record.public_id))
            if expected is not None and record.version != expected:
                theirs, actors = changes_since(record, expected)
                raise Conflict(ConflictDetail(expected, record.version, theirs, actors), record)
        return _merge_locked(actor, current, dups, choices)


# --- checks ----------------------------------------------------------------------------------


def _check_shape(survivor: Party, duplicates: Sequence[Party]) -> None:
    if not isinstance(survivor, Contact | Organization):
        raise ValidationFailed.single("survivor", "invalid", _("must be a contact or an organization"))
    if not duplicates:
        raise ValidationFailed.single("duplicates", "required", _("name at least one record to merge"))
    if len(duplicates) > MAX_DUPLICATES:
        raise ValidationFailed.single(
            "duplicates", "too_many", _("at most %(count)d records at a time") % {"count": MAX_DUPLICATES}
        )
    seen = {survivor.pk}
    for index, duplicate in enumerate(duplicates):
        if type(duplicate) is not type(survivor):
            raise ValidationFailed.single(f"duplicates[{index}]", "invalid", _("must be the same kind of record"))
        if duplicate.pk in seen:
            raise ValidationFailed.single(f"duplicates[{index}]", "invalid", _("is named twice or is the survivor"))
        seen.add(duplicate.pk)


def _check_choices(model: type[Party], raw: dict[str, Any], involved_ids: set[str]) -> dict[str, str]:
    fields = set(mergeable_fields(model))
    errors: list[FieldError] = []
    choices: dict[str, str] = {}
    for name, source in raw.items():
        where = f"field_choices.{name}"
        is_custom = isinstance(name, str) and name.startswith("custom.") and len(name) > len("custom.")
        if name not in fields and not is_custom:
            errors.append(FieldError(where, "unknown_field", _("is not a field a merge can take")))
            continue
        if str(source) not in involved_ids:
            errors.append(FieldError(where, "invalid", _("must name one of the records being merged")))
            continue
        choices[name] = str(source)
    if errors:
        raise ValidationFailed(errors)
    return choices


def _check_versions_shape(raw: dict[Any, int], involved_ids: set[str]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for key, version in raw.items():
        if str(key) not in involved_ids:
            raise ValidationFailed.single(f"expected_versions.{key}", "invalid", _("is not a record being merged"))
        if isinstance(version, bool) or not isinstance(version, int):
            raise ValidationFailed.single(f"expected_versions.{key}", "invalid", _("must be a whole number"))
        versions[str(key)] = version
    return versions


def _check_permission(actor: User, survivor: Party, duplicates: Sequence[Party]) -> None:
    """Changing the survivor needs write; the duplicates go to the trash, so they need delete."""
    require_write(actor, survivor)
    for duplicate in duplicates:
        require_delete(actor, duplicate)


def _check_live(survivor: Party, duplicates: Sequence[Party]) -> None:
    if survivor.in_trash:
        raise ValidationFailed.single("survivor", "in_trash", _("the record to keep is in the trash"))
    for index, duplicate in enumerate(duplicates):
        if duplicate.in_trash:
            raise ValidationFailed.single(f"duplicates[{index}]", "in_trash", _("is in the trash already"))


# --- the merge ----------------------------------------------------------------------------------


def _merge_locked(actor: User, survivor: Party, dups: list[Party], choices: dict[str, str]) -> Party:
    model = type(survivor)
    entity = entity_of(survivor)
    by_id: dict[str, Party] = {str(r.public_id): r for r in (survivor, *dups)}
    involved = {r.pk for r in by_id.values()}

    values = _field_values(survivor, dups, choices, by_id)
    if "owner" in values or "team" in values:
        check_assignment(actor, {k: v for k, v in values.items() if k in ("owner", "team")}, survivor)
    if isinstance(survivor, Organization):
        parent = values.get("parent", survivor.parent)
        safe = _safe_parent(parent, involved)
        if not same_party(safe, survivor.parent) or "parent" in values:
            values["parent"] = safe
    custom = _custom_values(survivor, dups, choices, by_id)

    before = _snapshot(survivor)
    changes = diff(survivor, values)
    if custom != (survivor.custom or {}):
        changes["custom"] = [jsonable(survivor.custom or {}), jsonable(custom)]
    for name, value in values.items():
        setattr(survivor, name, value)
    survivor.custom = custom

    moved: dict[str, dict[str, int]] = {}
    for dup in dups:
        moved[str(dup.public_id)] = _move_children(actor, survivor, dup, involved)
    refresh_denormalised(survivor)
    after = _snapshot(survivor)
    changes.update({key: [before[key], after[key]] for key in before if before[key] != after[key]})

    now = timezone.now()
    survivor_id = str(survivor.public_id)
    for dup in dups:
        records.trash_locked(
            dup,
            actor=actor,
            action=f"{entity}.merge",
            kind=Event.Kind.MERGED,
            data={"merged_into": survivor_id, "moved": moved[str(dup.public_id)]},
            now=now,
        )
    records.bump_record(
        survivor,
        actor=actor,
        action=f"{entity}.merge",
        kind=Event.Kind.MERGED,
        changes=changes,
        data={"merged": [str(d.public_id) for d in dups], "field_choices": choices, "moved": moved},
        fields=[*values, "custom"],
        now=now,
    )
    return model.all_objects.select_related("owner", "team").get(pk=survivor.pk)


def _field_values(
    survivor: Party, dups: list[Party], choices: dict[str, str], by_id: dict[str, Party]
) -> dict[str, Any]:
    sources = default_sources(survivor, dups)
    sources.update({name: by_id[source] for name, source in choices.items() if not name.startswith("custom.")})
    return {name: getattr(source, name) for name, source in sources.items() if source is not survivor}


def _custom_values(
    survivor: Party, dups: list[Party], choices: dict[str, str], by_id: dict[str, Party]
) -> dict[str, Any]:
    """Union of the custom values; the survivor's win unless another record's is chosen."""
    merged = dict(survivor.custom or {})
    for dup in dups:
        for key, value in (dup.custom or {}).items():
            if key not in merged and not is_blank(value):
                merged[key] = value
    for name, source in choices.items():
        if name.startswith("custom."):
            key = name.removeprefix("custom.")
            value = (by_id[source].custom or {}).get(key)
            if is_blank(value):
                merged.pop(key, None)
            else:
                merged[key] = value
    return merged


def _safe_parent(parent: Organization | None, involved: set[int]) -> Organization | None:
    """A parent that is not one of the merged records and makes no cycle after the merge."""
    for _step in range(MAX_ANCESTORS):
        if parent is None or parent.pk not in involved:
            break
        parent = parent.parent
    ancestor = parent
    for _step in range(MAX_ANCESTORS):
        if ancestor is None:
            return parent
        if ancestor.pk in involved:
            return None
        ancestor = ancestor.parent
    return None


def _snapshot(record: Party) -> dict[str, list[Any]]:
    """The survivor's collections, in the form the change log keeps them."""
    points = list(record.points.order_by("-is_primary", "id").values_list("kind", "value"))
    snapshot = {
        "emails": [v for k, v in points if k == ContactPoint.Kind.EMAIL],
        "phones": [v for k, v in points if k == ContactPoint.Kind.PHONE],
        "addresses": [str(a) for a in record.addresses.order_by("id")],
        "tags": sorted(record.tags.values_list("name", flat=True)),
    }
    if isinstance(record, Contact):
        snapshot["organizations"] = [
            affiliation_text(a)
            for a in record.affiliations.select_related("organization").order_by("-is_primary", "id")
        ]
    return snapshot


def _move_children(actor: User, survivor: Party, dup: Party, involved: set[int]) -> dict[str, int]:
    counts = {
        "points": _move_points(survivor, dup),
        "addresses": _move_addresses(survivor, dup),
        "tags": _move_tags(survivor, dup),
        "affiliations": _move_affiliations(actor, survivor, dup),
        "relationships": _move_relationships(actor, survivor, dup, involved),
    }
    if isinstance(survivor, Organization):
        counts["subsidiaries"] = _move_subsidiaries(actor, survivor, dup, involved)
    return counts


def _party_filter(record: Party) -> dict[str, Party]:
    return {entity_of(record): record}


def _move_points(survivor: Party, dup: Party) -> int:
    have = ContactPoint.objects.filter(**_party_filter(survivor))
    existing = set(have.values_list("kind", "normalized"))
    primary_kinds = set(have.filter(is_primary=True).values_list("kind", flat=True))
    move: list[int] = []
    make_primary: list[int] = []
    for point in ContactPoint.objects.filter(**_party_filter(dup)).order_by("-is_primary", "id"):
        key = (point.kind, point.normalized)
        if key in existing:
            continue  # identical to one the survivor has: it stays with the duplicate
        existing.add(key)
        move.append(point.pk)
        if point.kind not in primary_kinds:
            primary_kinds.add(point.kind)
            make_primary.append(point.pk)
    ContactPoint.objects.filter(pk__in=move).update(**_party_filter(survivor), is_primary=False)
    ContactPoint.objects.filter(pk__in=make_primary).update(is_primary=True)
    return len(move)


def _address_key(address: Address) -> tuple[str, ...]:
    parts = (address.street, address.city, address.postal_code, address.region, address.country)
    return tuple(" ".join(normalize.fold(p).split()) for p in parts)


def _move_addresses(survivor: Party, dup: Party) -> int:
    existing = {_address_key(a) for a in Address.objects.filter(**_party_filter(survivor))}
    move: list[int] = []
    for address in Address.objects.filter(**_party_filter(dup)).order_by("id"):
        key = _address_key(address)
        if key in existing:
            continue
        existing.add(key)
        move.append(address.pk)
    Address.objects.filter(pk__in=move).update(**_party_filter(survivor))
    return len(move)


def _move_tags(survivor: Party, dup: Party) -> int:
    """Tags are shared labels: the survivor gets the union, the duplicate keeps its own."""
    have = set(survivor.tags.values_list("pk", flat=True))
    new = [tag for tag in dup.tags.all() if tag.pk not in have]
    survivor.tags.add(*new)
    return len(new)


def _move_affiliations(actor: User, survivor: Party, dup: Party) -> int:
    if isinstance(survivor, Contact):
        existing = set(Affiliation.objects.filter(contact=survivor).values_list("organization_id", "role"))
        has_primary = Affiliation.objects.filter(contact=survivor, is_primary=True).exists()
        move: list[int] = []
        make_primary: list[int] = []
        for affiliation in Affiliation.objects.filter(contact=dup).order_by("-is_primary", "id"):
            key = (affiliation.organization_id, affiliation.role)
            if key in existing:
                continue
            existing.add(key)
            move.append(affiliation.pk)
            if affiliation.is_primary and not has_primary:
                has_primary = True
                make_primary.append(affiliation.pk)
        Affiliation.objects.filter(pk__in=move).update(contact=survivor, is_primary=False)
        Affiliation.objects.filter(pk__in=make_primary).update(is_primary=True)
        return len(move)
    existing = set(Affiliation.objects.filter(organization=survivor).values_list("contact_id", "role"))
    rows = list(Affiliation.objects.filter(organization=dup).order_by("id").values_list("pk", "contact_id", "role"))
    move = []
    contacts: set[int] = set()
    for pk, contact_id, role in rows:
        if (contact_id, role) in existing:
            continue
        existing.add((contact_id, role))
        move.append(pk)
        contacts.add(contact_id)
    Affiliation.objects.filter(pk__in=move).update(organization=survivor)
    change = {"organizations": [ref_text(dup), ref_text(survivor)]}
    records.bump_records(
        Contact, {pk: change for pk in contacts}, actor=actor, action="contact.update", data=_merge_data(survivor, dup)
    )
    return len(move)


def _move_subsidiaries(actor: User, survivor: Organization, dup: Party, involved: set[int]) -> int:
    pks = list(Organization.all_objects.filter(parent=dup).exclude(pk__in=involved).values_list("pk", flat=True))
    Organization.all_objects.filter(pk__in=pks).update(parent=survivor)
    change = {"parent": [str(dup.public_id), str(survivor.public_id)]}
    records.bump_records(
        Organization, {pk: change for pk in pks}, actor=actor, action="organization.update",
        data=_merge_data(survivor, dup),
    )  # fmt: skip
    return len(pks)


def _move_relationships(actor: User, survivor: Party, dup: Party, involved: set[int]) -> int:
    side = entity_of(survivor)
    model = type(survivor)

    def mapped(party: Party | None) -> Party | None:
        return survivor if isinstance(party, model) and party.pk in involved else party

    def key(from_party: Party | None, to_party: Party | None, kind: str) -> tuple[Any, ...]:
        return (entity_of(from_party), from_party.pk, entity_of(to_party), to_party.pk, kind)  # type: ignore[arg-type, union-attr]

    related = Q(**{f"from_{side}": survivor}) | Q(**{f"to_{side}": survivor})
    existing = {key(*ends(r), r.kind) for r in Relationship.objects.filter(related).select_related(*_ENDS)}
    touched: dict[type[Party], dict[int, dict[str, list[Any]]]] = {Contact: {}, Organization: {}}
    moved = 0
    rows = Relationship.objects.filter(Q(**{f"from_{side}": dup}) | Q(**{f"to_{side}": dup})).select_related(*_ENDS)
    for relationship in rows.order_by("id"):
        old_from, old_to = ends(relationship)
        new_from, new_to = mapped(old_from), mapped(old_to)
        if new_from is None or new_to is None or same_party(new_from, new_to):
            continue  # it linked the merged records to each other: it stays with the duplicate
        relationship_key = key(new_from, new_to, relationship.kind)
        if relationship_key in existing:
            continue
        existing.add(relationship_key)
        Relationship.objects.filter(pk=relationship.pk).update(
            **{f"from_{entity_of(new_from)}": new_from, f"to_{entity_of(new_to)}": new_to}
        )
        moved += 1
        other = new_to if same_party(new_from, survivor) else new_from
        touched[type(other)][other.pk] = {
            "relationships": [
                describe(old_from, old_to, relationship.kind),  # type: ignore[arg-type]
                describe(new_from, new_to, relationship.kind),
            ]
        }
    for other_model, changes in touched.items():
        action = f"{'contact' if other_model is Contact else 'organization'}.update"
        records.bump_records(other_model, changes, actor=actor, action=action, data=_merge_data(survivor, dup))
    return moved


_ENDS = ("from_contact", "from_organization", "to_contact", "to_organization")


def _merge_data(survivor: Party, dup: Party) -> dict[str, str]:
    return {"merged_from": str(dup.public_id), "merged_into": str(survivor.public_id)}
