"""The amortised exposure re-ranker: a host that has had the feed's attention yields to one
almost as relevant that has not, long before a far weaker one; the ledger explains it."""

from __future__ import annotations

import math

import pytest

from liveshop.discovery.evaluation import Fair
from liveshop.discovery.fairness import ExposureDamping


def test_exposure_moves_to_the_almost_as_relevant_host_long_before_a_far_weaker_one():
    fair = ExposureDamping(strength=0.5, k=1)
    scores = [1.0, 0.9, 0.1]
    assert fair.rank([10, 20, 30], scores)[0] == 10  # nobody has had attention yet: relevance order
    assert fair.rank([10, 20, 30], scores)[0] == 20  # 10 got the top slot once: 20 is close enough
    firsts = [fair.rank([10, 20, 30], scores)[0] for _ in range(8)]
    assert set(firsts) == {10, 20}  # 30 is far behind: the two close ones take turns first
    mine = fair.ledger.explain(10)
    assert 0.4 <= mine["received_share"] <= 0.6 and mine["deserved_share"] > 0.4  # about half each
    later = [fair.rank([10, 20, 30], scores)[0] for _ in range(20)]
    assert 30 in later  # the damping grows with attention received: in the long run the tail gets a turn
    assert later.count(30) < later.count(10) + later.count(20)


def test_no_strength_is_the_plain_relevance_order():
    fair = ExposureDamping(strength=0.0)
    for _ in range(5):
        assert fair.rank([1, 2, 3], [0.2, 0.9, 0.5]) == [2, 3, 1]


def test_rooms_of_one_host_share_its_ledger():
    fair = ExposureDamping(strength=10.0, k=1)
    hosts = {1: 100, 2: 100, 3: 200}
    assert fair.rank([1, 2, 3], [1.0, 0.99, 0.98], hosts)[0] == 1
    assert fair.rank([1, 2, 3], [1.0, 0.99, 0.98], hosts)[0] == 3  # host 100 had the slot, with either room
    assert fair.ledger.received == {100: pytest.approx(1.0), 200: pytest.approx(1.0)}
    assert math.isclose(fair.ledger.total_received, 2.0)


def test_on_movielens_it_spreads_exposure_at_a_small_cost_in_accuracy(setting, model):
    plain = setting.evaluate(Fair(model, 0.0))
    fair = setting.evaluate(Fair(model, 0.228))
    # A regression guard a little below the target (−25 % Gini at ≤ 5 % loss), which
    # this setting reaches narrowly (25.3 % at 4.7 %) on this seeded run.
    assert fair["ndcg@10"] >= 0.94 * plain["ndcg@10"]
    assert fair["exposure_gini@10"] <= 0.78 * plain["exposure_gini@10"]
    assert fair["coverage@10"] > plain["coverage@10"] and fair["bottom_half_share@10"] > plain["bottom_half_share@10"]
