"""The feed evaluation's metrics, on lists small enough to compute by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveshop.discovery.metrics import (
    bottom_half_share,
    coverage_at,
    exposure_at,
    gini,
    ndcg_at,
    recall_at,
)


def test_ndcg_rewards_hits_near_the_top():
    assert ndcg_at([1, 2, 3], {1}) == 1.0
    assert ndcg_at([2, 1, 3], {1}) == pytest.approx(1 / math.log2(3))
    # two relevant, one found at rank 2 (0-based): (1/log2 4) / (1 + 1/log2 3)
    assert ndcg_at([5, 6, 7], {7, 9}) == pytest.approx(0.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at([1, 2], set()) == 0.0
    assert ndcg_at(list(range(20)), {15}, k=10) == 0.0  # beyond k does not count


def test_recall_coverage_exposure_and_the_bottom_half():
    assert recall_at([1, 2, 3, 4], {2, 4, 9}, k=3) == pytest.approx(1 / 3)
    assert coverage_at([[1, 2], [2, 3]], catalogue_size=10, k=2) == 0.3
    assert exposure_at([[1, 2], [2, 1]], k=2) == {1: pytest.approx(1 + 1 / math.log2(3)),
                                                  2: pytest.approx(1 + 1 / math.log2(3))}
    popularity = {1: 100, 2: 50, 3: 5, 4: 1}
    assert bottom_half_share({1: 3.0, 3: 1.0}, popularity) == 0.25  # hosts 3 and 4 are the bottom half


def test_gini_from_equal_to_winner_takes_all():
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 1]) == pytest.approx(0.75)  # (n-1)/n for one winner among n
    assert gini([]) == 0.0


@given(st.lists(st.floats(min_value=0, max_value=1e6, allow_nan=False), min_size=1, max_size=50))
def test_gini_is_between_0_and_1_and_ignores_order_and_scale(values):
    g = gini(values)
    assert -1e-9 <= g < 1
    assert gini(list(reversed(values))) == pytest.approx(g, abs=1e-9)
    assert gini([3 * v for v in values]) == pytest.approx(g, abs=1e-9)
