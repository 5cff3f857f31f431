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
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from clientela.parties import normalize
from clientela.parties.models import Contact, CustomField, Organization

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

CONTACT_FIELDS = (
    "first_name", "last_name", "title", "birth_date", "gender", "marital_status", "children", "occupation",
    "income_band", "language", "preferred_channel", "lifecycle_stage", "customer_category", "source", "notes",
)  # fmt: skip
ORGANIZATION_FIELDS = (
    "name", "legal_name", "tax_id", "industry", "size", "website", "customer_category", "lifecycle_stage",
    "source", "notes",
)  # fmt: skip
ADDRESS_FIELDS = ("street", "city", "postal_code", "region", "country")

# Folded header words that auto-map to a target, besides its key and label.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "first_name": ("first name", "firstname", "given name", "forename", "first", "keresztnév", "utónév",
                   "ad", "isim", "имя", "imię", "prenume"),
    "last_name": ("last name", "lastname", "surname", "family name", "last", "vezetéknév", "családnév", "soyad",
                  "soyadı", "фамилия", "nazwisko", "nume de familie"),
    "title": ("job title", "position", "beosztás", "titulus", "unvan", "pozisyon", "должность", "stanowisko",
              "funcție", "titlu"),
    "birth_date": ("birthday", "date of birth", "dob", "birthdate", "születési dátum", "doğum tarihi",
                   "дата рождения", "data urodzenia", "data nașterii"),
    "gender": ("sex", "nem", "neme", "cinsiyet", "пол", "płeć", "gen", "sex"),
    "marital_status": ("családi állapot", "medeni durum", "семейное положение", "stan cywilny", "stare civilă"),
    "children": ("number of children", "kids", "gyerekek", "gyermekek száma", "çocuk sayısı", "дети", "dzieci",
                 "copii"),
    "occupation": ("profession", "job", "foglalkozás", "meslek", "профессия", "zawód", "ocupație"),
    "income_band": ("income", "jövedelem", "gelir", "доход", "dochód", "venit"),
    "language": ("nyelv", "dil", "язык", "język", "limba"),
    "preferred_channel": ("channel", "csatorna", "kanal", "канал", "kanał", "canal"),
    "lifecycle_stage": ("stage", "lifecycle", "szakasz", "aşama", "стадия", "etap", "etapa"),
    "customer_category": ("category", "kategória", "kategori", "категория", "kategoria", "categorie"),
    "source": ("lead source", "forrás", "kaynak", "источник", "źródło", "sursa", "sursă"),
    "notes": ("note", "comment", "comments", "megjegyzés", "notlar", "not", "заметки", "примечание", "notatki",
              "uwagi", "note", "observații"),
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
    "name": ("company", "company name", "organization", "organisation", "account name", "név", "cégnév", "cég",
             "şirket adı", "şirket", "название", "наименование", "компания", "nazwa", "nazwa firmy", "firma",
             "nume", "denumire", "companie"),
    "legal_name": ("registered name", "hivatalos név", "ticari unvan", "юридическое название", "nazwa prawna",
                   "denumire legală"),
    "tax_id": ("vat", "vat number", "vat id", "tax number", "tin", "adószám", "vergi no", "vergi numarası", "инн",
               "nip", "cui", "cif", "cod fiscal"),
    "industry": ("sector", "iparág", "ágazat", "sektör", "отрасль", "branża", "industrie", "domeniu"),
    "size": ("company size", "employees", "number of employees", "méret", "létszám", "büyüklük",
             "çalışan sayısı", "размер", "численность", "wielkość", "liczba pracowników", "mărime",
             "număr angajați"),
    "website": ("web", "url", "homepage", "web site", "weboldal", "honlap", "web sitesi", "сайт", "strona www",
                "strona", "site", "site web"),
    "parent": ("parent organisation", "parent company", "parent account", "anyavállalat", "anyacég",
               "anyaszervezet", "ana şirket", "ana firma", "üst kuruluş", "материнская компания",
               "головная компания", "головная организация", "родительская организация", "spółka matka",
               "spółka dominująca", "firma macierzysta", "organizacja nadrzędna", "companie-mamă", "compania-mamă",
               "societate-mamă", "organizație-mamă"),
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


def targets(entity: str, custom_fields: list[CustomField] | None = None) -> dict[str, Target]:
    """Every field a row of `entity` can fill, in display order."""
    model = Contact if entity == CONTACT else Organization
    names = CONTACT_FIELDS if entity == CONTACT else ORGANIZATION_FIELDS
    result: dict[str, Target] = {}
    for name in names:
        result[name] = Target(name, capfirst(model._meta.get_field(name).verbose_name), FIELD)
    result["email"] = Target("email", _LABELS["email"], EMAIL)
    result["other_emails"] = Target("other_emails", _LABELS["other_emails"], EMAIL)
    result["phone"] = Target("phone", _LABELS["phone"], PHONE)
    if entity == CONTACT:
        result["mobile"] = Target("mobile", _LABELS["mobile"], PHONE)
    result["other_phones"] = Target("other_phones", _LABELS["other_phones"], PHONE)
    result["tags"] = Target("tags", _LABELS["tags"], TAGS)
    for name in ADDRESS_FIELDS:
        result[name] = Target(name, _LABELS[name], ADDRESS)
    result["owner"] = Target("owner", _LABELS["owner"], PEOPLE)
    result["team"] = Target("team", _LABELS["team"], PEOPLE)
    if entity == CONTACT:
        result["organization"] = Target("organization", _LABELS["organization"], AFFILIATION)
        result["organization_role"] = Target("organization_role", _LABELS["organization_role"], AFFILIATION)
    else:
        result["parent"] = Target("parent", capfirst(model._meta.get_field("parent").verbose_name), PARENT)
    if custom_fields is None:
        custom_fields = list(CustomField.objects.filter(entity=entity).order_by("position", "id"))
    for definition in custom_fields:
        key = f"custom.{definition.key}"
        result[key] = Target(key, definition.label, CUSTOM, definition)
    return result


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
        for synonym in SYNONYMS.get(key, ()):
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
