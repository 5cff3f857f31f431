"""Countries, cities, streets and phone number shapes for the demo data.

Postal codes and phone numbers are patterns: every ``#`` becomes a random digit.
E-mail and web domains use the reserved ``.example`` top-level domain, so nothing
in the demo data reaches a real mailbox or site.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str
    region: str
    postal: str  # pattern
    area: str  # landline prefix after the country code, e.g. "1" for Budapest


@dataclass(frozen=True)
class Country:
    code: str
    language: str
    calling_code: str
    cities: tuple[City, ...]
    streets: tuple[str, ...]
    street_format: str  # "{street} {number}." etc.
    landline: str  # pattern after the area code
    mobile: tuple[str, ...]  # patterns after the country code
    # Share of the demo's organizations and contacts in this country.
    weight: float


COUNTRIES: dict[str, Country] = {
    "HU": Country(
        code="HU",
        language="hu",
        calling_code="36",
        cities=(
            City("Budapest", "Budapest", "1###", "1"),
            City("Debrecen", "Hajdú-Bihar", "40##", "52"),
            City("Szeged", "Csongrád-Csanád", "67##", "62"),
            City("Pécs", "Baranya", "76##", "72"),
            City("Győr", "Győr-Moson-Sopron", "90##", "96"),
            City("Miskolc", "Borsod-Abaúj-Zemplén", "35##", "46"),
            City("Székesfehérvár", "Fejér", "80##", "22"),
            City("Kecskemét", "Bács-Kiskun", "60##", "76"),
            City("Nyíregyháza", "Szabolcs-Szatmár-Bereg", "44##", "42"),
            City("Veszprém", "Veszprém", "82##", "88"),
        ),
        streets=(
            "Kossuth Lajos utca", "Petőfi Sándor utca", "Rákóczi út", "Andrássy út", "Váci út", "Fő utca",
            "Széchenyi tér", "Dózsa György út", "Arany János utca", "Bartók Béla út", "Szent István körút",
            "Jókai Mór utca", "Baross utca", "Deák Ferenc tér", "Hunyadi János utca",
        ),
        street_format="{street} {number}.",
        landline="### ####",
        mobile=("20 ### ####", "30 ### ####", "70 ### ####"),
        weight=0.25,
    ),
    "TR": Country(
        code="TR",
        language="tr",
        calling_code="90",
        cities=(
            City("İstanbul", "İstanbul", "34###", "212"),
            City("Ankara", "Ankara", "06###", "312"),
            City("İzmir", "İzmir", "35###", "232"),
            City("Bursa", "Bursa", "16###", "224"),
            City("Antalya", "Antalya", "07###", "242"),
            City("Konya", "Konya", "42###", "332"),
            City("Gaziantep", "Gaziantep", "27###", "342"),
            City("Kayseri", "Kayseri", "38###", "352"),
        ),
        streets=(
            "Atatürk Caddesi", "İstiklal Caddesi", "Cumhuriyet Caddesi", "Bağdat Caddesi", "Barbaros Bulvarı",
            "Gazi Mustafa Kemal Bulvarı", "Fevzi Çakmak Caddesi", "İnönü Caddesi", "Halaskargazi Caddesi",
            "Kıbrıs Şehitleri Caddesi", "Mithatpaşa Caddesi", "Alsancak Sokak",
        ),
        street_format="{street} No: {number}",
        landline="### ## ##",
        mobile=("532 ### ## ##", "542 ### ## ##", "505 ### ## ##", "555 ### ## ##"),
        weight=0.18,
    ),
    "RU": Country(
        code="RU",
        language="ru",
        calling_code="7",
        cities=(
            City("Москва", "Москва", "1#####", "495"),
            City("Санкт-Петербург", "Санкт-Петербург", "19####", "812"),
            City("Новосибирск", "Новосибирская область", "630###", "383"),
            City("Екатеринбург", "Свердловская область", "620###", "343"),
            City("Казань", "Республика Татарстан", "420###", "843"),
            City("Нижний Новгород", "Нижегородская область", "603###", "831"),
        ),
        streets=(
            "ул. Ленина", "Тверская ул.", "пр. Мира", "ул. Гагарина", "Невский пр.", "ул. Советская",
            "ул. Пушкина", "Ленинградский пр.", "ул. Садовая", "ул. Баумана", "ул. Малышева",
        ),
        street_format="{street}, д. {number}",
        landline="###-##-##",
        mobile=("9## ###-##-##",),
        weight=0.12,
    ),
    "PL": Country(
        code="PL",
        language="pl",
        calling_code="48",
        cities=(
            City("Warszawa", "mazowieckie", "0#-###", "22"),
            City("Kraków", "małopolskie", "3#-###", "12"),
            City("Łódź", "łódzkie", "9#-###", "42"),
            City("Wrocław", "dolnośląskie", "5#-###", "71"),
            City("Poznań", "wielkopolskie", "6#-###", "61"),
            City("Gdańsk", "pomorskie", "80-###", "58"),
            City("Katowice", "śląskie", "40-###", "32"),
            City("Lublin", "lubelskie", "20-###", "81"),
        ),
        streets=(
            "ul. Marszałkowska", "ul. Piotrkowska", "ul. Długa", "al. Jerozolimskie", "ul. Mickiewicza",
            "ul. Słowackiego", "ul. Kościuszki", "ul. Floriańska", "ul. Świętojańska", "ul. Sienkiewicza",
            "ul. Polna", "ul. Ogrodowa",
        ),
        street_format="{street} {number}",
        landline="### ## ##",
        mobile=("5## ### ###", "6## ### ###", "7## ### ###"),
        weight=0.18,
    ),
    "RO": Country(
        code="RO",
        language="ro",
        calling_code="40",
        cities=(
            City("București", "București", "0#####", "21"),
            City("Cluj-Napoca", "Cluj", "400###", "264"),
            City("Timișoara", "Timiș", "300###", "256"),
            City("Iași", "Iași", "700###", "232"),
            City("Constanța", "Constanța", "900###", "241"),
            City("Brașov", "Brașov", "500###", "268"),
            City("Oradea", "Bihor", "410###", "259"),
        ),
        streets=(
            "Str. Mihai Eminescu", "Bd. Unirii", "Calea Victoriei", "Str. Republicii", "Bd. Revoluției",
            "Str. Avram Iancu", "Bd. Ferdinand", "Str. Lipscani", "Calea Dorobanților", "Str. Horea",
        ),
        street_format="{street} nr. {number}",
        landline="### ####",
        mobile=("72# ### ###", "74# ### ###", "75# ### ###"),
        weight=0.15,
    ),
    "DE": Country(
        code="DE",
        language="de",
        calling_code="49",
        cities=(
            City("Berlin", "Berlin", "10###", "30"),
            City("München", "Bayern", "80###", "89"),
            City("Hamburg", "Hamburg", "20###", "40"),
            City("Frankfurt am Main", "Hessen", "60###", "69"),
        ),
        streets=("Hauptstraße", "Bahnhofstraße", "Schillerstraße", "Goethestraße", "Lindenstraße", "Gartenweg"),
        street_format="{street} {number}",
        landline="#######",
        mobile=("151 ########", "160 #######", "171 #######"),
        weight=0.04,
    ),
    "AT": Country(
        code="AT",
        language="de",
        calling_code="43",
        cities=(City("Wien", "Wien", "1###", "1"), City("Graz", "Steiermark", "80##", "316")),
        streets=("Mariahilfer Straße", "Landstraßer Hauptstraße", "Herrengasse", "Annenstraße"),
        street_format="{street} {number}",
        landline="### ####",
        mobile=("664 #######", "676 #######"),
        weight=0.02,
    ),
    "CZ": Country(
        code="CZ",
        language="cs",
        calling_code="420",
        cities=(City("Praha", "Praha", "1## ##", "2"), City("Brno", "Jihomoravský kraj", "6## ##", "5")),
        streets=("Národní", "Vinohradská", "Václavské náměstí", "Masarykova", "Husova"),
        street_format="{street} {number}",
        landline="## ### ###",
        mobile=("6## ### ###", "7## ### ###"),
        weight=0.03,
    ),
    "SK": Country(
        code="SK",
        language="sk",
        calling_code="421",
        cities=(City("Bratislava", "Bratislavský kraj", "8## ##", "2"), City("Košice", "Košický kraj", "040 ##", "55")),
        streets=("Hlavná", "Obchodná", "Štúrova", "Námestie SNP"),
        street_format="{street} {number}",
        landline="### ####",
        mobile=("9## ### ###",),
        weight=0.01,
    ),
    "GB": Country(
        code="GB",
        language="en",
        calling_code="44",
        cities=(
            City("London", "Greater London", "EC# #AA", "20"),
            City("Manchester", "Greater Manchester", "M# #AA", "161"),
        ),
        streets=("High Street", "Station Road", "Church Lane", "Victoria Road", "Park Avenue"),
        street_format="{number} {street}",
        landline="#### ####",
        mobile=("7700 900###",),  # Ofcom's range for drama: never a real phone
        weight=0.02,
    ),
}  # fmt: skip

# Which team looks after customers of each country (see cast.TEAMS).
TEAM_OF_COUNTRY = {"HU": "Hungary", "TR": "Türkiye", "PL": "Poland", "RO": "Romania"}
DEFAULT_TEAM = "International"

PERSONAL_MAIL_DOMAINS = ("mail.example", "post.example", "inbox.example", "webmail.example")
