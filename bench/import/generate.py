"""A reproducible contacts CSV: realistic names, e-mails and phones in the seed
languages, with a few per cent of duplicate e-mails and of bad rows."""

from __future__ import annotations

import csv
import random
import unicodedata
from pathlib import Path

FIRST = {
    "hu": [
        "Anna",
        "Zsófia",
        "Katalin",
        "Eszter",
        "Réka",
        "Dóra",
        "Bence",
        "Máté",
        "Levente",
        "Ádám",
        "Gergő",
        "Balázs",
        "Péter",
        "László",
        "Zoltán",
        "Tamás",
    ],
    "tr": [
        "Ayşe",
        "Fatma",
        "Elif",
        "Zeynep",
        "Emine",
        "Merve",
        "Mehmet",
        "Mustafa",
        "Ahmet",
        "Ali",
        "Hüseyin",
        "Hasan",
        "İbrahim",
        "Yusuf",
        "Ömer",
        "Murat",
    ],
    "ru": [
        "Анна",
        "Мария",
        "Елена",
        "Ольга",
        "Наталья",
        "Ирина",
        "Александр",
        "Сергей",
        "Дмитрий",
        "Андрей",
        "Алексей",
        "Иван",
        "Михаил",
        "Николай",
    ],
    "pl": [
        "Anna",
        "Maria",
        "Katarzyna",
        "Małgorzata",
        "Agnieszka",
        "Barbara",
        "Piotr",
        "Krzysztof",
        "Andrzej",
        "Tomasz",
        "Paweł",
        "Michał",
        "Łukasz",
    ],
    "ro": [
        "Maria",
        "Elena",
        "Ioana",
        "Andreea",
        "Mihaela",
        "Cristina",
        "Ion",
        "Gheorghe",
        "Andrei",
        "Mihai",
        "Alexandru",
        "Ștefan",
        "Vasile",
        "Florin",
    ],
    "en": [
        "Mary",
        "Patricia",
        "Jennifer",
        "Linda",
        "Elizabeth",
        "Susan",
        "James",
        "John",
        "Robert",
        "Michael",
        "William",
        "David",
        "Richard",
        "Thomas",
    ],
}
LAST = {
    "hu": [
        "Nagy",
        "Kovács",
        "Tóth",
        "Szabó",
        "Horváth",
        "Varga",
        "Kiss",
        "Molnár",
        "Németh",
        "Farkas",
        "Balogh",
        "Papp",
        "Takács",
        "Juhász",
        "Lakatos",
    ],
    "tr": [
        "Yılmaz",
        "Kaya",
        "Demir",
        "Şahin",
        "Çelik",
        "Yıldız",
        "Yıldırım",
        "Öztürk",
        "Aydın",
        "Özdemir",
        "Arslan",
        "Doğan",
        "Kılıç",
        "Aslan",
        "Çetin",
    ],
    "ru": [
        "Иванов",
        "Смирнов",
        "Кузнецов",
        "Попов",
        "Васильев",
        "Петров",
        "Соколов",
        "Михайлов",
        "Новиков",
        "Фёдоров",
        "Морозов",
        "Волков",
    ],
    "pl": [
        "Nowak",
        "Kowalski",
        "Wiśniewski",
        "Wójcik",
        "Kowalczyk",
        "Kamiński",
        "Lewandowski",
        "Zieliński",
        "Szymański",
        "Woźniak",
    ],
    "ro": [
        "Popescu",
        "Ionescu",
        "Popa",
        "Pop",
        "Radu",
        "Dumitru",
        "Stan",
        "Stoica",
        "Gheorghe",
        "Matei",
        "Ciobanu",
        "Rusu",
        "Munteanu",
        "Constantin",
    ],
    "en": [
        "Smith",
        "Johnson",
        "Williams",
        "Brown",
        "Jones",
        "Garcia",
        "Miller",
        "Davis",
        "Rodriguez",
        "Martinez",
        "Wilson",
        "Anderson",
        "Taylor",
    ],
}
PHONE = {
    "hu": lambda r: f"+36 {r.choice((20, 30, 70, 1))} {r.randint(100, 999)} {r.randint(1000, 9999)}",
    "tr": lambda r: f"+90 5{r.randint(30, 59)} {r.randint(100, 999)} {r.randint(10, 99)} {r.randint(10, 99)}",
    "ru": lambda r: f"+7 9{r.randint(10, 99)} {r.randint(100, 999)}-{r.randint(10, 99)}-{r.randint(10, 99)}",
    "pl": lambda r: f"+48 {r.randint(500, 799)} {r.randint(100, 999)} {r.randint(100, 999)}",
    "ro": lambda r: f"+40 7{r.randint(20, 89)} {r.randint(100, 999)} {r.randint(100, 999)}",
    "en": lambda r: f"({r.randint(200, 999)}) {r.randint(200, 999)}-{r.randint(1000, 9999)}",
}
DOMAINS = [
    "gmail.com",
    "yahoo.com",
    "outlook.com",
    "freemail.hu",
    "citromail.hu",
    "mail.ru",
    "yandex.ru",
    "wp.pl",
    "onet.pl",
    "yahoo.ro",
]
TITLES = ["", "", "", "CEO", "Sales Manager", "Engineer", "Accountant", "Teacher", "Director", "Consultant"]
STAGES = ["target", "prospect", "customer", "lost"]
GENDERS = ["female", "male", "", "undisclosed"]
TAGS = ["", "", "newsletter", "vip", "newsletter; events", "partner"]
HEADER = ["First name", "Last name", "E-mail", "Phone", "Title", "Birth date", "Gender", "Lifecycle stage", "Tags"]
_TRANSLIT = str.maketrans({"ı": "i", "ł": "l", "Ł": "L", "ş": "s", "ș": "s", "ț": "t", "ğ": "g"})
_LATIN = "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh sch - y - e yu ya"
_CYRILLIC = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN.split(), strict=True))


def ascii_name(text: str) -> str:
    text = text.lower().translate(_TRANSLIT)
    text = "".join(_CYRILLIC.get(c, c) for c in text).replace("-", "")
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if c.isascii() and c.isalnum())


def broken(row: list[str], rng: random.Random) -> list[str]:
    kind = rng.randrange(5)
    if kind == 0:
        row[2] = row[2].replace("@", " at ")
    elif kind == 1:
        row[5] = f"19{rng.randint(50, 99)}-02-30"
    elif kind == 2:
        row[7] = "someday"
    elif kind == 3:
        row[1] = ""
    else:
        row[0] = row[0] * 40
    return row


def contact_row(n: int, rng: random.Random) -> list[str]:
    language = rng.choice(tuple(FIRST))
    first, last = rng.choice(FIRST[language]), rng.choice(LAST[language])
    email = f"{ascii_name(first)}.{ascii_name(last)}{n}@{rng.choice(DOMAINS)}"
    birth = f"{rng.randint(1940, 2004)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" if rng.random() < 0.6 else ""
    return [first, last, email, PHONE[language](rng), rng.choice(TITLES), birth, rng.choice(GENDERS),
            rng.choice(STAGES), rng.choice(TAGS)]  # fmt: skip


def write(path: Path, rows: int, *, seed: int = 2, duplicates: float = 0.02, bad: float = 0.01) -> dict[str, int]:
    """Write `rows` data rows; returns how many are meant as duplicates and as bad rows."""
    rng = random.Random(seed)
    recent: list[str] = []
    counts = {"rows": rows, "duplicates": 0, "bad": 0}
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(rows):
            row = contact_row(n, rng)
            roll = rng.random()
            if roll < duplicates and recent:
                row[2] = rng.choice(recent).upper()
                counts["duplicates"] += 1
            elif roll < duplicates + bad:
                row = broken(row, rng)
                counts["bad"] += 1
            elif len(recent) < 10_000:
                recent.append(row[2])
            elif rng.random() < 0.01:
                recent[rng.randrange(len(recent))] = row[2]
            writer.writerow(row)
    return counts


def write_existing(path: Path, main: Path, share: float, *, seed: int = 3) -> int:
    """A file of contacts that already exist before the benchmark: every 1/share-th e-mail of
    the main file, with other details, so those rows of the main file update them."""
    rng = random.Random(seed)
    step = max(int(1 / share), 1)
    written = 0
    with main.open(newline="", encoding="utf-8") as source, path.open("w", newline="", encoding="utf-8") as target:
        reader = csv.reader(source)
        writer = csv.writer(target)
        writer.writerow(next(reader))
        for index, row in enumerate(reader):
            if index % step == 0 and "@" in row[2] and " " not in row[2]:
                row[4] = rng.choice(TITLES)
                row[7] = rng.choice(STAGES)
                writer.writerow(row)
                written += 1
    return written
