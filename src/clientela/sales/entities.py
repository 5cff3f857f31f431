"""Leads and deals, each declared once (see `core/entities.py`): the fields an action
accepts, the import's targets and header synonyms, the API's bodies and the page forms
come from these declarations. Header synonyms are written in English and in the seed
languages (hu, tr, ru, pl, ro); headers are folded before they are compared.
"""

from __future__ import annotations

from clientela.core.entities import Entity, Field, declare
from clientela.core.personal_data import PERSONAL
from clientela.sales.models import Deal, Lead, Product

# fmt: off
LEAD = declare(
    Entity(
        name="lead",
        model=Lead,
        name_field="last_name",
        fields=(
            Field("first_name", synonyms=(
                "first name", "firstname", "given name", "keresztnév", "utónév", "ad", "имя", "imię", "prenume",
            ), privacy=PERSONAL),
            Field("last_name", synonyms=(
                "last name", "lastname", "surname", "name", "vezetéknév", "név", "soyad", "soyadı", "фамилия",
                "nazwisko", "nume",
            ), privacy=PERSONAL),
            Field("company", synonyms=(
                "company name", "organization", "organisation", "account", "cég", "cégnév", "şirket", "firma",
                "компания", "organizacja", "companie",
            )),
            Field("title", synonyms=(
                "job title", "position", "beosztás", "unvan", "должность", "stanowisko", "funcție",
            )),
            Field("email", synonyms=(
                "e-mail", "email address", "mail", "e-posta", "почта", "adres e-mail",
            ), privacy=PERSONAL),
            Field("phone", synonyms=(
                "phone number", "telephone", "telefon", "telefonszám", "телефон", "numer telefonu",
            ), privacy=PERSONAL),
            Field("website", synonyms=("web", "url", "weboldal", "web sitesi", "сайт", "strona www", "site")),
            Field("country", synonyms=("ország", "ülke", "страна", "kraj", "țară")),
            Field("source", synonyms=("lead source", "forrás", "kaynak", "источник", "źródło", "sursă")),
            Field("status", synonyms=("lead status", "állapot", "durum", "статус", "stan")),
            Field("estimated_amount", synonyms=(
                "amount", "value", "budget", "összeg", "tutar", "сумма", "kwota", "sumă",
            )),
            Field("currency", synonyms=("pénznem", "para birimi", "валюта", "waluta", "monedă")),
            Field("qualification_notes", synonyms=(
                "notes", "notes on qualification", "megjegyzés", "not", "заметки", "notatki",
            )),
        ),
        sorts=("created_at", "last_name", "company", "status"),
        form_layout=(
            "first_name", "last_name", "company", "title", "email", "phone", "website", "country", "source",
            "status", "estimated_amount", "currency", "qualification_notes",
        ),
    )
)

DEAL = declare(
    Entity(
        name="deal",
        model=Deal,
        name_field="name",
        fields=(
            Field("name", synonyms=(
                "deal", "deal name", "opportunity", "üzlet", "lehetőség", "fırsat", "сделка", "szansa",
                "oportunitate",
            )),
            Field("amount", synonyms=("value", "deal value", "összeg", "érték", "tutar", "сумма", "kwota", "valoare")),
            Field("currency", synonyms=("pénznem", "para birimi", "валюта", "waluta", "monedă")),
            Field("expected_close_date", synonyms=(
                "close date", "closing date", "várható zárás", "kapanış tarihi", "дата закрытия", "data zamknięcia",
            )),
            Field("probability", synonyms=(
                "chance", "valószínűség", "olasılık", "вероятность", "prawdopodobieństwo", "probabilitate",
            )),
            Field("forecast_category", synonyms=("forecast", "előrejelzés", "tahmin", "прогноз", "prognoza")),
            Field("products_of_interest", synonyms=(
                "products", "termékek", "ürünler", "продукты", "produkty", "produse",
            )),
            Field("competitors", synonyms=(
                "competition", "versenytársak", "rakipler", "конкуренты", "konkurencja", "concurenți",
            )),
            Field("lost_note", synonyms=("loss note",)),
            Field("description", synonyms=("notes", "leírás", "açıklama", "описание", "opis", "descriere")),
        ),
        references=(
            Field("organization"),
            Field("contact"),
            Field("pipeline"),
            Field("stage"),
            Field("lost_reason"),
        ),
        sorts=("created_at", "updated_at", "name", "amount", "expected_close_date"),
    )
)

PRODUCT = declare(
    Entity(
        name="product",
        model=Product,
        name_field="name",
        fields=(
            Field("sku", synonyms=(
                "item number", "article number", "code", "product code", "cikkszám", "termékkód", "stok kodu",
                "ürün kodu", "артикул", "kod produktu", "indeks", "cod produs",
            )),
            Field("name", synonyms=(
                "product", "product name", "termék", "megnevezés", "ürün", "товар", "produkt", "produs",
            )),
            Field("description", synonyms=("leírás", "açıklama", "описание", "opis", "descriere")),
            Field("unit", synonyms=(
                "unit of measure", "uom", "mértékegység", "birim", "единица", "jednostka", "unitate",
            )),
            Field("cost", synonyms=("unit cost", "beszerzési ár", "maliyet", "себестоимость", "koszt", "cost unitar")),
            Field("currency", synonyms=("pénznem", "para birimi", "валюта", "waluta", "monedă")),
            Field("tax_rate", synonyms=("vat", "vat rate", "tax", "áfa", "kdv", "ндс", "vat %", "stawka vat", "tva")),
            Field("active", imported=False),
        ),
        people=(),
        sorts=("name", "sku", "updated_at"),
    )
)
# fmt: on

DECLARATIONS = {LEAD.name: LEAD, DEAL.name: DEAL, PRODUCT.name: PRODUCT}
