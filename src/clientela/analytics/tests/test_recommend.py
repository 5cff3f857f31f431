"""Item-to-item recommendations: hand-computed similarities, top-k, precision@k."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from clientela.analytics.recommend import (
    factorise,
    incidence_matrix,
    item_similarity,
    popularity_recommendations,
    precision_at_k,
    recommend,
)


def hand_example() -> sparse.csr_matrix:
    # customers x items (A, B, C, D)
    rows = [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 0), (2, 2), (3, 3)]
    customer, item = zip(*rows, strict=True)
    return incidence_matrix(np.array(customer), np.array(item), 4, 4)


def test_cosine_and_lift_similarities_by_hand() -> None:
    bought = hand_example()
    cosine = item_similarity(bought, "cosine").toarray()
    # A: 3 buyers, B: 2, C: 2, D: 1; A&B: 2, A&C: 2, B&C: 1.
    assert cosine[0, 1] == pytest.approx(2 / np.sqrt(3 * 2))
    assert cosine[1, 2] == pytest.approx(1 / 2)
    assert cosine[0, 3] == 0 and np.all(np.diag(cosine) == 0)
    lift = item_similarity(bought, "lift").toarray()
    assert lift[0, 1] == pytest.approx(2 * 4 / (3 * 2))
    assert item_similarity(bought, "lift", min_support=2).toarray()[1, 2] == 0


def test_recommendations_exclude_bought_items_and_fill_by_popularity() -> None:
    bought = hand_example()
    result = recommend(bought, item_similarity(bought), k=3)
    # Customer 0 (A, B): C scores cos(A,C) + cos(B,C); D has no evidence and comes last.
    assert result.items[0].tolist() == [2, 3, -1]
    assert result.scores[0, 0] == pytest.approx(2 / np.sqrt(6) + 0.5)
    assert result.scores[0, 1] == 0.0
    # Customer 3 (D only) has no co-purchase evidence: the most popular items, A first.
    assert result.items[3].tolist() == [0, 1, 2]
    assert np.all(result.scores[3] == 0)


def test_ties_are_broken_by_popularity_then_label() -> None:
    customer = np.array([0, 1, 2, 3, 3])
    item = np.array([2, 1, 1, 0, 2])
    bought = incidence_matrix(customer, item, 4, 3)
    top = popularity_recommendations(bought, 2, customers=np.array([0]))
    # Items 1 and 2 have 2 buyers each, item 0 one; customer 0 owns item 2.
    assert top.items[0].tolist() == [1, 0]


def test_precision_at_k_counts_new_items_bought_in_the_holdout() -> None:
    bought = hand_example()
    result = recommend(bought, item_similarity(bought), k=2)
    later = incidence_matrix(np.array([0, 0, 1, 3]), np.array([2, 0, 3, 0]), 4, 4)
    # Customer 0 bought C (new; recommended first) and A (not new). Customer 1 bought D (new;
    # recommended 1st). Customer 3 bought A (new; recommended first). Customer 2 bought nothing.
    report = precision_at_k(result, bought, later)
    assert report["customers"] == 3
    hits = [int(2 in result.items[0]), int(3 in result.items[1]), int(0 in result.items[3])]
    assert report["precision"] == pytest.approx(sum(hits) / (3 * 2))
    assert report["hit_rate"] == pytest.approx(np.mean([h > 0 for h in hits]))


def test_factorise_keeps_missing_products_apart() -> None:
    labels, codes = factorise(np.array(["b", None, "a", "b"], dtype=object))
    assert labels.tolist() == ["a", "b"]
    assert codes.tolist() == [1, -1, 0, 1]
