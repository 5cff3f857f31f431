"""A synthetic basket log with taste structure, for recommendation figures.

Customers have one or two favourite categories; each purchase day they buy
1-3 products, 80% of them from a favourite category (products within a
category follow a Zipf popularity), the rest from anywhere. The co-purchase
structure is therefore real but noisy, which is what item-to-item
recommendations should find. Used by the docs' precision@k figures:

    python bench/analytics/baskets.py --customers 5000 --output /tmp/baskets.csv
    clientela analytics recommend --input /tmp/baskets.csv --calibration-end 2023-12-31 \
        --holdout-end 2024-12-31 --k 10 --output /tmp/recs.csv
"""

from __future__ import annotations

import argparse

import numpy as np


def basket_log(customers: int, *, categories: int = 10, per_category: int = 20, seed: int = 0) -> dict[str, np.ndarray]:
    """Columns customer_id, date, amount, product_id over 2023-01-01 .. 2024-12-31."""
    rng = np.random.default_rng(seed)
    n_items = categories * per_category
    zipf = 1.0 / np.arange(1, per_category + 1)
    zipf /= zipf.sum()
    price = np.round(rng.gamma(3.0, 8.0, n_items) + 2.0, 2)
    favourite = rng.integers(0, categories, size=(customers, 2))
    two = rng.random(customers) < 0.5
    visits = rng.poisson(rng.gamma(2.0, 3.0, customers))  # purchase days over two years
    rows_customer, rows_day, rows_item = [], [], []
    for c in range(customers):
        n = int(visits[c])
        if n == 0:
            continue
        days = rng.integers(0, 731, n)
        sizes = rng.integers(1, 4, n)
        total = int(sizes.sum())
        loyal = rng.random(total) < 0.8
        which = np.where(two[c] & (rng.random(total) < 0.5), favourite[c, 1], favourite[c, 0])
        category = np.where(loyal, which, rng.integers(0, categories, total))
        item = category * per_category + rng.choice(per_category, size=total, p=zipf)
        rows_customer.append(np.full(total, c))
        rows_day.append(np.repeat(days, sizes))
        rows_item.append(item)
    customer = np.concatenate(rows_customer)
    day = np.concatenate(rows_day)
    item = np.concatenate(rows_item)
    return {
        "customer_id": np.char.add("c", customer.astype(str)),
        "date": np.datetime64("2023-01-01") + day.astype("timedelta64[D]"),
        "amount": price[item],
        "product_id": np.char.add("p", item.astype(str)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", required=True)
    args = parser.parse_args()
    columns = basket_log(args.customers, seed=args.seed)
    with open(args.output, "w", encoding="utf-8") as handle:
        handle.write("customer_id,date,amount,product_id\n")
        for row in zip(*columns.values(), strict=True):
            handle.write(f"{row[0]},{row[1]},{row[2]:.2f},{row[3]}\n")


if __name__ == "__main__":
    main()
