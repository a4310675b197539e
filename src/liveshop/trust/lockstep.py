"""Lockstep detection (in the spirit of CopyCatch, Beutel et al. WWW 2013, and SynchroTrap, Cao
et al. CCS 2014): groups of accounts that follow or enter the same rooms within the same short
windows, again and again.

Two accounts are *in sync* on a target when they acted on it within `window` seconds of each
other (found in fixed buckets of `window` and in buckets shifted by half a window, so a pair
straddling a bucket edge is not missed). A pair in sync on at least `min_targets` distinct
targets is an edge of the sync graph; an account whose sync-graph neighbours number at least
`min_group − 1` inside a connected group of at least `min_group` accounts is flagged.

Targets are hosts (shops), not single shows: a host's regulars who turn up within minutes of
every weekly show's start are in sync on one target however many shows they attend, while bots
hired to make several hosts look popular cross hosts together.

Why an organic burst is not flagged: thousands of genuine viewers entering a show that just
went live are in sync on that one room, not on three different rooms at three different
times. Buckets holding more than `crowd` accounts are such bursts and make no pairs at all
(which also bounds the work: a bucket of s accounts makes s(s−1)/2 pairs). The limit, said
plainly: a bot group acting only inside crowds of more than `crowd` real viewers is not seen
here; the dense-block detector and the order rules look at it from other sides.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


@dataclass(frozen=True)
class Lockstep:
    accounts: np.ndarray  # flagged account ids
    groups: list[np.ndarray]  # each flagged group's accounts
    pairs: int  # pairs in sync on enough targets


def _pairs_in_buckets(accounts: np.ndarray, targets: np.ndarray, buckets: np.ndarray,
                      crowd: int) -> np.ndarray:
    """(account a, account b, target) for every two accounts in the same (target, bucket),
    a < b, as one int64 key per triple — skipping crowds."""
    order = np.lexsort((accounts, buckets, targets))
    a, t, b = accounts[order], targets[order], buckets[order]
    boundary = np.ones(len(a), dtype=bool)
    boundary[1:] = (t[1:] != t[:-1]) | (b[1:] != b[:-1])
    starts = np.flatnonzero(boundary)
    sizes = np.diff(np.append(starts, len(a)))
    # A crowd is judged with its neighbouring buckets: the thin edge of a burst is still a burst.
    keys = t[starts] * (int(b.max()) + 3) + b[starts] + 1
    around = sizes.copy()
    for step in (-1, 1):
        at = np.searchsorted(keys, keys + step)
        found = (at < len(keys)) & (keys[np.minimum(at, len(keys) - 1)] == keys + step)
        around[found] += sizes[at[found]]
    keep = (sizes >= 2) & (around <= crowd)
    chunks = []
    # Buckets of the same size together: one fancy-indexing step per size, not a loop per bucket.
    for size in np.unique(sizes[keep]).tolist():
        first = starts[keep & (sizes == size)]
        members = a[first[:, None] + np.arange(size)]  # sorted within each bucket
        i, j = np.triu_indices(size, k=1)
        left, right = members[:, i].ravel(), members[:, j].ravel()
        target = np.repeat(t[first], len(i))
        distinct = left < right  # an account twice in a bucket is not a pair with itself
        chunks.append(np.stack([left[distinct], right[distinct], target[distinct]], axis=1))
    return np.concatenate(chunks) if chunks else np.empty((0, 3), dtype=np.int64)


def detect(accounts: np.ndarray, targets: np.ndarray, times: np.ndarray, *, window: float = 300.0,
           min_targets: int = 3, min_group: int = 10, crowd: int = 300) -> Lockstep:
    accounts = np.asarray(accounts, dtype=np.int64)
    targets = np.asarray(targets, dtype=np.int64)
    times = np.asarray(times, dtype=float)
    if len(accounts) == 0:
        return Lockstep(np.empty(0, np.int64), [], 0)
    start = times.min()
    triples = [_pairs_in_buckets(accounts, targets, np.floor((times - start) / window + shift).astype(np.int64),
                                 crowd) for shift in (0.0, 0.5)]
    triples = np.unique(np.concatenate(triples), axis=0)  # a pair counts a target once
    if len(triples) == 0:
        return Lockstep(np.empty(0, np.int64), [], 0)
    pair_keys, counts = np.unique(triples[:, :2], axis=0, return_counts=True)
    synced = pair_keys[counts >= min_targets]
    if len(synced) == 0:
        return Lockstep(np.empty(0, np.int64), [], 0)
    ids, local = np.unique(synced, return_inverse=True)
    local = local.reshape(-1, 2)
    n = len(ids)
    graph = coo_matrix((np.ones(len(local)), (local[:, 0], local[:, 1])), shape=(n, n)).tocsr()
    graph = graph + graph.T
    degree = np.asarray((graph > 0).sum(axis=1)).ravel()
    # Only accounts in sync with enough others: a chain of coincidences is not a group.
    strong = degree >= min_group - 1
    sub = graph[strong][:, strong]
    _, labels = connected_components(sub, directed=False)
    members = ids[strong]
    groups = [members[labels == g] for g in np.unique(labels)]
    groups = [g for g in groups if len(g) >= min_group]
    flagged = np.unique(np.concatenate(groups)) if groups else np.empty(0, np.int64)
    return Lockstep(flagged, groups, len(synced))
