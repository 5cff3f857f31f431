"""Seed the benchmark database with contacts, fast (COPY), for the API benchmark.

    DATABASE_URL=postgres://root@127.0.0.1:5432/clientela_bench \
        .venv/bin/python bench/api/seed.py --contacts 1000000

Creates the database if missing, migrates it, adds 5 teams with 3 sales users each and
an admin, and COPYs the contacts in (fixture data for measuring reads, not the import
path: no events are written). Re-running with the same count keeps what is there.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
DEFAULT_URL = "postgres://root@127.0.0.1:5432/clientela_bench"


def words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = words(
    "Anna Ádám Béla Csilla Dóra Emese Ferenc Gábor Hanna István Júlia Kata László Mária Noémi Olga Péter "
    "Réka Sándor Tamás Zoltán Ayşe Mehmet Elif Mustafa Zeynep Olga Ivan Svetlana Dmitri Agnieszka Piotr "
    "Katarzyna Tomasz Ioana Andrei Elena Mihai Maria John Emma Oliver Sophie Lukas Marie"
)
LAST = words(
    "Kovács Szabó Tóth Nagy Horváth Varga Kiss Molnár Németh Farkas Balogh Papp Takács Juhász Lakatos "
    "Yılmaz Kaya Demir Şahin Çelik Yıldız Ivanov Smirnov Kuznetsov Popov Sokolov Nowak Kowalski "
    "Wiśniewski Wójcik Kamiński Popescu Ionescu Popa Stan Dumitru Smith Müller Schmidt Fischer Weber "
    "Dubois Martin Bernard Rossi Russo"
)
DOMAINS = ("example.com", "mail.test", "firma.hu", "sirket.com.tr", "pochta.ru", "poczta.pl", "posta.ro")
STAGES = ("target", "prospect", "customer", "lost")
COLUMNS = (
    "public_id",
    "created_at",
    "updated_at",
    "created_by_id",
    "updated_by_id",
    "owner_id",
    "team_id",
    "version",
    "first_name",
    "last_name",
    "title",
    "gender",
    "marital_status",
    "occupation",
    "income_band",
    "language",
    "preferred_channel",
    "lifecycle_stage",
    "customer_category",
    "source",
    "notes",
    "custom",
    "primary_email",
    "primary_phone",
    "search_text",
    "name_key",
    "name_sort",
)


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clientela.settings")
    os.environ.setdefault("CLIENTELA_DEBUG", "false")
    import django

    django.setup()


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def ensure_people() -> tuple[list[tuple[int, int]], int]:
    from clientela.accounts.models import Team, User

    admin, _ = User.objects.get_or_create(username="bench_admin", defaults={"role": "admin"})
    owners: list[tuple[int, int]] = []
    for t in range(5):
        team, _ = Team.objects.get_or_create(name=f"Bench team {t + 1}")
        for s in range(3):
            user, _ = User.objects.get_or_create(
                username=f"bench_sales_{t + 1}_{s + 1}", defaults={"role": "sales", "team": team}
            )
            owners.append((user.pk, team.pk))
    return owners, admin.pk


def rows(count: int, owners: list[tuple[int, int]], admin_id: int, seed: int):
    from django.utils import timezone

    from clientela.parties import normalize, rules

    rng = random.Random(seed)
    now = timezone.now()
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        owner_id, team_id = rng.choice(owners)
        local = normalize.fold(f"{first}.{last}").replace(" ", "")
        email = f"{local}{n}@{rng.choice(DOMAINS)}"
        phone = f"+36 {rng.randint(20, 70)} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        created = now - dt.timedelta(seconds=rng.randint(0, 5 * 365 * 86400))
        derived = rules.contact_derived_fields(first, last, [email], [phone], [normalize.phone_key(phone)])
        yield (
            uuid.UUID(int=rng.getrandbits(128), version=4),
            created,
            created,
            admin_id,
            admin_id,
            owner_id,
            team_id,
            1,
            first,
            last,
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            rng.choice(STAGES),
            "",
            "bench",
            "",
            "{}",
            derived["primary_email"],
            derived["primary_phone"],
            derived["search_text"],
            derived["name_key"],
            derived["name_sort"],
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    ensure_database(url)
    setup_django(url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    owners, admin_id = ensure_people()
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM parties_contact")
        have = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM parties_contact WHERE name_sort = ''")
        unsorted = cursor.fetchone()[0]
    if have == args.contacts and not unsorted:
        print(f"{have} contacts already there")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE parties_contact CASCADE")
        raw = cursor.connection  # psycopg connection
        with raw.cursor().copy(f"COPY parties_contact ({', '.join(COLUMNS)}) FROM STDIN") as copy:
            for n, row in enumerate(rows(args.contacts, owners, admin_id, args.seed), 1):
                copy.write_row(row)
                if n % 100_000 == 0:
                    print(f"  {n:>9,} rows  {n / (time.perf_counter() - started):,.0f} rows/s", flush=True)
        cursor.execute("ANALYZE parties_contact")
    print(f"seeded {args.contacts:,} contacts in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
