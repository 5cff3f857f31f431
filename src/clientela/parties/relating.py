"""The add-a-relationship form of the 360° pages: its choices, and how a POST becomes
the two parties and the kind that `actions.relationship_create` takes.

The other party is typed by name (the page suggests visible contacts and
organizations as the user types) and resolved among the records the user can
see: the same name first, else the names containing every word typed. When
several match, the form lists them and the user picks one.
A kind can be read from either side: on Bob's page "manages Anna" records
"Anna reports to Bob".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q
from django.utils.translation import gettext as _

from clientela.core.errors import FieldError, NotFound
from clientela.parties import normalize, queries
from clientela.parties.models import Contact, Organization, Relationship
from clientela.parties.relationships import INVERSE_LABELS, same_party

if TYPE_CHECKING:
    from django.http import QueryDict

    from clientela.accounts.models import User

Party = Contact | Organization
INVERSE = "~"
# Kinds that read differently from the other side; the rest read the same both ways.
ASYMMETRIC = (Relationship.Kind.REPORTS_TO, Relationship.Kind.REFERRED_BY, Relationship.Kind.SUPPLIER)
MAX_CANDIDATES = 8
MAX_NAME = 200
# Action error fields -> form inputs.
FIELD_OF = {"to": "other", "kind": "kind", "note": "note"}


def kind_choices() -> list[tuple[str, str]]:
    """(value, label) as read from the page's record; "~kind" is the kind seen from its other side."""
    choices: list[tuple[str, str]] = []
    for value, label in Relationship.Kind.choices:
        choices.append((value, str(label)))
        if value in ASYMMETRIC:
            choices.append((INVERSE + value, str(INVERSE_LABELS[value])))
    return choices


@dataclass(frozen=True)
class Candidate:
    """One of several visible records with the typed name."""

    record: Party

    @property
    def entity(self) -> str:
        return "contact" if isinstance(self.record, Contact) else "organization"

    @property
    def ref(self) -> str:
        return f"{self.entity}:{self.record.public_id}"

    @property
    def detail(self) -> str:
        """What tells same-named records apart."""
        if isinstance(self.record, Contact):
            parts = [_("contact"), self.record.primary_email or self.record.title]
        else:
            parts = [_("organization"), self.record.industry or self.record.tax_id]
        if self.record.owner is not None:
            parts.append(self.record.owner.display_name)
        return " · ".join(p for p in parts if p)


@dataclass
class RelationshipForm:
    kind: str = ""
    other: str = ""
    note: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)
    candidates: list[Candidate] = field(default_factory=list)

    def add_error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    @property
    def general_errors(self) -> list[str]:
        return self.errors.get("__all__", [])

    @property
    def open(self) -> bool:
        """The form starts unfolded when it has something to say."""
        return bool(self.errors or self.candidates)


@dataclass
class Parsed:
    form: RelationshipForm
    from_party: Party | None = None
    to_party: Party | None = None
    kind: str = ""

    @property
    def ready(self) -> bool:
        return not self.form.errors and self.from_party is not None and self.to_party is not None


def parse(user: User, record: Party, data: QueryDict) -> Parsed:
    """Read the POSTed form; any error is put next to its input."""
    form = RelationshipForm(
        kind=str(data.get("kind", ""))[:40],
        other=str(data.get("other", "")).replace("\x00", "").strip()[:MAX_NAME],
        note=str(data.get("note", "")),
    )
    parsed = Parsed(form=form)
    if form.kind not in dict(kind_choices()):
        form.add_error("kind", _("Choose the kind of relationship."))
    other = _resolve(user, record, form, str(data.get("other_ref", "")))
    if other is None or form.errors:
        return parsed
    parsed.kind = form.kind.removeprefix(INVERSE)
    if form.kind.startswith(INVERSE):
        parsed.from_party, parsed.to_party = other, record
    else:
        parsed.from_party, parsed.to_party = record, other
    return parsed


def _resolve(user: User, record: Party, form: RelationshipForm, ref: str) -> Party | None:
    if ref:
        entity, _sep, public_id = ref.partition(":")
        try:
            if entity == "contact":
                return queries.contact_get(user, public_id)
            if entity == "organization":
                return queries.organization_get(user, public_id)
        except NotFound:
            pass
        form.add_error("other", _("That record is no longer available; type the name again."))
        return None
    key = normalize.name_key(form.other)
    if not key:
        form.add_error("other", _("Type the name of a contact or an organization."))
        return None
    found = _named(user, name_key=key)
    matches = [party for party in found if not same_party(party, record)]
    if not found:
        # No record has exactly that name: take the records whose names contain every word typed.
        found = _named(user, condition=queries.search_filter(form.other, user))
        matches = [party for party in found if not same_party(party, record)]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        if found:
            form.add_error("other", _("That is this record itself; name another one."))
        else:
            form.add_error(
                "other", _("No contact or organization called “%(name)s” that you can see.") % {"name": form.other}
            )
        return None
    form.candidates = [Candidate(party) for party in matches[:MAX_CANDIDATES]]
    form.add_error("other", _("Several records are called “%(name)s”; pick one below.") % {"name": form.other})
    return None


def _named(user: User, condition: Q | None = None, **filters: str) -> list[Party]:
    """Visible contacts and organizations matching, a few of each."""
    chosen = condition if condition is not None else Q(**filters)
    return [
        *queries.in_name_order(queries.contacts_visible(user).filter(chosen))[: MAX_CANDIDATES + 1],
        *queries.in_name_order(queries.organizations_visible(user).filter(chosen))[: MAX_CANDIDATES + 1],
    ]


def map_errors(form: RelationshipForm, errors: list[FieldError]) -> None:
    for error in errors:
        message = str(error.message)
        form.add_error(FIELD_OF.get(error.field, "__all__"), message[:1].upper() + message[1:])


def describe(parsed: Parsed) -> str:
    """The relationship as a sentence ("Anna Kovács reports to Bob Smith")."""
    label = dict(Relationship.Kind.choices).get(parsed.kind, parsed.kind)
    return f"{parsed.from_party} {label} {parsed.to_party}"
