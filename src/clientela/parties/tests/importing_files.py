"""Helpers that write import files for the tests (CSV in any dialect, XLSX)."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

CONTACT_HEADER = ["First name", "Last name", "E-mail", "Phone", "Birth date", "Gender", "Lifecycle stage", "Tags"]


def write_csv(
    path: Path, rows: list[list[Any]], *, delimiter: str = ",", bom: bool = False, header: list[str] | None = None
) -> Path:
    with path.open("w", newline="", encoding="utf-8-sig" if bom else "utf-8") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header or CONTACT_HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[Any]], *, header: list[str] | None = None) -> Path:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(header or CONTACT_HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def good_row(n: int) -> list[str]:
    """Contact number n: unique e-mail and phone."""
    return [
        f"First{n}",
        f"Last{n}",
        f"person{n}@example.test",
        f"+36 1 {n:07d}",
        f"19{50 + n % 50}-0{1 + n % 9}-1{n % 10}",
        ("female", "male", "")[n % 3],
        ("target", "prospect", "customer")[n % 3],
        "imported; batch" if n % 2 else "",
    ]
