"""Organizations and contacts, each declared once (see `core/entities.py`).

The declaration drives the actions' field sets (`rules.py`), the import's targets and
header synonyms (`importing/mapping.py`), the export's columns (`exporting.py`) and the
page form's inputs (`forms.py`). Header synonyms are written as people write them in
English and in the seed languages (hu, tr, ru, pl, ro); headers are folded before they
are compared, so case, accents and punctuation do not matter.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from clientela.core.entities import Entity, Field, declare
from clientela.core.personal_data import PERSONAL, SENSITIVE
from clientela.parties.models import Contact, Organization

# Child collections of a party; `organizations` are a contact's affiliations, `mobile` a
# contact's mobile phone (a phone labelled so, with its own import column).
EMAILS, PHONES, MOBILE, ADDRESSES, TAGS, ORGANIZATIONS, CUSTOM = (
    "emails", "phones", "mobile", "addresses", "tags", "organizations", "custom"
)  # fmt: skip

# fmt: off
CONTACT = declare(
    Entity(
        name="contact",
        model=Contact,
        name_field="last_name",
        fields=(
            Field("first_name", synonyms=(
                "first name", "firstname", "given name", "forename", "first", "keresztnév", "utónév", "ad", "isim",
                "имя", "imię", "prenume",
            ), privacy=PERSONAL),
            Field("last_name", synonyms=(
                "last name", "lastname", "surname", "family name", "last", "vezetéknév", "családnév", "soyad",
                "soyadı", "фамилия", "nazwisko", "nume de familie",
            ), privacy=PERSONAL),
            Field("title", synonyms=(
                "job title", "position", "beosztás", "titulus", "unvan", "pozisyon", "должность", "stanowisko",
                "funcție", "titlu",
            ), privacy=PERSONAL),
            Field("birth_date", synonyms=(
                "birthday", "date of birth", "dob", "birthdate", "születési dátum", "doğum tarihi", "дата рождения",
                "data urodzenia", "data nașterii",
            ), privacy=SENSITIVE),
            Field("gender", synonyms=(
                "sex", "nem", "neme", "cinsiyet", "пол", "płeć", "gen", "sex",
            ), privacy=SENSITIVE),
            Field("marital_status", synonyms=(
                "családi állapot", "medeni durum", "семейное положение", "stan cywilny", "stare civilă",
            ), privacy=SENSITIVE),
            Field("children", synonyms=(
                "number of children", "kids", "gyerekek", "gyermekek száma", "çocuk sayısı", "дети", "dzieci",
                "copii",
            ), privacy=SENSITIVE),
            Field("occupation", synonyms=(
                "profession", "job", "foglalkozás", "meslek", "профессия", "zawód", "ocupație",
            ), privacy=PERSONAL),
            Field("income_band", synonyms=(
                "income", "jövedelem", "gelir", "доход", "dochód", "venit",
            ), privacy=SENSITIVE),
            Field("language", synonyms=(
                "nyelv", "dil", "язык", "język", "limba",
            ), help=gettext_lazy("e.g. en, hu, tr")),
            Field("preferred_channel", synonyms=(
                "channel", "csatorna", "kanal", "канал", "kanał", "canal",
            )),
            Field("lifecycle_stage", synonyms=(
                "stage", "lifecycle", "szakasz", "aşama", "стадия", "etap", "etapa",
            ), required_choice=True),
            Field("customer_category", synonyms=(
                "category", "kategória", "kategori", "категория", "kategoria", "categorie",
            )),
            Field("source", synonyms=(
                "lead source", "forrás", "kaynak", "источник", "źródło", "sursa", "sursă",
            )),
            Field("notes", synonyms=(
                "note", "comment", "comments", "megjegyzés", "notlar", "not", "заметки", "примечание", "notatki",
                "uwagi", "note", "observații",
            ), privacy=PERSONAL),
        ),
        collections=(EMAILS, PHONES, MOBILE, ADDRESSES, TAGS, ORGANIZATIONS, CUSTOM),
        form_layout=(
            "first_name", "last_name", "title", "lifecycle_stage", "customer_category", "source", "birth_date",
            "gender", "marital_status", "children", "occupation", "income_band", "language", "preferred_channel",
            "notes",
        ),
        sorts=("last_name", "first_name", "created_at", "updated_at", "lifecycle_stage"),
    )
)

ORGANIZATION = declare(
    Entity(
        name="organization",
        model=Organization,
        name_field="name",
        fields=(
            Field("name", synonyms=(
                "company", "company name", "organization", "organisation", "account name", "név", "cégnév", "cég",
                "şirket adı", "şirket", "название", "наименование", "компания", "nazwa", "nazwa firmy", "firma",
                "nume", "denumire", "companie",
            )),
            Field("legal_name", synonyms=(
                "registered name", "hivatalos név", "ticari unvan", "юридическое название", "nazwa prawna",
                "denumire legală",
            )),
            Field("tax_id", synonyms=(
                "vat", "vat number", "vat id", "tax number", "tin", "adószám", "vergi no", "vergi numarası", "инн",
                "nip", "cui", "cif", "cod fiscal",
            )),
            Field("industry", synonyms=(
                "sector", "iparág", "ágazat", "sektör", "отрасль", "branża", "industrie", "domeniu",
            )),
            Field("size", synonyms=(
                "company size", "employees", "number of employees", "méret", "létszám", "büyüklük", "çalışan sayısı",
                "размер", "численность", "wielkość", "liczba pracowników", "mărime", "număr angajați",
            )),
            Field("website", synonyms=(
                "web", "url", "homepage", "web site", "weboldal", "honlap", "web sitesi", "сайт", "strona www",
                "strona", "site", "site web",
            )),
            Field("customer_category", synonyms=(
                "category", "kategória", "kategori", "категория", "kategoria", "categorie",
            )),
            Field("lifecycle_stage", synonyms=(
                "stage", "lifecycle", "szakasz", "aşama", "стадия", "etap", "etapa",
            ), required_choice=True),
            Field("source", synonyms=(
                "lead source", "forrás", "kaynak", "источник", "źródło", "sursa", "sursă",
            )),
            Field("notes", synonyms=(
                "note", "comment", "comments", "megjegyzés", "notlar", "not", "заметки", "примечание", "notatki",
                "uwagi", "note", "observații",
            )),
        ),
        references=(
            Field("parent", synonyms=(
                "parent organisation", "parent company", "parent account", "anyavállalat", "anyacég",
                "anyaszervezet", "ana şirket", "ana firma", "üst kuruluş", "материнская компания",
                "головная компания", "головная организация", "родительская организация", "spółka matka",
                "spółka dominująca", "firma macierzysta", "organizacja nadrzędna", "companie-mamă", "compania-mamă",
                "societate-mamă", "organizație-mamă",
            )),
        ),
        collections=(EMAILS, PHONES, ADDRESSES, TAGS, CUSTOM),
        form_layout=(
            "name", "legal_name", "tax_id", "industry", "size", "website", "lifecycle_stage", "customer_category",
            "source", "notes",
        ),
        sorts=("name", "created_at", "updated_at", "lifecycle_stage"),
    )
)

# fmt: on

DECLARATIONS = {CONTACT.name: CONTACT, ORGANIZATION.name: ORGANIZATION}
