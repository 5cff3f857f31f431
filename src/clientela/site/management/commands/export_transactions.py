"""`clientela export_transactions FILE [--by contact|organization] [--currency EUR]`: the purchase
history the analytics tools read (`clientela analytics rfm --input FILE ...`), one row per invoice
(credit notes negative): customer_id, date, amount, currency.

Contacts who objected to profiling — or who may not be processed for the active profiling purpose
(privacy app) — are left out, so no score is ever computed for them; the command says how many.
"""

from __future__ import annotations

import csv
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clientela.privacy import queries as privacy_queries
from clientela.sales import queries as sales_queries
from clientela.sales.models import InvoiceKind


class Command(BaseCommand):
    help = "Write the invoices as a transaction file for `clientela analytics`, without objecting contacts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file to write ('-' = standard output)")
        parser.add_argument("--by", choices=("contact", "organization"), default="contact",
                            help="whose purchases a row counts (default: the invoice's contact)")  # fmt: skip
        parser.add_argument("--currency", default="", help="only invoices in this currency (ISO 4217)")

    def handle(self, *args: Any, **options: Any) -> None:
        invoices = sales_queries.invoices_for_analysis(options["currency"])
        by_contact = options["by"] == "contact"
        contact_ids = set(invoices.exclude(contact=None).values_list("contact_id", flat=True))
        left_out = privacy_queries.profiling_refused_all(contact_ids)
        rows, skipped = [], 0
        for invoice in invoices.iterator(chunk_size=2000):
            if invoice.contact_id in left_out:
                skipped += 1  # a person who objected: not even under their organization
                continue
            customer = invoice.contact if by_contact else invoice.organization
            if customer is None:
                continue
            sign = -1 if invoice.kind == InvoiceKind.CREDIT_NOTE else 1
            rows.append([str(customer.public_id), invoice.issued_on.isoformat(), str(sign * invoice.gross_total),
                         invoice.currency])  # fmt: skip
        try:
            out = sys.stdout if options["file"] == "-" else open(options["file"], "w", newline="", encoding="utf-8")  # noqa: SIM115
        except OSError as failure:
            raise CommandError(f"cannot write {options['file']}: {failure}") from None
        with out if out is not sys.stdout else _Kept(out):
            writer = csv.writer(out)
            writer.writerow(["customer_id", "date", "amount", "currency"])
            writer.writerows(rows)
        self.stderr.write(f"{len(rows)} transactions; {skipped} of contacts who objected to profiling left out")


class _Kept:
    """Standard output is not closed."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __enter__(self) -> Any:
        return self.stream

    def __exit__(self, *exc: object) -> None:
        self.stream.flush()
