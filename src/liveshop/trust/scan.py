"""The detectors run on this installation's own graphs (`liveshop trust scan`): follower → host
from the follows, viewer → host from the room joins in the analytics log, over the last days.

Two findings per graph:

- lockstep groups (lockstep.py) — flagged: accounts that followed or entered the same ≥ 3
  hosts within 5 minutes of each other, in groups of ≥ 10;
- the densest block of accounts × (host, hour) (fraudar.py) — reported for review when it holds
  at least `MIN_BLOCK_ACCOUNTS` accounts on at least `MIN_BLOCK_HOSTS` hosts and most of its
  accounts' actions in the window fall inside it (a bought block does little else).

This is evidence for a review, not a verdict: what an admin then does with it (hide follows
from counts, hold payouts) is the review queue's, which is still to come.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np

from liveshop.analytics import events as ev
from liveshop.analytics import service as analytics
from liveshop.core.db import Database
from liveshop.engagement import service as engagement
from liveshop.trust import lockstep
from liveshop.trust.fraudar import peel_in_time

MIN_BLOCK_ACCOUNTS = 10
MIN_BLOCK_HOSTS = 3
MIN_INSIDE_SHARE = 0.5  # of the block's accounts' actions in the window


@dataclass
class Finding:
    graph: str  # "follows" | "joins"
    kind: str  # "lockstep" | "dense_block"
    accounts: list[str]
    hosts: list[int]
    evidence: dict[str, float] = field(default_factory=dict)


def _encode(accounts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    names = sorted(set(accounts))
    index = {a: i for i, a in enumerate(names)}
    return np.array([index[a] for a in accounts], dtype=np.int64), names


def scan_actions(graph: str, accounts: Sequence[str], hosts: Sequence[int], times: Sequence[float]) -> list[Finding]:
    if not accounts:
        return []
    rows, names = _encode(accounts)
    cols = np.asarray(hosts, dtype=np.int64)
    at = np.asarray(times, dtype=float)
    findings = []
    found = lockstep.detect(rows, cols, at)
    for group in found.groups:
        in_group = np.isin(rows, group)
        findings.append(Finding(graph, "lockstep", [names[i] for i in group.tolist()],
                                sorted(set(cols[in_group].tolist())), {"accounts": len(group)}))
    host_ids, local_cols = np.unique(cols, return_inverse=True)
    block = peel_in_time(rows, local_cols, at, len(names), len(host_ids))
    if len(block.rows) >= MIN_BLOCK_ACCOUNTS and len(block.cols) >= MIN_BLOCK_HOSTS:
        mine = np.isin(rows, block.rows)
        inside = mine & np.isin(local_cols, block.cols)
        share = inside.sum() / max(1, mine.sum())
        if share >= MIN_INSIDE_SHARE:
            findings.append(Finding(graph, "dense_block", [names[i] for i in block.rows.tolist()],
                                    sorted(host_ids[block.cols].tolist()),
                                    {"score": round(block.score, 3), "edges": block.edges,
                                     "inside_share": round(float(share), 3)}))
    return findings


async def scan(db: Database, *, now: datetime, days: int = 7) -> list[Finding]:
    since = now - timedelta(days=days)
    follows = await engagement.follow_edges(db, since=since)
    joins = await analytics.actions(db, since=since, kinds=(ev.JOIN,))
    return (scan_actions("follows", [ev.user_viewer(u) for u, _, _ in follows], [s for _, s, _ in follows],
                         [t.timestamp() for _, _, t in follows])
            + scan_actions("joins", [v for v, _, _, _ in joins], [s for _, s, _, _ in joins],
                           [t for _, _, _, t in joins]))
