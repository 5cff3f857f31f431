"""Erasure (GDPR Art. 17): the person anonymised everywhere, what the law keeps kept.

In one transaction, with the contact locked:

1. every row linked to the person (`graph.linked_rows`: their e-mail addresses and phone numbers
   are deleted, their postal addresses blanked to the country, consents and objections deleted;
   notes, e-mails, SMS, activities, tasks, deals, leads and the rest have every text that names
   them — first or last name alone included — replaced by "[erased]");
2. the contact itself: every personal field blanked, the search text recomputed;
3. every other row of the database whose text or JSON columns name the person in full (in any
   written order) or hold their e-mail address or phone number: scrubbed like a linked row (so a
   lead's first and last name go with its address); another person with the same first name is
   left alone;
4. the change log: the contact's own events keep which fields changed, not the values; the
   events of linked records are scrubbed like the records;
5. the idempotency store: a remembered response that names the person is forgotten;
6. files: e-mail attachments of the person's e-mails (by the apps' registered erasers), uploaded
   import files that name them (a text file rewritten, a workbook deleted), earlier access exports.

Invoices, orders and quotes keep their numbers, lines and amounts and stay linked to the (now
anonymous) contact: the organization they were made out to is their legal content. Aggregates
(how many calls, what was bought, when) stay. After the commit the database's freed space is
reclaimed (`AFTER_ERASURE`: SQLite's WAL truncated, PostgreSQL's tables vacuumed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.db.models import F, Q, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from clientela.core.changelog import append_event
from clientela.core.models import Event, IdempotencyKey, Record
from clientela.parties.models import Address, Contact, ContactPoint, ImportJob, Relationship
from clientela.parties.normalize import fold
from clientela.parties.writes import refresh_denormalised
from clientela.privacy import graph
from clientela.privacy.models import Consent, Erasure, PrivacyRequest, Restriction
from clientela.privacy.queries import require_privacy
from clientela.privacy.scrub import ERASED, Identifiers, mentions, scrub_bytes, scrub_json, scrub_text

if TYPE_CHECKING:
    from clientela.accounts.models import User

# An app above this one that keeps the person's data outside its rows (files) registers an eraser:
# called inside the erasure's transaction with the contact, the linked rows and the identifiers;
# returns how many files it removed (channels: e-mail attachments).
Eraser = Callable[[Contact, list[graph.LinkedRows], Identifiers], int]
ERASERS: list[Eraser] = []
# Called after the commit with the tables written (privacy/apps.py: reclaim the freed space).
AFTER_ERASURE: list[Callable[[list[str]], None]] = []

# Tables of people who use the system, of Django's own bookkeeping and of this app's registers:
# not customers' data, never scrubbed.
_NOT_SCANNED = {
    "accounts.user", "accounts.team", "accounts.apitoken", "accounts.loginfailure", "accounts.passwordresetrequest",
    "privacy.erasure", "privacy.sensitiveread", "privacy.retentionrun",
}  # fmt: skip
_SCANNED_APPS = {"core", "accounts", "parties", "sales", "activities", "privacy", "channels", "site", "django_tasks_db"}
_CONTACT_BLANKS: dict[str, Any] = {
    "first_name": "", "last_name": ERASED, "title": "", "birth_date": None, "gender": "", "marital_status": "",
    "children": None, "occupation": "", "income_band": "", "notes": "", "custom": {}, "source": "",
}  # fmt: skip


@dataclass
class ErasureResult:
    erasure: Erasure
    rows_changed: int
    files_removed: int
    tables: list[str]


def identifiers_of(contact: Contact, linked: list[graph.LinkedRows]) -> Identifiers:
    """Every form that names the person: names, e-mail addresses and phone numbers as written,
    normalised and formatted, the streets of their addresses, the addresses of their e-mails."""
    emails: list[str] = []
    phones: list[str] = []
    other: list[str] = []
    for point in ContactPoint.objects.filter(contact=contact):
        if point.kind == ContactPoint.Kind.EMAIL:
            emails += [point.value, point.normalized]
        else:
            phones += [point.value, point.normalized, *_phone_forms(point.normalized)]
    for address in Address.objects.filter(contact=contact):
        other.append(address.street)
    for group in linked:
        for row in group.rows:
            for name in ("email", "phone", "from_address", "number"):
                value = getattr(row, name, None)
                if isinstance(value, str) and value and group.label in ("sales.lead", "channels.sms"):
                    (phones if name in ("phone", "number") else emails).append(value)
            if group.label == "channels.email" and getattr(row, "direction", "") == "inbound":
                emails.append(row.from_address)
                other.append(row.from_name)
    # Search texts and name keys hold the name folded (lower case, no accents): "zsofia kovacs".
    other += [fold(f"{contact.first_name} {contact.last_name}"), fold(f"{contact.last_name} {contact.first_name}")]
    return Identifiers.of(
        first_name=contact.first_name, last_name=contact.last_name, emails=emails, phones=phones, other=other
    )


def _phone_forms(e164: str) -> list[str]:
    """A number as people write it: international and national formats."""
    import phonenumbers

    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return []
    return [
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164).lstrip("+"),
    ]


# --- scrubbing rows ------------------------------------------------------------------------------


def _text_fields(model: type[models.Model]) -> list[Any]:
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key or getattr(field, "unique", False) or field.choices:
            continue
        if isinstance(field, models.CharField | models.TextField | models.JSONField):
            fields.append(field)
    return fields


def _scrubbed_row(row: models.Model, fields: list[Any], identifiers: Identifiers, *, linked: bool) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for field in fields:
        value = getattr(row, field.attname)
        if isinstance(field, models.JSONField):
            new = scrub_json(value, identifiers, linked=linked)
        elif isinstance(value, str):
            new = scrub_text(value, identifiers, linked=linked)
            if field.max_length and len(new) > field.max_length:
                new = new[: field.max_length]
        else:
            continue
        if new != value:
            changes[field.attname] = new
    return changes


def _write(model: type[models.Model], pk: Any, changes: dict[str, Any]) -> None:
    extra: dict[str, Any] = {}
    if issubclass(model, Record):
        extra = {"version": F("version") + 1}
    model._base_manager.filter(pk=pk).update(**changes, **extra)


def _scrub_rows(
    model: type[models.Model], rows: Iterable[models.Model], identifiers: Identifiers, *, linked: bool
) -> int:
    fields = _text_fields(model)
    changed = 0
    for row in rows:
        changes = _scrubbed_row(row, fields, identifiers, linked=linked)
        if changes:
            _write(model, row.pk, changes)
            changed += 1
    return changed


def _mentioning(model: type[models.Model], identifiers: Identifiers) -> models.QuerySet[Any] | None:
    """The rows of `model` whose text or JSON columns contain one of the identifiers."""
    fields = _text_fields(model)
    if not fields or not identifiers.everywhere:
        return None
    annotations: dict[str, Any] = {}
    condition = Q()
    for field in fields:
        name = field.attname
        forms = identifiers.everywhere
        if isinstance(field, models.JSONField):
            name = f"_privacy_text_{field.attname}"
            annotations[name] = Cast(field.attname, TextField())
            forms = (*forms, *identifiers.json_forms)
        for form in forms:
            condition |= Q(**{f"{name}__icontains": form})
    return model._base_manager.annotate(**annotations).filter(condition)


def _scannable_models() -> list[type[models.Model]]:
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in _SCANNED_APPS and meta.label_lower not in _NOT_SCANNED and meta.managed:
            found.append(model)
    return found


# --- the erasure ------------------------------------------------------------------------------------


def _erase_linked(group: graph.LinkedRows, identifiers: Identifiers) -> int:
    pks = [row.pk for row in group.rows]
    if group.model in (ContactPoint, Consent, Restriction, Relationship):
        group.model._base_manager.filter(pk__in=pks).delete()
        return len(pks)
    if group.model is Address:
        Address.objects.filter(pk__in=pks).update(street="", city="", postal_code="", region="")
        return len(pks)
    return _scrub_rows(group.model, group.rows, identifiers, linked=True)


def _erase_events(contact: Contact, ids: list[Any], identifiers: Identifiers) -> int:
    changed = 0
    for event in graph.events_of(ids).iterator(chunk_size=500):
        if event.record_id == contact.public_id and event.record_type == "parties.contact":
            changes = {name: [None, None] for name in event.changes}
            update = {
                "changes": changes,
                "record_label": ERASED,
                "data": scrub_json(event.data, identifiers, linked=True),
            }
        else:
            update = _scrubbed_row(event, _text_fields(Event), identifiers, linked=True)
        if update:
            Event.objects.filter(pk=event.pk).update(**update)
            changed += 1
    return changed


def _erase_idempotency(contact: Contact, identifiers: Identifiers) -> int:
    """Forget remembered responses that name the person (a replay of such a request then runs again)."""
    needles = [form.encode() for form in (*identifiers.everywhere, *identifiers.json_forms)]
    needles.append(str(contact.public_id).encode())
    doomed = [
        pk
        for pk, body, path in IdempotencyKey.objects.values_list("pk", "response_body", "path").iterator(chunk_size=500)
        if any(n.lower() in bytes(body).lower() or n.decode().lower() in path.lower() for n in needles)
    ]
    IdempotencyKey.objects.filter(pk__in=doomed).delete()
    return len(doomed)


def _erase_import_files(identifiers: Identifiers) -> int:
    """Uploaded import files that name the person: a text file rewritten without them, a workbook
    (or anything not text) deleted — its import's report stays."""
    removed = 0
    for job in ImportJob.objects.exclude(file="").iterator():
        try:
            path = Path(job.file.path)
            data = path.read_bytes()
        except (OSError, ValueError):
            continue
        text = data.decode("utf-8", errors="ignore")
        if path.suffix.lower() in (".csv", ".txt", ".tsv"):
            if mentions(text, identifiers):
                path.write_bytes(scrub_bytes(data, identifiers))
                removed += 1
        elif any(form.encode() in data for form in identifiers.everywhere) or _workbook_mentions(path, identifiers):
            path.unlink(missing_ok=True)
            ImportJob.objects.filter(pk=job.pk).update(file="")
            removed += 1
    return removed


def _workbook_mentions(path: Path, identifiers: Identifiers) -> bool:
    if path.suffix.lower() != ".xlsx":
        return False
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True, data_only=True)
    except Exception:
        return False
    try:
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                if any(isinstance(cell, str) and mentions(cell, identifiers) for cell in row):
                    return True
    finally:
        book.close()
    return False


def _erase_exports(contact: Contact) -> int:
    removed = 0
    for request in PrivacyRequest.all_objects.filter(contact=contact).exclude(export_file=""):
        Path(settings.DATA_DIR, request.export_file).unlink(missing_ok=True)
        PrivacyRequest.all_objects.filter(pk=request.pk).update(export_file="", export_sha256="")
        removed += 1
    return removed


def _remember(line: str) -> None:
    """Append the erased record's id to the erasure log (outside the database: see reapply_erasures)."""
    path = Path(settings.CLIENTELA_ERASURE_LOG)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="ascii") as log:
        log.write(line)


def erased_ids(path: Path) -> list[str]:
    """The contact ids an erasure log names, in order, each once."""
    if not path.exists():
        return []
    ids = [parts[2] for parts in (line.split() for line in path.read_text("ascii").splitlines()) if len(parts) == 3]
    return list(dict.fromkeys(ids))


def erasures_reapply(*, actor: User, path: Path) -> list[str]:
    """Erase again every contact the log names that is (again) in the database — after a backup
    from before those erasures was restored. Returns the ids erased now."""
    done = []
    for public_id in erased_ids(path):
        contact = Contact.all_objects.filter(public_id=public_id).first()
        if contact is None or (contact.last_name == ERASED and not contact.first_name):
            continue
        contact_erase(actor=actor, contact=contact)
        done.append(public_id)
    return done


def contact_erase(*, actor: User, contact: Contact, request: PrivacyRequest | None = None) -> ErasureResult:
    """Anonymise the person everywhere (see the module's docstring); once per contact."""
    require_privacy(actor)
    tables: set[str] = set()
    with transaction.atomic():
        contact = Contact.all_objects.select_for_update().get(pk=contact.pk)
        linked = graph.linked_rows(contact)
        identifiers = identifiers_of(contact, linked)
        ids = graph.record_ids(contact, linked)
        changed = 0
        files = 0
        for eraser in ERASERS:
            files += eraser(contact, linked, identifiers)
        for group in linked:
            changed += _erase_linked(group, identifiers)
            tables.add(group.model._meta.db_table)
        changed += _erase_events(contact, ids, identifiers)
        for model in _scannable_models():
            rows = _mentioning(model, identifiers)
            if rows is None:
                continue
            # A row that names the person in full, or holds their address or number, is about them:
            # their first or last name alone goes too (a lead's columns, a note "Anna called").
            found = _scrub_rows(model, rows, identifiers, linked=True)
            if found:
                changed += found
                tables.add(model._meta.db_table)
        changed += _erase_idempotency(contact, identifiers)
        files += _erase_import_files(identifiers) + _erase_exports(contact)
        blanks = {**_CONTACT_BLANKS, "primary_email": "", "primary_phone": ""}
        Contact.all_objects.filter(pk=contact.pk).update(**blanks, version=F("version") + 1)
        contact.refresh_from_db()
        refresh_denormalised(contact)
        tables.update({Contact._meta.db_table, Event._meta.db_table, IdempotencyKey._meta.db_table})
        append_event(
            actor=actor,
            action="contact.erase",
            kind=Event.Kind.ERASED,
            record=contact,
            changes={},
            data={"rows": changed, "files": files, "request": str(request.public_id) if request else None},
        )
        erasure, _created = Erasure.objects.update_or_create(
            record_type="parties.contact",
            record_id=contact.public_id,
            defaults={
                "erased_at": timezone.now(), "request": request, "rows_changed": changed, "files_removed": files,
            },
        )  # fmt: skip
        written = sorted(tables)
        line = f"{erasure.erased_at.isoformat()} parties.contact {contact.public_id}\n"
        transaction.on_commit(lambda: _remember(line))
        for after in AFTER_ERASURE:
            transaction.on_commit(lambda after=after: after(written))
    return ErasureResult(erasure, changed, files, written)
