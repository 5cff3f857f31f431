"""Which column of the file fills which field.

Targets are the fields a row can set. A column is auto-mapped when its header,
folded (case, accents, spaces and punctuation ignored), is a target's key, its
label, or one of its synonyms in English or the seed languages (hu, tr, ru, pl,
ro). The user overrides any of it with {header: target} ("" ignores a column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.core import entities
from clientela.core.entities import Entity
from clientela.parties import normalize
from clientela.parties.entities import DECLARATIONS, MOBILE, ORGANIZATIONS
from clientela.parties.models import CustomField

CONTACT = "contact"
ORGANIZATION = "organization"
ENTITIES = (CONTACT, ORGANIZATION)

# Kinds of target: a model field, or something the import turns into child rows.
FIELD = "field"
EMAIL = "email"
PHONE = "phone"
TAGS = "tags"
ADDRESS = "address"
PEOPLE = "people"  # owner (username) / team (name)
AFFILIATION = "affiliation"
PARENT = "parent"  # organizations: an existing organization, by tax id or name
CUSTOM = "custom"

# The record's own fields, in the entity's declared order (entities.py).
CONTACT_FIELDS = DECLARATIONS[CONTACT].value_fields
ORGANIZATION_FIELDS = DECLARATIONS[ORGANIZATION].value_fields
ADDRESS_FIELDS = ("street", "city", "postal_code", "region", "country")

# Folded header words that auto-map to a target, besides its key and label: the record's own
# fields' synonyms are declared with the entity (entities.py); these are the collections'.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "email": ("e-mail", "mail", "email address", "e-mail address", "e-mail cím", "email cím", "e-posta",
              "e-posta adresi", "электронная почта", "эл. почта", "почта", "adres e-mail", "adres email",
              "adresă de email", "adresa de email", "adresa email"),
    "other_emails": ("other e-mails", "additional e-mails", "emails", "e-mails", "további e-mailek"),
    "phone": ("telephone", "tel", "phone number", "work phone", "telefon", "telefonszám", "telefon numarası",
              "телефон", "numer telefonu", "număr de telefon"),
    "mobile": ("mobile phone", "cell", "cell phone", "mobil", "mobiltelefon", "cep telefonu", "cep",
               "мобильный", "мобильный телефон", "telefon komórkowy", "komórka"),
    "other_phones": ("phones", "other phone numbers", "további telefonok"),
    "tags": ("tag", "labels", "címkék", "etiketler", "теги", "метки", "tagi", "etykiety", "etichete"),
    "street": ("address", "street address", "utca", "cím", "adres", "sokak", "улица", "адрес", "ulica", "strada",
               "adresa", "adresă"),
    "city": ("town", "város", "település", "şehir", "город", "miasto", "oraș", "localitate"),
    "postal_code": ("postcode", "zip", "zip code", "irányítószám", "posta kodu", "почтовый индекс", "индекс",
                    "kod pocztowy", "cod poștal"),
    "region": ("state", "county", "province", "megye", "bölge", "область", "регион", "województwo", "județ"),
    "country": ("ország", "ülke", "страна", "kraj", "țară", "tara"),
    "owner": ("account owner", "tulajdonos", "felelős", "sahip", "владелец", "ответственный", "właściciel",
              "proprietar", "responsabil"),
    "team": ("csapat", "takım", "команда", "zespół", "echipa", "echipă"),
    "organization": ("organisation", "company", "company name", "account", "employer", "cég", "cégnév", "şirket",
                     "компания", "организация", "firma", "organizacja", "companie", "organizație"),
    "organization_role": ("role", "role at company", "szerep", "rol", "роль", "rola"),
}  # fmt: skip

_LABELS = {
    "email": gettext_lazy("E-mail"),
    "other_emails": gettext_lazy("Other e-mails"),
    "phone": gettext_lazy("Phone"),
    "mobile": gettext_lazy("Mobile"),
    "other_phones": gettext_lazy("Other phones"),
    "tags": gettext_lazy("Tags"),
    "street": gettext_lazy("Street"),
    "city": gettext_lazy("City"),
    "postal_code": gettext_lazy("Postal code"),
    "region": gettext_lazy("Region"),
    "country": gettext_lazy("Country"),
    "owner": gettext_lazy("Owner"),
    "team": gettext_lazy("Team"),
    "organization": gettext_lazy("Organization"),
    "organization_role": gettext_lazy("Role at the organization"),
}
_NOT_WORD = re.compile(r"[\W_]+")


class MappingError(Exception):
    """The mapping the user gave cannot be used; the message says why."""


@dataclass(frozen=True)
class Target:
    key: str
    label: Any  # str or lazy translation
    kind: str
    custom: CustomField | None = None


def header_key(text: str) -> str:
    """How headers are compared: folded, letters and digits only ("E-Mail address" -> "emailaddress")."""
    return _NOT_WORD.sub("", normalize.fold(text))


def own_targets(declared: Entity) -> dict[str, Target]:
    """The record's own value fields as targets, from any app's entity declaration: what a row of
    an entity without collections (a lead) can fill, besides its people (`people_targets`)."""
    return {name: Target(name, declared.label(name), FIELD) for name in declared.value_fields}


def people_targets() -> dict[str, Target]:
    """Owner (a username) and team (a name)."""
    return {key: Target(key, _LABELS[key], PEOPLE) for key in ("owner", "team")}


def targets(entity: str, custom_fields: list[CustomField] | None = None) -> dict[str, Target]:
    """Every field a row of `entity` (a contact or an organization) can fill, in display order
    (from the entity's declaration)."""
    declared = DECLARATIONS[entity]
    result = own_targets(declared)
    result["email"] = Target("email", _LABELS["email"], EMAIL)
    result["other_emails"] = Target("other_emails", _LABELS["other_emails"], EMAIL)
    result["phone"] = Target("phone", _LABELS["phone"], PHONE)
    if MOBILE in declared.collections:
        result["mobile"] = Target("mobile", _LABELS["mobile"], PHONE)
    result["other_phones"] = Target("other_phones", _LABELS["other_phones"], PHONE)
    result["tags"] = Target("tags", _LABELS["tags"], TAGS)
    for name in ADDRESS_FIELDS:
        result[name] = Target(name, _LABELS[name], ADDRESS)
    result.update(people_targets())
    if ORGANIZATIONS in declared.collections:
        result["organization"] = Target("organization", _LABELS["organization"], AFFILIATION)
        result["organization_role"] = Target("organization_role", _LABELS["organization_role"], AFFILIATION)
    for reference in declared.references:
        result[reference.name] = Target(reference.name, declared.label(reference.name), PARENT)
    if custom_fields is None:
        custom_fields = list(CustomField.objects.filter(entity=entity).order_by("position", "id"))
    for definition in custom_fields:
        key = f"custom.{definition.key}"
        result[key] = Target(key, definition.label, CUSTOM, definition)
    return result


def synonyms(entity: str, key: str) -> tuple[str, ...]:
    """Header words that map to `key`: declared with the entity's field (of any app), or a collection's."""
    declared = entities.entity(entity)
    if key in declared.value_fields or any(r.name == key for r in declared.references):
        return declared.field(key).synonyms
    return SYNONYMS.get(key, ())


def _lookup(entity: str, available: dict[str, Target]) -> dict[str, str]:
    """Folded header -> target key, from keys, labels in every configured language, and synonyms."""
    lookup: dict[str, str] = {}

    def add(text: str, key: str) -> None:
        folded = header_key(str(text))
        if folded:
            lookup.setdefault(folded, key)

    for key, target in available.items():
        add(key, key)
        if target.custom is not None:
            add(target.custom.key, key)
            add(target.custom.label, key)
    for key, target in available.items():
        for code, _name in settings.LANGUAGES:
            with translation.override(code):
                add(str(target.label), key)
    for key in available:
        for synonym in synonyms(entity, key):
            add(synonym, key)
    return lookup


def auto_map(entity: str, headers: list[str], available: dict[str, Target] | None = None) -> dict[str, str]:
    """{header: target key or ""} for every header; a target is used by one column at most."""
    available = available if available is not None else targets(entity)
    lookup = _lookup(entity, available)
    used: set[str] = set()
    result: dict[str, str] = {}
    for header in headers:
        key = lookup.get(header_key(header), "")
        if key in used:
            key = ""
        if key:
            used.add(key)
        result[header] = key
    return result


def resolve(
    entity: str,
    headers: list[str],
    overrides: dict[str, Any] | None = None,
    available: dict[str, Target] | None = None,
) -> dict[str, str]:
    """The auto-mapping with the user's overrides applied, checked.

    Overrides name columns by header; a target may be given by key (e.g.
    "last_name", "custom.segment") or by its label. Raises MappingError.
    """
    available = available if available is not None else targets(entity)
    mapping = auto_map(entity, headers, available)
    if overrides:
        if not isinstance(overrides, dict):
            raise MappingError(_("The mapping must be an object of column header: field."))
        labels = {header_key(str(t.label)): key for key, t in available.items()}
        explicit: set[str] = set()
        for header, wanted in overrides.items():
            if header not in mapping:
                raise MappingError(
                    _("The mapping names a column the file does not have: %(header)s") % {"header": header}
                )
            if wanted in (None, "", False):
                mapping[header] = ""
                continue
            if not isinstance(wanted, str):
                raise MappingError(_("The mapping for %(header)s must be a field name.") % {"header": header})
            key = wanted if wanted in available else labels.get(header_key(wanted))
            if key is None:
                raise MappingError(
                    _("Unknown field %(field)s for column %(header)s.") % {"field": wanted, "header": header}
                )
            mapping[header] = key
            explicit.add(header)
        # An explicit choice wins over an automatic one for the same field.
        for header, key in mapping.items():
            if key and header not in explicit and any(mapping[h] == key for h in explicit):
                mapping[header] = ""
    seen: dict[str, str] = {}
    for header, key in mapping.items():
        if not key:
            continue
        if key in seen:
            raise MappingError(
                _("Columns %(first)s and %(second)s both fill %(field)s.")
                % {"first": seen[key], "second": header, "field": available[key].label}
            )
        seen[key] = header
    return mapping
