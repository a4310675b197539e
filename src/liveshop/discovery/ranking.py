"""The feed's ranking of one viewer's candidates: a documented, configurable blend.

    score = affinity · z(ALS viewer × room score)
          + freshness · exp(−minutes live / FRESH_MINUTES)       (a show that just started)
          + engagement · z(log(1 + viewers online))              (the room is lively now)
          + conversion · (buyers + 1) / (viewers + 20)            (smoothed: viewers become buyers)
          − fairness · log(1 + attention the host already received)   (amortised exposure, fairness.py)

z(·) standardises within the request (mean 0, standard deviation 1), so the weights compare
signals, not their units. The served feed adds `follow` for hosts the viewer follows and
subtracts a penalty for rooms whose traffic-pool quota is spent (pools.py). The weights live in
`BlendWeights`; an installation changes them with `LIVESHOP_FEED_WEIGHTS` (JSON, e.g.
`{"conversion": 3.0, "fairness": 0.3}`; names not given keep their defaults). Everything is vectorised: ranking 1,000
candidates is a handful of numpy operations (`liveshop bench feed`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

FRESH_MINUTES = 30.0
PRIOR_VIEWERS = 20.0  # conversion's smoothing: a room with few viewers is not ranked on luck


@dataclass(frozen=True)
class BlendWeights:
    affinity: float = 1.0
    freshness: float = 0.3
    engagement: float = 0.3
    conversion: float = 2.0
    fairness: float = 0.228
    follow: float = 1.0  # served feed only: a host the viewer follows (not in the MovieLens evaluation)


@dataclass
class Candidates:
    """One request's candidate rooms, as parallel arrays."""

    rooms: np.ndarray  # int64 room ids
    affinity: np.ndarray  # ALS scores for this viewer (0 where unknown)
    minutes_live: np.ndarray
    viewers_online: np.ndarray
    buyers: np.ndarray  # paying buyers so far in the show
    unique_viewers: np.ndarray
    received: np.ndarray  # attention each room's host already received (fairness ledger)


def _z(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread > 0 else np.zeros_like(values, dtype=float)


def blend(c: Candidates, weights: BlendWeights) -> np.ndarray:
    return (weights.affinity * _z(c.affinity)
            + weights.freshness * np.exp(-c.minutes_live / FRESH_MINUTES)
            + weights.engagement * _z(np.log1p(c.viewers_online))
            + weights.conversion * (c.buyers + 1.0) / (c.unique_viewers + PRIOR_VIEWERS)
            - weights.fairness * np.log1p(c.received))


def rank(c: Candidates, weights: BlendWeights, k: int = 20) -> np.ndarray:
    """The top k room ids, best first (ties: lower room id first)."""
    k = min(k, len(c.rooms))
    if k == 0:
        return c.rooms[:0]
    scores = blend(c, weights)
    top = np.argpartition(-scores, k - 1)[:k]
    order = np.lexsort((c.rooms[top], -scores[top]))
    return c.rooms[top[order]]
