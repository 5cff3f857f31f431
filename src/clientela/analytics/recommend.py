"""Item-to-item recommendations from co-purchases (Linden, Smith & York 2003).

B is the customer x product incidence matrix (1 if the customer ever bought
the product, however often). C = B'B counts, for each pair of products, the
customers who bought both; n_i = C_ii the customers who bought i. The
similarity of products i != j is

- cosine: C_ij / sqrt(n_i n_j) (default; favours pairs bought together
  relative to their popularity, bounded by 1);
- lift: C_ij N / (n_i n_j) with N the number of customers (how much more
  often than by chance; noisy for rare products, so pairs with fewer than
  ``min_support`` common customers are dropped).

A customer's score for product j is the sum of the similarities of j to the
products they bought (row of B S). The top k products they have not bought
are recommended, ties broken by overall popularity and then by product label
order, so the result is deterministic; when fewer than k products have a
positive score the rest are filled with the most popular products not yet
bought (score 0).

Evaluation (``precision_at_k``): on a holdout period, precision@k is the mean
over evaluated customers of |top-k and bought in the holdout| / k, where the
evaluated customers are those who bought at least one product in the holdout
that they had not bought before (re-purchases are excluded: they are not
recommendations). A popularity ranking is the baseline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse

MEASURES: tuple[str, ...] = ("cosine", "lift")
_BATCH_CELLS = 8_000_000


def incidence_matrix(customer: np.ndarray, item: np.ndarray, n_customers: int, n_items: int) -> sparse.csr_matrix:
    """Binary customer x item matrix (CSR, float64) from row-level codes."""
    customer = np.asarray(customer, dtype=np.int64)
    item = np.asarray(item, dtype=np.int64)
    matrix = sparse.csr_matrix((np.ones(customer.size), (customer, item)), shape=(n_customers, n_items))
    matrix.sum_duplicates()
    matrix.data[:] = 1.0
    return matrix


def item_similarity(
    incidence: sparse.csr_matrix, measure: str = "cosine", *, min_support: int = 1
) -> sparse.csr_matrix:
    """Item x item similarity (CSR), zero diagonal; pairs below ``min_support`` dropped."""
    if measure not in MEASURES:
        raise ValueError(f"unknown similarity {measure!r}; expected one of {MEASURES}")
    counts = (incidence.T @ incidence).tocoo()
    support = np.asarray(incidence.sum(axis=0)).ravel()
    keep = (counts.row != counts.col) & (counts.data >= min_support)
    rows, cols, common = counts.row[keep], counts.col[keep], counts.data[keep]
    if measure == "cosine":
        values = common / np.sqrt(support[rows] * support[cols])
    else:
        values = common * incidence.shape[0] / (support[rows] * support[cols])
    n_items = incidence.shape[1]
    return sparse.csr_matrix((values, (rows, cols)), shape=(n_items, n_items))


@dataclass(frozen=True)
class Recommendations:
    """Top-k item codes and scores per customer row; -1 / NaN past the available items."""

    customer: np.ndarray  # customer codes, one per row
    items: np.ndarray  # (customers, k) item codes
    scores: np.ndarray  # (customers, k)


def recommend(
    incidence: sparse.csr_matrix,
    similarity: sparse.csr_matrix,
    k: int,
    *,
    customers: np.ndarray | None = None,
) -> Recommendations:
    """Top-k unbought items for each customer (all customers by default)."""
    if k < 1:
        raise ValueError("k must be >= 1")
    n_items = incidence.shape[1]
    rows = np.arange(incidence.shape[0]) if customers is None else np.asarray(customers, np.int64)
    popularity = np.asarray(incidence.sum(axis=0)).ravel()
    # Columns reordered by popularity (desc), then item code: in this order,
    # "lower column first" is the tie-break.
    order = np.lexsort((np.arange(n_items), -popularity))
    width = min(k, n_items)
    items = np.full((rows.size, k), -1, dtype=np.int64)
    scores = np.full((rows.size, k), np.nan)
    sim = similarity[order][:, order].tocsr()
    batch = max(1, _BATCH_CELLS // max(n_items, 1))
    for start in range(0, rows.size, batch):
        chunk = rows[start : start + batch]
        bought = incidence[chunk][:, order]
        dense = np.asarray((bought @ sim).todense())
        # Unbought items with no evidence score 0; bought ones are excluded.
        dense[bought.nonzero()] = -np.inf
        top, top_scores = _top_k(dense, width)
        valid = np.isfinite(top_scores)
        items[start : start + chunk.size, :width] = np.where(valid, order[top], -1)
        scores[start : start + chunk.size, :width] = np.where(valid, top_scores, np.nan)
    return Recommendations(customer=rows, items=items, scores=scores)


def _top_k(values: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices of the k largest values per row, largest first, ties to the lower index."""
    n = values.shape[1]
    if k >= n:
        idx = np.argsort(-values, axis=1, kind="stable")
        return idx, np.take_along_axis(values, idx, axis=1)
    kth = -np.partition(-values, k - 1, axis=1)[:, k - 1 : k]
    greater = values > kth
    equal = values == kth
    need = k - greater.sum(axis=1, keepdims=True)
    chosen = greater | (equal & (np.cumsum(equal, axis=1) <= need))
    idx = np.nonzero(chosen)[1].reshape(values.shape[0], k)
    picked = np.take_along_axis(values, idx, axis=1)
    # idx is ascending within a row; a stable sort on -value keeps lower index first.
    rank = np.argsort(-picked, axis=1, kind="stable")
    return np.take_along_axis(idx, rank, axis=1), np.take_along_axis(picked, rank, axis=1)


def popularity_recommendations(
    incidence: sparse.csr_matrix, k: int, *, customers: np.ndarray | None = None
) -> Recommendations:
    """The baseline: the k most popular items each customer has not bought."""
    empty = sparse.csr_matrix((incidence.shape[1], incidence.shape[1]))
    return recommend(incidence, empty, k, customers=customers)


def precision_at_k(
    recommendations: Recommendations, incidence: sparse.csr_matrix, holdout: sparse.csr_matrix
) -> dict[str, float]:
    """precision@k and hit rate over customers with a new item in the holdout.

    ``incidence`` is the calibration matrix (what was already bought),
    ``holdout`` the holdout period's incidence matrix (same shape).
    """
    rows = recommendations.customer
    new = (holdout[rows] - holdout[rows].multiply(incidence[rows])).tocsr()
    new.eliminate_zeros()
    evaluated = np.flatnonzero(np.diff(new.indptr) > 0)
    k = recommendations.items.shape[1]
    if evaluated.size == 0:
        return {"customers": 0.0, "k": float(k), "precision": float("nan"), "hit_rate": float("nan")}
    items = recommendations.items[evaluated]
    truth = new[evaluated]
    safe = np.where(items >= 0, items, 0)
    hits = np.asarray(truth[np.arange(evaluated.size)[:, None], safe].todense()) * (items >= 0)
    per_customer = hits.sum(axis=1)
    return {
        "customers": float(evaluated.size),
        "k": float(k),
        "precision": float(per_customer.mean() / k),
        "hit_rate": float((per_customer > 0).mean()),
    }


def factorise(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique labels (as text) and each row's code; None rows get -1."""
    values = np.asarray(labels, dtype=object)
    present = np.array([v is not None for v in values], dtype=bool)
    text = np.array([str(v) for v in values[present]], dtype=object)
    unique, codes = np.unique(text, return_inverse=True) if text.size else (text, text)
    out = np.full(values.size, -1, dtype=np.int64)
    out[present] = np.asarray(codes, dtype=np.int64).ravel()
    return unique, out
