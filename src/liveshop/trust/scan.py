"""The detectors run on this installation's own data (`liveshop trust scan`):

- follower → host from the follows, viewer → host from the room joins in the analytics log,
  and buyer → (shop, hour) from the paid orders: lockstep groups (lockstep.py) — accounts that
  followed, entered or bought at the same ≥ 3 hosts within 5 minutes of each other, in groups
  of ≥ 10 — and the densest block of accounts × (host, hour) (fraudar.py), reported when it
  holds at least `MIN_BLOCK_ACCOUNTS` accounts on at least `MIN_BLOCK_HOSTS` hosts and most of
  its accounts' actions in the period fall inside it (a bought block does little else);
- the order-brushing rules (brushing.py) on the period's paid orders, the devices seen, and
  every show's conversion against its baseline (the 90 days before the period's end).

This is evidence for a review, not a verdict: `--flag` puts it in the review queue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from liveshop.analytics import events as ev
from liveshop.analytics import service as analytics
from liveshop.analytics import store as analytics_store
from liveshop.core.db import Database
from liveshop.engagement import service as engagement
from liveshop.orders import store as orders_store
from liveshop.trust import brushing, lockstep
from liveshop.trust import store as trust_store
from liveshop.trust.findings import Finding
from liveshop.trust.fraudar import peel_in_time

MIN_BLOCK_ACCOUNTS = 10
MIN_BLOCK_HOSTS = 3
MIN_INSIDE_SHARE = 0.5  # of the block's accounts' actions in the window
BASELINE_DAYS = 90

__all__ = ["Finding", "scan", "scan_actions"]


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


def _paid_order(row: dict) -> brushing.PaidOrder:
    refunded = row["closed_at"].timestamp() if row["status"] == "refunded" and row["closed_at"] else None
    return brushing.PaidOrder(row["id"], row["buyer_id"], row["shop_id"], row["room_id"], row["paid_at"].timestamp(),
                              refunded, row["address_hash"], row["instrument_hash"])


async def _brushing(db: Database, *, since: datetime, until: datetime) -> list[Finding]:
    history_since = until - timedelta(days=BASELINE_DAYS)
    async with db.transaction(write=False) as tx:
        recent = [_paid_order(r) for r in await orders_store.paid_since(tx.conn, since=history_since, until=until)]
        devices = await trust_store.device_accounts(tx.conn, since=since, until=until)
        viewers = await analytics_store.viewers_per_room(tx.conn, since=history_since.timestamp(),
                                                         until=until.timestamp())
    stamp = since.timestamp()
    period = [o for o in recent if o.paid_at >= stamp]
    buyers: dict[int, set[int]] = defaultdict(set)
    shop_of: dict[int, int] = {}
    for o in recent:
        buyers[o.room_id].add(o.buyer)
        shop_of[o.room_id] = o.shop_id
    history = [brushing.ShowFigures(room, shop_of[room], viewers.get(room, (0, 0))[1], len(who))
               for room, who in buyers.items()]
    history += [brushing.ShowFigures(room, shop, n, 0) for room, (shop, n) in viewers.items() if room not in buyers]
    shows = [s for s in history if s.room_id in {o.room_id for o in period} and s.buyers >= brushing.OUTLIER_BUYERS]
    blind: dict[int, set[int]] = {}
    if shows:
        async with db.transaction(write=False) as tx:
            seen = await analytics_store.joined(tx.conn, [s.room_id for s in shows],
                                                [ev.user_viewer(b) for s in shows for b in buyers[s.room_id]])
        blind = {s.room_id: {b for b in buyers[s.room_id] if (s.room_id, ev.user_viewer(b)) not in seen}
                 for s in shows}
    return (brushing.order_rules(period) + brushing.shared_devices(devices)
            + brushing.conversion_outliers(shows, history, blind))


async def scan(db: Database, *, now: datetime, days: int = 7) -> list[Finding]:
    since = now - timedelta(days=days)
    follows = await engagement.follow_edges(db, since=since)
    joins = await analytics.actions(db, since=since, kinds=(ev.JOIN,))
    paid = await analytics.actions(db, since=since, kinds=(ev.PAID,))
    findings = (scan_actions("follows", [ev.user_viewer(u) for u, _, _ in follows], [s for _, s, _ in follows],
                             [t.timestamp() for _, _, t in follows])
                + scan_actions("joins", [v for v, _, _, _ in joins], [s for _, s, _, _ in joins],
                               [t for _, _, _, t in joins])
                + scan_actions("orders", [v for v, _, _, _ in paid], [s for _, s, _, _ in paid],
                               [t for _, _, _, t in paid]))
    for finding in findings:
        if finding.graph == "orders":  # buyers in lockstep or a dense block: the shops' volume is in doubt
            finding.hold_payouts = list(finding.hosts)
    return findings + await _brushing(db, since=since, until=now)
