"""Finding records that probably describe the same person or organization.

A *probe* is what we compare: a record about to be created (from a form, the API
or an import row) or an existing record. Its keys are looked up among the records
the user may see, never beyond them:

- the same e-mail address (`ContactPoint.normalized`, kind e-mail);
- the same phone number (`ContactPoint.normalized`, kind phone);
- the same tax id (`Organization.tax_id_normalized`, organizations only);
- the same name after normalisation (`name_key`: accents, case, word order and
  legal suffixes such as "Kft." or "GmbH" do not count);
- a similar name: a `name_key` one cheap edit away — a letter missing, a letter
  doubled, two neighbouring letters swapped, or (for names of three or more words)
  one word left out.

Every key is an indexed equality lookup. The similar names are generated on the
probe's side (O(length of the name) variants, only for short names) and looked up
with the same `name_key IN (...)` query as the exact names, so nothing ever scans
the table. The price is that similarity is one-sided for some edits: a probe finds
a stored name that lacks one of its letters, but not one with an extra,
undoubled letter (that record finds the probe when it is itself checked).

`find_duplicates_batch` runs one query per key kind for a whole batch (plus one to
load the matched records); `find_duplicates` is the same code with a batch of one,
so both give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Model, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.core.errors import Refused
from clientela.core.visibility import visibility_filter
from clientela.parties import normalize
from clientela.parties.models import Contact, ContactPoint, Organization

if TYPE_CHECKING:
    from clientela.accounts.models import User

CONTACT = "contact"
ORGANIZATION = "organization"
# Candidates reported per probe, strongest first.
MAX_CANDIDATES = 20
# Similar-name variants are generated only for keys up to this length ("short names").
SIMILAR_MAX_KEY = 60
# Tokens shorter than this get no letter edits (an initial is not a typo).
SIMILAR_MIN_TOKEN = 3
# Values per IN (...) list (under SQLite's 32766 default), one more query per chunk beyond it.
IN_CHUNK = 20000

# How much each kind of match counts when candidates are ordered.
WEIGHTS = {"email": 4, "tax_id": 4, "phone": 3, "name": 2, "similar_name": 1}


class DuplicateSuspected(Refused):
    """A create was refused because records that look the same already exist.

    `candidates` lists them (only records the user may see); the interface shows
    them and lets the user create anyway (`allow_duplicates=True`) or merge.
    """

    status = 409
    code = "possible_duplicate"
    message = gettext_lazy("records that look the same exist; send allow_duplicates=true to create it anyway")

    def __init__(self, candidates: list[Duplicate]) -> None:
        self.candidates = candidates
        super().__init__(
            "possible duplicates: " + "; ".join(f"{c.label} ({', '.join(c.reasons)})" for c in candidates[:5])
        )

    def details(self) -> dict[str, Any]:
        return {
            "duplicates": [
                {"id": str(c.record.public_id), "label": c.label, "reasons": list(c.reasons)} for c in self.candidates
            ]
        }


@dataclass(frozen=True)
class Probe:
    """What one record (existing or about to be) is compared by."""

    entity: str  # "contact" or "organization"
    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    tax_id: str = ""
    # The country its phones written without one are read in.
    region: str = ""
    # The record itself, when the probe describes an existing record.
    exclude_pk: int | None = None

    def __post_init__(self) -> None:
        if self.entity not in (CONTACT, ORGANIZATION):
            raise ValueError(f"unknown entity {self.entity!r}")

    @property
    def model(self) -> type[Contact] | type[Organization]:
        return Contact if self.entity == CONTACT else Organization

    def email_keys(self) -> set[str]:
        return {normalize.email_key(e) for e in self.emails if e and "@" in e}

    def phone_keys(self) -> set[str]:
        return {normalize.phone_key(p, self.region) for p in self.phones if p and normalize.is_plausible_phone(p)}

    def tax_key(self) -> str:
        return normalize.tax_id_key(self.tax_id) if self.entity == ORGANIZATION and self.tax_id else ""

    def name_keys(self) -> set[str]:
        return {key for key in (normalize.name_key(n) for n in self.names if n) if key}


@dataclass(frozen=True)
class Match:
    kind: str  # "email", "phone", "tax_id", "name", "similar_name"
    value: str

    @property
    def reason(self) -> str:
        if self.kind == "email":
            return _("same e-mail %(value)s") % {"value": self.value}
        if self.kind == "phone":
            return _("same phone %(value)s") % {"value": self.value}
        if self.kind == "tax_id":
            return _("same tax id %(value)s") % {"value": self.value}
        if self.kind == "name":
            return _("same name")
        return _("similar name")


@dataclass
class Duplicate:
    """A record that probably is the probe, and why we think so."""

    record: Contact | Organization
    matches: list[Match] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(WEIGHTS[m.kind] for m in self.matches)

    @property
    def reasons(self) -> list[str]:
        return [m.reason for m in self.matches]

    @property
    def label(self) -> str:
        return str(self.record)

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": str(self.record.public_id),
            "label": self.label,
            "score": self.score,
            "reasons": self.reasons,
            "matches": [{"kind": m.kind, "value": m.value} for m in self.matches],
        }


# --- building probes -------------------------------------------------------------------


def _point_values(items: Iterable[Any] | None) -> tuple[str, ...]:
    values: list[str] = []
    for item in items or ():
        value = item.get("value") if isinstance(item, dict) else item
        if isinstance(value, str) and value.strip():
            values.append(value.strip())
    return tuple(values)


def identity_keys(probe: Probe) -> list[str]:
    """What a record about to be created is told apart by: its e-mails, phones, tax id and
    names, normalised (the keys its duplicate check is serialised on)."""
    keys = [f"email:{key}" for key in probe.email_keys()] + [f"tel:{key}" for key in probe.phone_keys()]
    keys += [f"name:{key}" for key in probe.name_keys()]
    tax = probe.tax_key()
    return [*keys, f"tax:{tax}"] if tax else keys


def probe_from_values(
    entity: str,
    values: dict[str, Any],
    *,
    emails: Iterable[Any] | None = None,
    phones: Iterable[Any] | None = None,
    region: str = "",
) -> Probe:
    """A probe for a record about to be created (form, API or import values).

    `emails`/`phones` are lists of strings or of {"value": ...} dicts, as
    `actions.Collections` takes them.
    """

    def text(name: str) -> str:
        value = values.get(name)
        return value.strip() if isinstance(value, str) else ""

    if entity == CONTACT:
        names: tuple[str, ...] = (f"{text('first_name')} {text('last_name')}".strip(),)
    else:
        names = tuple(n for n in (text("name"), text("legal_name")) if n)
    return Probe(
        entity=entity,
        names=names,
        emails=_point_values(emails),
        phones=_point_values(phones),
        tax_id=text("tax_id") if entity == ORGANIZATION else "",
        region=region,
    )


def probe_for(record: Contact | Organization) -> Probe:
    """A probe for an existing record (uses its prefetched points when there are any)."""
    points = list(record.points.all())
    emails = tuple(p.value for p in points if p.kind == ContactPoint.Kind.EMAIL)
    phones = tuple(p.value for p in points if p.kind == ContactPoint.Kind.PHONE)
    region = normalize.phone_region((a.country for a in record.addresses.all()), record.team) if phones else ""
    if isinstance(record, Contact):
        return Probe(
            entity=CONTACT, names=(record.full_name,), emails=emails, phones=phones, region=region, exclude_pk=record.pk
        )
    names = tuple(n for n in (record.name, record.legal_name) if n)
    return Probe(
        entity=ORGANIZATION,
        names=names,
        emails=emails,
        phones=phones,
        tax_id=record.tax_id,
        region=region,
        exclude_pk=record.pk,
    )


# --- similar names -------------------------------------------------------------------------


def _token_edits(token: str) -> set[str]:
    """One letter missing, one letter doubled, two neighbours swapped."""
    if len(token) < SIMILAR_MIN_TOKEN:
        return set()
    edits: set[str] = set()
    for i in range(len(token)):
        edits.add(token[:i] + token[i + 1 :])
        edits.add(token[: i + 1] + token[i] + token[i + 1 :])
        if i + 1 < len(token) and token[i] != token[i + 1]:
            edits.add(token[:i] + token[i + 1] + token[i] + token[i + 2 :])
    edits.discard(token)
    return {e for e in edits if e}


def similar_keys(key: str) -> set[str]:
    """The `name_key`s one cheap edit away from `key` (not `key` itself)."""
    if not key or len(key) > SIMILAR_MAX_KEY:
        return set()
    tokens = key.split(" ")
    variants: set[str] = set()
    for index, token in enumerate(tokens):
        for edit in _token_edits(token):
            variants.add(" ".join(sorted([*tokens[:index], edit, *tokens[index + 1 :]])))
        if len(tokens) >= 3:
            variants.add(" ".join(tokens[:index] + tokens[index + 1 :]))
    variants.discard(key)
    return variants


# --- the lookups -------------------------------------------------------------------------------


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), IN_CHUNK):
        yield values[start : start + IN_CHUNK]


def _visible_live(user: User, prefix: str = "") -> Q:
    """Records not in the trash that `user` may see; `prefix` reaches them through a relation."""
    condition = Q(**{f"{prefix}deleted_at__isnull": True})
    scope = visibility_filter(user, owner_field=f"{prefix}owner", team_field=f"{prefix}team")
    return condition if scope is None else condition & scope


def _point_hits(user: User, entity: str, kind: str, keys: set[str]) -> dict[str, set[int]]:
    """normalized value -> pks of visible live records having it."""
    if not keys:
        return {}
    party = "contact" if entity == CONTACT else "organization"
    hits: dict[str, set[int]] = {}
    for chunk in _chunks(sorted(keys)):
        rows = (
            ContactPoint.objects.filter(_visible_live(user, prefix=f"{party}__"), kind=kind, normalized__in=chunk)
            .order_by()
            .values_list("normalized", f"{party}_id")
        )
        for normalized, pk in rows:
            hits.setdefault(normalized, set()).add(pk)
    return hits


def _record_hits(user: User, model: type[Model], column: str, keys: set[str]) -> dict[str, set[int]]:
    """column value -> pks of visible live records having it."""
    if not keys:
        return {}
    hits: dict[str, set[int]] = {}
    for chunk in _chunks(sorted(keys)):
        rows = (
            model.all_objects.filter(_visible_live(user), **{f"{column}__in": chunk})
            .order_by()
            .values_list(column, "pk")
        )
        for value, pk in rows:
            hits.setdefault(value, set()).add(pk)
    return hits


def _load(user: User, model: type[Contact] | type[Organization], pks: set[int]) -> dict[int, Any]:
    if not pks:
        return {}
    queryset: QuerySet[Any] = model.all_objects.filter(_visible_live(user), pk__in=pks).select_related("owner", "team")
    return {record.pk: record for record in queryset}


def find_duplicates_batch(
    user: User, probes: Sequence[Probe], *, similar_names: bool = True, limit: int = MAX_CANDIDATES
) -> list[list[Duplicate]]:
    """For each probe, the visible records that look like it, strongest first.

    A fixed number of queries per entity in the batch (e-mails, phones, tax ids,
    names, then the matched records), whatever the batch size up to `IN_CHUNK`
    keys per kind. `similar_names=False` skips the similar-name variants (exact
    name keys are still used), for imports that want only the cheapest checks.
    """
    results: list[list[Duplicate]] = [[] for _probe in probes]
    for entity in (CONTACT, ORGANIZATION):
        indexes = [i for i, probe in enumerate(probes) if probe.entity == entity]
        if indexes:
            _match_entity(user, entity, [(i, probes[i]) for i in indexes], results, similar_names, limit)
    return results


def _match_entity(
    user: User,
    entity: str,
    probes: list[tuple[int, Probe]],
    results: list[list[Duplicate]],
    similar_names: bool,
    limit: int,
) -> None:
    model = Contact if entity == CONTACT else Organization
    exact: dict[int, set[str]] = {i: probe.name_keys() for i, probe in probes}
    similar: dict[int, set[str]] = {}
    if similar_names:
        for i, keys in exact.items():
            similar[i] = set().union(*(similar_keys(k) for k in keys)) - keys if keys else set()
    emails = {i: probe.email_keys() for i, probe in probes}
    phones = {i: probe.phone_keys() for i, probe in probes}
    taxes = {i: probe.tax_key() for i, probe in probes}

    email_hits = _point_hits(user, entity, ContactPoint.Kind.EMAIL, set().union(*emails.values()))
    phone_hits = _point_hits(user, entity, ContactPoint.Kind.PHONE, set().union(*phones.values()))
    tax_hits = _record_hits(user, model, "tax_id_normalized", {t for t in taxes.values() if t})
    name_hits = _record_hits(user, model, "name_key", set().union(*exact.values(), *similar.values()))

    found: dict[int, dict[int, list[Match]]] = {}
    for i, probe in probes:
        per_record: dict[int, list[Match]] = {}

        def add(pks: set[int], match: Match, per_record: dict[int, list[Match]] = per_record) -> None:
            for pk in pks:
                if match not in per_record.setdefault(pk, []):
                    per_record[pk].append(match)

        for key in sorted(emails[i]):
            add(email_hits.get(key, set()), Match("email", key))
        for key in sorted(phones[i]):
            add(phone_hits.get(key, set()), Match("phone", _display_phone(probe, key)))
        if taxes[i]:
            add(tax_hits.get(taxes[i], set()), Match("tax_id", probe.tax_id.strip()))
        named: set[int] = set()
        for key in sorted(exact[i]):
            pks = name_hits.get(key, set())
            named |= pks
            add(pks, Match("name", ""))
        for key in sorted(similar.get(i, set())):
            add(name_hits.get(key, set()) - named, Match("similar_name", ""))
        if probe.exclude_pk is not None:
            per_record.pop(probe.exclude_pk, None)
        found[i] = per_record

    # Strongest first, then keep `limit` per probe before loading anything.
    wanted: set[int] = set()
    for per_record in found.values():
        ranked = sorted(per_record.items(), key=lambda item: (-sum(WEIGHTS[m.kind] for m in item[1]), item[0]))
        per_record.clear()
        per_record.update(ranked[:limit])
        wanted |= set(per_record)
    records = _load(user, model, wanted)
    for i, per_record in found.items():
        duplicates = [Duplicate(records[pk], matches) for pk, matches in per_record.items() if pk in records]
        duplicates.sort(key=lambda d: (-d.score, d.label.lower(), d.record.pk))
        results[i] = duplicates


def _display_phone(probe: Probe, key: str) -> str:
    for phone in probe.phones:
        if normalize.is_plausible_phone(phone) and normalize.phone_key(phone, probe.region) == key:
            return phone
    return key


def find_duplicates(
    user: User, probe: Probe | Contact | Organization, *, similar_names: bool = True, limit: int = MAX_CANDIDATES
) -> list[Duplicate]:
    """The visible records that look like `probe` (a Probe or an existing record)."""
    if isinstance(probe, Contact | Organization):
        probe = probe_for(probe)
    return find_duplicates_batch(user, [probe], similar_names=similar_names, limit=limit)[0]
