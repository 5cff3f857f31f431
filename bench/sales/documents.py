"""Documents benchmark: how long a quote's PDF, an invoice's Factur-X PDF/A-3 (with its schema
check) and the EN 16931 XML alone take to make, for a document of `--lines` lines.

    .venv/bin/python bench/sales/documents.py --lines 20 --runs 20 [--database-url postgres://...]

Makes a customer, products and one quote of `--lines` lines as a sales user of the bench
database, accepts and invoices it, then renders each document `--runs` times in this process
(after one warm-up run: WeasyPrint loads its fonts once) and prints the median and the slowest
run in milliseconds, and the files' sizes. What it made is deleted again at the end.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench" / "api"))

from seed import DEFAULT_URL, setup_django  # noqa: E402


def _timed(make: Callable[[], bytes], runs: int) -> tuple[float, float, int]:
    size = len(make())  # warm-up
    times = []
    for _run in range(runs):
        started = time.perf_counter()
        make()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    setup_django(args.database_url)
    from django.db import connection

    from clientela.accounts.models import User
    from clientela.parties import actions as parties_actions
    from clientela.sales import actions, rendering
    from clientela.sales.models import Invoice, Order, Product, Quote

    admin = User.objects.get(username="bench_admin")
    rep = User.objects.get(username="bench_sales_1_1")
    organization = parties_actions.organization_create(actor=rep, values={"name": "Documents bench customer"})
    products = [
        actions.product_create(
            actor=admin,
            values={"sku": f"BENCH-DOC-{n}", "name": f"Bench item {n}", "tax_rate": ("27", "5", "0")[n % 3]},
        )  # fmt: skip
        for n in range(args.lines)
    ]
    try:
        quote = actions.quote_create(
            actor=rep, values={"organization": str(organization.public_id), "currency": "HUF"},
            lines=[{"product": str(p.public_id), "quantity": str(1 + n % 4), "unit_price": f"{12500 + 750 * n}",
                    "discount_percent": str(n % 3 * 5)} for n, p in enumerate(products)],
        )  # fmt: skip
        order, _made = actions.quote_accept(actor=rep, quote=quote)
        invoice = actions.order_invoice(actor=rep, order=order)
        print(f"{connection.vendor}, a document of {args.lines} lines, {args.runs} runs each (after a warm-up):")
        for name, make in (
            ("quote PDF", lambda: rendering.quote_pdf(quote, "hu")),
            ("invoice Factur-X PDF/A-3 (schema-checked)", lambda: rendering.invoice_facturx(invoice, "hu")),
            ("invoice EN 16931 XML alone", lambda: rendering.invoice_cii_xml(invoice)),
        ):
            median, slowest, size = _timed(make, args.runs)
            print(f"  {name:45} median {median:7.1f} ms, slowest {slowest:7.1f} ms, {size / 1024:6.1f} KiB")
    finally:
        Invoice.all_objects.filter(order__quote__organization=organization).delete()
        Order.all_objects.filter(organization=organization).delete()
        Quote.all_objects.filter(organization=organization).delete()
        Product.all_objects.filter(sku__startswith="BENCH-DOC-").delete()
        organization.delete()


if __name__ == "__main__":
    main()
