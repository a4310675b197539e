"""Shop diagnostics (店铺诊断): a shop's numbers over the last days against comparable shops on
the same installation, with concrete suggestions from written rules.

Comparable shops are those whose audience (views in the window) is within a factor of
`SIZE_FACTOR` of the shop's; with fewer than `MIN_PEERS` of those, all shops with shows in the
window. The numbers come from the node's live fold of the event log (its window is the last
`ATTRIBUTION_DAYS` days), so a diagnosis reads nothing but memory.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from statistics import median
from typing import Any

from liveshop.analytics.aggregate import Aggregator

SIZE_FACTOR = 5
MIN_PEERS = 5
LOW_PERCENTILE = 40  # below this, the number is weak against peers and earns a suggestion
HIGH_REFUND_RATE = 0.10  # above this a refund rate is a problem, whatever the peers do


@dataclass(frozen=True)
class Metric:
    key: str
    higher_is_better: bool
    suggestion: str


METRICS = (
    Metric("viewer_buyer_conversion", True, "conversion"),
    Metric("gpm_cents", True, "gpm"),
    Metric("avg_watch_seconds", True, "watch"),
    Metric("refund_rate", False, "refund"),
    Metric("exposure_click_rate", True, "exposure"),
)


def shop_numbers(aggregator: Aggregator) -> dict[int, dict[str, float | None]]:
    """Per shop, the diagnosed numbers over every room the fold holds."""
    sums: dict[int, dict[str, float]] = {}
    for room in aggregator.rooms.values():
        s = sums.setdefault(room.shop, dict.fromkeys(
            ("views", "viewers", "buyers", "gmv", "watch", "sessions", "refunds", "paid", "exposures", "clicks"), 0.0))
        s["views"] += room.views
        s["viewers"] += len(room.viewers)
        s["buyers"] += len(room.buyers)
        s["gmv"] += room.gmv
        s["watch"] += room.watch_seconds
        s["sessions"] += room.finished_sessions
        s["refunds"] += room.refunds
        s["paid"] += room.paid_orders
        s["exposures"] += room.exposures
        s["clicks"] += room.clicks

    def ratio(part: float, whole: float, scale: float = 1.0) -> float | None:
        return scale * part / whole if whole else None

    return {shop: {
        "views": s["views"],
        "viewer_buyer_conversion": ratio(s["buyers"], s["viewers"]),
        "gpm_cents": ratio(s["gmv"], s["views"], 1000),
        "avg_watch_seconds": ratio(s["watch"], s["sessions"]),
        "refund_rate": ratio(s["refunds"], s["paid"]),
        "exposure_click_rate": ratio(s["clicks"], s["exposures"]),
    } for shop, s in sums.items() if shop and s["views"]}


def percentile(value: float, others: list[float], *, higher_is_better: bool) -> float:
    """The share of peers (in percent) this value does at least as well as; ties count half."""
    ordered = sorted(others)
    below, upto = bisect_left(ordered, value), bisect_right(ordered, value)
    worse = below if higher_is_better else len(ordered) - upto
    return round(100 * (worse + (upto - below) / 2) / len(ordered), 1)


def diagnose(numbers: dict[int, dict[str, float | None]], shop_id: int, messages: dict[str, str]) -> dict[str, Any]:
    mine = numbers.get(shop_id)
    if mine is None:
        return {"shop_id": shop_id, "peers": 0, "peer_rule": None, "metrics": [],
                "suggestions": [{"code": "no_data", "message": messages["no_data"]}]}
    views = mine["views"] or 0
    sized = [s for s, n in numbers.items() if s != shop_id and views / SIZE_FACTOR <= (n["views"] or 0) <= views * SIZE_FACTOR]
    rule = f"audience within {SIZE_FACTOR}x"
    if len(sized) < MIN_PEERS:
        sized, rule = [s for s in numbers if s != shop_id], "all shops with shows"
    rows, suggestions = [], []
    for metric in METRICS:
        value = mine[metric.key]
        others = [v for s in sized if (v := numbers[s][metric.key]) is not None]
        row: dict[str, Any] = {"metric": metric.key, "value": value, "higher_is_better": metric.higher_is_better,
                               "peer_median": median(others) if others else None, "percentile": None}
        if value is not None and others:
            row["percentile"] = percentile(value, others, higher_is_better=metric.higher_is_better)
        rows.append(row)
        weak = row["percentile"] is not None and row["percentile"] < LOW_PERCENTILE
        if metric.key == "refund_rate" and value is not None and value > HIGH_REFUND_RATE:
            weak = True
        if weak:
            suggestions.append({"code": metric.suggestion, "metric": metric.key,
                                "message": messages[f"sug_{metric.suggestion}"]})
    if not suggestions and sized:
        suggestions.append({"code": "ok", "message": messages["sug_ok"]})
    if len(sized) < MIN_PEERS:
        suggestions.append({"code": "few_peers", "message": messages["sug_few_peers"]})
    return {"shop_id": shop_id, "peers": len(sized), "peer_rule": rule, "metrics": rows, "suggestions": suggestions}
