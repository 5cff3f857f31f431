"""Pages for duplicates and merging: a record's possible duplicates, and a merge
page where the user picks the record to keep and, field by field, whose value wins.

A record outside the user's scope is a 404 (nothing about it is revealed); a
merge the user's role may not make is a 403.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from clientela.core import references
from clientela.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from clientela.core.moments import shown_moment
from clientela.core.records import field_value
from clientela.parties import actions, queries
from clientela.parties.duplicates import find_duplicates
from clientela.parties.merge import MAX_DUPLICATES, default_sources, is_blank, mergeable_fields
from clientela.parties.models import Contact, ContactPoint, Organization

ENTITIES = ("contact", "organization")


def _entity(entity: str) -> str:
    if entity not in ENTITIES:
        raise Http404(_("No such kind of record."))
    return entity


def _get(user: Any, entity: str, public_id: Any) -> Contact | Organization:
    try:
        if entity == "contact":
            return queries.contact_get(user, public_id)
        return queries.organization_get(user, public_id)
    except NotFound:
        raise Http404(_("No such record.")) from None


def detail_url(record: Contact | Organization) -> str:
    entity = "contact" if isinstance(record, Contact) else "organization"
    return reverse(f"parties:{entity}_detail", args=[record.public_id])


@login_required
@require_GET
def duplicates(request: HttpRequest, entity: str, public_id: uuid.UUID) -> HttpResponse:
    record = _get(request.user, _entity(entity), public_id)
    candidates = find_duplicates(request.user, record)
    return render(
        request,
        "parties/merge/duplicates.html",
        {
            "record": record,
            "entity": entity,
            "candidates": candidates,
            "can_merge": request.user.policy.can_write and request.user.policy.can_delete,
            "detail_url": detail_url(record),
            "max_duplicates": MAX_DUPLICATES,
        },
    )


@dataclass
class Cell:
    record_id: str
    text: str
    checked: bool


@dataclass
class Row:
    name: str
    label: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return len({c.text for c in self.cells}) > 1


@dataclass
class Column:
    record: Contact | Organization
    record_id: str
    is_survivor: bool
    emails: list[str]
    phones: list[str]
    addresses: list[str]
    tags: list[str]
    keep_url: str


def _display(record: Model, name: str) -> str:
    model_field = record._meta.get_field(name)
    value = field_value(record, name)
    if is_blank(value):
        return "—"
    if model_field.is_relation:
        related = getattr(record, name)
        return getattr(related, "display_name", None) or str(related)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, dt.date):
        return shown_moment(value)
    return str(value)


def _display_custom(value: Any) -> str:
    if is_blank(value):
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _rows(survivor: Contact | Organization, records: list[Contact | Organization], picked: dict[str, str]) -> list[Row]:
    duplicates = [r for r in records if r.pk != survivor.pk]
    sources = {name: str(source.public_id) for name, source in default_sources(survivor, duplicates).items()}
    sources.update(picked)
    rows: list[Row] = []
    for name in mergeable_fields(type(survivor)):
        try:
            label = str(type(survivor)._meta.get_field(name).verbose_name)
        except FieldDoesNotExist:  # pragma: no cover - mergeable fields are model fields
            label = name
        row = Row(name=name, label=label[:1].upper() + label[1:])
        for record in records:
            record_id = str(record.public_id)
            row.cells.append(Cell(record_id, _display(record, name), sources.get(name) == record_id))
        if any(cell.text != "—" for cell in row.cells):
            rows.append(row)
    entity = "contact" if isinstance(survivor, Contact) else "organization"
    labels = {d.key: d.label for d in queries.custom_fields(entity)}
    keys = sorted({key for record in records for key in (record.custom or {})})
    for key in keys:
        name = f"custom.{key}"
        default = str(survivor.public_id)
        if is_blank((survivor.custom or {}).get(key)):
            default = next((str(r.public_id) for r in duplicates if not is_blank((r.custom or {}).get(key))), default)
        chosen = picked.get(name, default)
        row = Row(name=name, label=labels.get(key, key))
        for record in records:
            record_id = str(record.public_id)
            row.cells.append(Cell(record_id, _display_custom((record.custom or {}).get(key)), chosen == record_id))
        rows.append(row)
    return rows


def _columns(entity: str, records: list[Contact | Organization], survivor: Contact | Organization) -> list[Column]:
    columns = []
    others = [str(r.public_id) for r in records]
    for record in records:
        points = list(record.points.all())
        rest = [pid for pid in others if pid != str(record.public_id)]
        keep_url = reverse("merge:merge", args=[entity, record.public_id]) + "?" + "&".join(f"with={p}" for p in rest)
        columns.append(
            Column(
                record=record,
                record_id=str(record.public_id),
                is_survivor=record.pk == survivor.pk,
                emails=[p.value for p in points if p.kind == ContactPoint.Kind.EMAIL],
                phones=[p.value for p in points if p.kind == ContactPoint.Kind.PHONE],
                addresses=[str(a) for a in record.addresses.all()],
                tags=[t.name for t in record.tags.all()],
                keep_url=keep_url,
            )
        )
    return columns


def _others(request: HttpRequest, entity: str, survivor: Contact | Organization) -> list[Contact | Organization]:
    source = request.POST if request.method == "POST" else request.GET
    ids: list[str] = []
    for raw in source.getlist("with"):
        if raw not in ids and raw != str(survivor.public_id):
            ids.append(raw)
    if len(ids) > MAX_DUPLICATES:
        raise Http404(_("Too many records to merge at once."))
    return [_get(request.user, entity, raw) for raw in ids]


@login_required
@require_http_methods(["GET", "POST"])
def merge(request: HttpRequest, entity: str, public_id: uuid.UUID) -> HttpResponse:
    """`public_id` is the record to keep; `with` (repeated) names the records merged into it."""
    entity = _entity(entity)
    survivor = _get(request.user, entity, public_id)
    others = _others(request, entity, survivor)
    if not others:
        messages.info(request, _("Choose at least one record to merge into this one."))
        return redirect("merge:duplicates", entity, survivor.public_id)
    if not (request.user.policy.can_write and request.user.policy.can_delete):
        raise DjangoPermissionDenied(_("Your role may not merge records."))
    records = [survivor, *others]
    picked: dict[str, str] = {}
    errors: list[str] = []
    conflict: Conflict | None = None
    if request.method == "POST":
        ids = {str(r.public_id) for r in records}
        picked = {
            key.removeprefix("choice:"): value
            for key, value in request.POST.items()
            if key.startswith("choice:") and value in ids
        }
        versions: dict[str, int] = {}
        for record_id in ids:
            raw = request.POST.get(f"version:{record_id}", "")
            if raw.isdigit():
                versions[record_id] = int(raw)
        try:
            merge_action = actions.contact_merge if entity == "contact" else actions.organization_merge
            kept = merge_action(
                actor=request.user,
                survivor=survivor,
                duplicates=others,
                field_choices=picked,
                expected_versions=versions,
            )
        except PermissionDenied as denied:
            raise DjangoPermissionDenied(str(denied)) from None
        except Conflict as stale:
            conflict = stale
            survivor = _get(request.user, entity, survivor.public_id)
            records = [survivor, *(_get(request.user, entity, r.public_id) for r in others)]
        except ValidationFailed as failed:
            errors = [f"{e.field}: {e.message}" for e in failed.errors]
        else:
            messages.success(
                request,
                _("Merged %(count)d record(s) into %(name)s.") % {"count": len(others), "name": str(kept)},
            )
            return redirect(detail_url(kept))
    return render(
        request,
        "parties/merge/merge.html",
        {
            "entity": entity,
            "survivor": survivor,
            "records": records,
            "merge_count": len(records) - 1,
            "columns": _columns(entity, records, survivor),
            "rows": _rows(survivor, records, picked),
            "errors": errors,
            "conflict": conflict,
            # what others changed, naming other records as the user may see them
            "their_changes": references.shown_change_set(
                request.user, f"parties.{entity}", conflict.detail.their_changes, ids=False
            )
            if conflict
            else {},
            "detail_url": detail_url(survivor),
        },
        status=409 if conflict else (400 if errors else 200),
    )
