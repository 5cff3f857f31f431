"""Invoice benchmark: invoices made by 8 concurrent clients on PostgreSQL, per second, and
whether their numbers are gap-free.

    .venv/bin/python bench/sales/invoices.py --orders 2000 --clients 8 [--database-url postgres://...]

Makes a customer, a product and `--orders` accepted quotes (orders) as a sales user of the
bench database, then `--clients` threads — each with its own database connection, as the web
server's threads have — invoice them all through `actions.order_invoice`, each invoice in its
own transaction with the year's counter locked. Prints invoices per second and checks that
the numbers made are 1..N of this year's series with none skipped or repeated. What it made is
deleted again at the end (the counter too), so the database is left as it was.
"""

from __future__ import annotations

import argparse
import queue
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "api"))

from seed import DEFAULT_URL, setup_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection, connections, transaction
    from django.utils import timezone

    from clientela.accounts.models import User
    from clientela.parties import actions as parties_actions
    from clientela.sales import actions
    from clientela.sales.actions.invoices import INVOICE_SERIES
    from clientela.sales.models import DocumentCounter, Invoice, Order, Product, Quote

    assert connection.vendor == "postgresql", "the benchmark is for PostgreSQL"
    admin = User.objects.get(username="bench_admin")
    rep = User.objects.get(username="bench_sales_1_1")
    year = timezone.localdate().year
    DocumentCounter.objects.filter(series=INVOICE_SERIES, year=year).delete()
    started = time.perf_counter()
    organization = parties_actions.organization_create(actor=rep, values={"name": "Invoice bench customer"})
    product = actions.product_create(actor=admin, values={"sku": "BENCH-INV", "name": "Bench item", "tax_rate": "27"})
    orders = []
    for n in range(args.orders):
        quote = actions.quote_create(actor=rep, values={"organization": str(organization.public_id), "currency": "EUR"},
                                     lines=[{"product": str(product.public_id), "quantity": str(1 + n % 5),
                                             "unit_price": "19.99", "discount_percent": "10"}])  # fmt: skip
        orders.append(actions.quote_accept(actor=rep, quote=quote)[0])
    print(f"{args.orders:,} orders made in {time.perf_counter() - started:.1f} s")

    work: queue.Queue[Order] = queue.Queue()
    for order in orders:
        work.put(order)
    numbers: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(args.clients + 1)

    def client() -> None:
        try:
            start.wait()
            while True:
                try:
                    order = work.get_nowait()
                except queue.Empty:
                    return
                numbers.append(actions.order_invoice(actor=rep, order=order).number)
        except BaseException as error:  # reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=client) for _n in range(args.clients)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - began
    assert not failures, failures[:3]
    made = sorted(int(number.rsplit("-", 1)[1]) for number in numbers)
    gap_free = made == list(range(1, len(orders) + 1))
    rate = len(numbers) / seconds
    print(f"{len(numbers):,} invoices by {args.clients} clients in {seconds:.2f} s: {rate:,.0f} invoices/s")
    print(f"numbers {INVOICE_SERIES}-{year}-{made[0]:06d} .. {made[-1]:06d}: "
          f"{'gap-free, none repeated' if gap_free else 'GAPS OR REPEATS'}")  # fmt: skip

    with transaction.atomic():  # leave the database as it was
        Invoice.all_objects.filter(order__in=orders).delete()
        Order.all_objects.filter(pk__in=[o.pk for o in orders]).delete()
        Quote.all_objects.filter(organization=organization).delete()
        Product.all_objects.filter(pk=product.pk).delete()
        organization.delete()
        DocumentCounter.objects.filter(series__in=(INVOICE_SERIES, "Q", "O"), year=year).delete()
    if not gap_free:
        sys.exit(1)


if __name__ == "__main__":
    main()
