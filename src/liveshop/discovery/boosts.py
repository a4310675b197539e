"""Paid boosts (traffic packs, 流量包) and splash placements (开屏): the rules.

A boost buys `impressions` sponsored feed slots for a room with `budget_cents`; each delivered
impression costs `budget // impressions` and is billed in the same conditional update that
delivers it, so neither the impressions nor the budget can be overspent, however many feeds
render at once. It delivers only while its room is live, inside its time window, to viewers
its targeting matches, at the pace it asked for:

- `even`: by any moment, at most the bought impressions × the share of the window elapsed (plus
  a 2 % slack so a quiet minute does not starve it) — spread across the show;
- `asap`: as fast as the feed has slots.

Targeting: `segment` (all | followers | new_audience — viewers who do not follow the shop |
lookalike — signed-in viewers whose learned affinity ranks the shop in their top fifth), and
`region` (ISO 3166 country or subdivision prefix; a viewer without a region never matches a
regional boost).

A feed page shows at most `SPONSORED_SHARE` of its items as sponsored, at fixed positions,
labelled. A boosted room the viewer would have seen anyway in the page is shown organically and
not billed.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

SEGMENTS = ("all", "followers", "new_audience", "lookalike")
PACINGS = ("even", "asap")
SPONSORED_SHARE = 0.2
SPONSORED_SLOTS = (1, 6, 11, 16)  # 0-based positions on the live list
EVEN_SLACK = 0.02
LOOKALIKE_SHARE = 0.2


def allowed_by_pace(boost: dict[str, Any], now: datetime) -> int:
    """How many impressions the boost may have delivered by `now`."""
    bought = boost["impressions"]
    if boost["pacing"] == "asap":
        return bought
    span = (boost["ends_at"] - boost["starts_at"]).total_seconds()
    elapsed = (now - boost["starts_at"]).total_seconds()
    share = min(1.0, max(0.0, elapsed / span)) if span > 0 else 1.0
    return min(bought, math.ceil(bought * (share + EVEN_SLACK)))


def sponsored_slots(page_length: int) -> tuple[int, ...]:
    most = int(page_length * SPONSORED_SHARE)
    return tuple(s for s in SPONSORED_SLOTS if s < page_length)[:most]


def region_matches(wanted: str | None, viewer_region: str | None) -> bool:
    if wanted is None:
        return True
    if viewer_region is None:
        return False
    return viewer_region == wanted or viewer_region.startswith(wanted + "-")


def targets(boost: dict[str, Any], *, follows: bool, lookalike: bool, region: str | None) -> bool:
    segment = boost["segment"]
    if segment == "followers" and not follows:
        return False
    if segment == "new_audience" and follows:
        return False
    if segment == "lookalike" and not lookalike:
        return False
    return region_matches(boost["region"], region)


def boost_view(boost: dict[str, Any]) -> dict[str, Any]:
    return {k: boost[k] for k in ("id", "shop_id", "room_id", "impressions", "budget_cents", "price_cents", "currency",
                                  "delivered", "spent_cents", "segment", "region", "starts_at", "ends_at",
                                  "pacing", "status")}


def splash_view(splash: dict[str, Any]) -> dict[str, Any]:
    return {k: splash[k] for k in ("id", "shop_id", "room_id", "headline", "starts_at", "ends_at",
                                   "cap_per_viewer", "shown", "status")}
