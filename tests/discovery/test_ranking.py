"""The feed's blend: each signal moves a room the way its documentation says."""

from __future__ import annotations

import numpy as np

from liveshop.discovery.ranking import BlendWeights, Candidates, rank


def candidates(n: int = 3, **overrides) -> Candidates:
    base = {"rooms": np.arange(1, n + 1), "affinity": np.zeros(n), "minutes_live": np.full(n, 60.0),
            "viewers_online": np.full(n, 100.0), "buyers": np.zeros(n), "unique_viewers": np.full(n, 100.0),
            "received": np.zeros(n)}
    base.update({k: np.asarray(v, dtype=float if k != "rooms" else np.int64) for k, v in overrides.items()})
    return Candidates(**base)


def test_each_signal_lifts_its_room():
    w = BlendWeights()
    assert rank(candidates(affinity=[0.1, 0.9, 0.5]), w).tolist() == [2, 3, 1]
    assert rank(candidates(minutes_live=[90, 2, 60]), w)[0] == 2  # a show that just started
    assert rank(candidates(viewers_online=[10, 10, 5000]), w)[0] == 3  # lively now
    assert rank(candidates(buyers=[0, 30, 0]), w)[0] == 2  # viewers there become buyers
    assert rank(candidates(received=[0, 50, 50]), w)[0] == 1  # its host had the least attention


def test_conversion_is_smoothed_so_a_tiny_room_does_not_win_on_luck():
    w = BlendWeights(affinity=0, freshness=0, engagement=0, fairness=0)
    lucky = candidates(2, buyers=[1, 40], unique_viewers=[1, 100])
    assert rank(lucky, w).tolist() == [2, 1]  # 1 of 1 (smoothed ≈ 0.10) < 40 of 100 (≈ 0.34)


def test_weights_switch_signals_off_ties_go_to_the_lower_id_and_k_is_capped():
    off = BlendWeights(affinity=0, freshness=0, engagement=0, conversion=0, fairness=0)
    assert rank(candidates(5, affinity=[5, 4, 3, 2, 1]), off, k=3).tolist() == [1, 2, 3]
    assert rank(candidates(2), BlendWeights(), k=10).tolist() == [1, 2]
    assert rank(candidates(0), BlendWeights()).tolist() == []
