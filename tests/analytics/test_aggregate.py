"""The live aggregation's numbers, by their definitions (docs/metrics.md): a hand-computed show,
attribution windows, and invariants over any sequence of events."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from liveshop.analytics.aggregate import Aggregator
from liveshop.analytics.events import Event


def ev(at, kind, viewer, **kw):
    return Event(at=float(at), kind=kind, room=kw.pop("room", 1), shop=kw.pop("shop", 1), viewer=viewer, **kw)


SHOW = [
    ev(0, "join", "u1", source="feed"), ev(30, "join", "u2", source="share"),
    ev(45, "exposure", "u1", listing=7), ev(50, "click", "u1", listing=7),
    ev(55, "order", "u1", listing=7, order=1, amount=10000), ev(70, "paid", "u1", listing=7, order=1, amount=10000),
    ev(75, "leave", "u2"), ev(80, "join", "u3", source="follow"), ev(85, "leave", "u3"),
    ev(90, "comment", "u1"), ev(100, "follow", "u2"), ev(110, "like", "u1", amount=5), ev(120, "leave", "u1"),
]


def test_a_hand_computed_show():
    agg = Aggregator()
    agg.feed(SHOW)
    f = agg.figures(1)
    assert (f["views"], f["unique_viewers"], f["effective_views"], f["pcu"], f["online_viewers"]) == (3, 3, 2, 2, 0)
    assert (f["orders"], f["paid_orders"], f["gmv_cents"], f["paying_buyers"]) == (1, 1, 10000, 1)
    # Viewer-seconds 90 in minute 0, 80 in minute 1, over a show spanning minutes 0–2.
    assert f["acu"] == pytest.approx(170 / 180, abs=1e-3)
    assert f["avg_watch_seconds"] == pytest.approx((120 + 45 + 5) / 3, abs=1e-3)
    assert (f["exposure_click_rate"], f["click_order_rate"]) == (1.0, 1.0)
    assert f["viewer_buyer_conversion"] == pytest.approx(1 / 3, abs=1e-6)
    assert f["gpm_cents"] == pytest.approx(10000 * 1000 / 3, abs=1e-3)
    assert f["product_gpm_cents"] == 10000 * 1000
    assert f["uv_value_cents"] == pytest.approx(10000 / 3, abs=1e-3)
    assert (f["new_followers"], f["likes"], f["refund_rate"]) == (1, 5, 0.0)
    assert f["comments_per_minute"] == pytest.approx(1 / 3, abs=1e-6)
    assert f["traffic_sources"] == {"feed": 1, "follow": 1, "share": 1}
    assert f["top_products"][0] == {"listing_id": 7, "gmv_cents": 10000, "paid_orders": 1, "exposures": 1, "clicks": 1}
    assert [(m["minute"], m["gmv_cents"], m["pcu"]) for m in f["per_minute"]] == [(0, 0, 2), (60, 10000, 2), (120, 0, 1)]


def test_viewers_still_online_count_until_now():
    agg = Aggregator()
    agg.feed([ev(0, "join", "u1"), ev(10, "join", "u2")])
    f = agg.figures(1, now=60)
    assert f["online_viewers"] == 2 and f["avg_watch_seconds"] == pytest.approx((60 + 50) / 2)
    assert f["acu"] == pytest.approx((60 + 50) / 120, abs=1e-3)  # minutes 0 and 1 (now starts minute 1)


def test_attributed_gmv_counts_orders_within_the_window_after_a_visit():
    agg = Aggregator(attribution_days=7)
    day = 86_400
    agg.feed([
        ev(0, "join", "u1", room=1), ev(60, "leave", "u1", room=1),
        ev(2 * day, "join", "u1", room=2), ev(2 * day + 10, "paid", "u1", room=2, amount=500, order=1),
        ev(8 * day, "join", "u1", room=3), ev(8 * day + 10, "paid", "u1", room=3, amount=700, order=2),
        ev(8 * day + 20, "paid", "u9", room=3, amount=100, order=3),  # a buyer who never visited
    ])
    assert agg.figures(1)["attributed_gmv_cents"] == 500  # the second order came 8 days after this visit
    assert agg.figures(2)["attributed_gmv_cents"] == 500 + 700
    assert agg.figures(3)["attributed_gmv_cents"] == 700
    assert (agg.figures(1)["gmv_cents"], agg.figures(3)["gmv_cents"]) == (0, 800)


kinds = st.sampled_from(["join", "leave", "paid", "order", "comment", "exposure", "click", "refund"])


@given(st.lists(st.tuples(st.integers(0, 30), kinds, st.integers(1, 5), st.integers(1, 50_000)), max_size=200))
def test_invariants_over_any_sequence(steps):
    agg = Aggregator()
    at = 0.0
    paid = 0
    for gap, kind, viewer, amount in steps:
        at += gap
        paid += amount if kind == "paid" else 0
        agg.add(ev(at, kind, f"u{viewer}", listing=viewer, amount=amount, order=viewer))
    f = agg.figures(1)
    assert 0 <= f["online_viewers"] <= f["pcu"]
    assert f["effective_views"] <= f["views"] and f["unique_viewers"] <= f["views"]
    assert f["acu"] <= f["pcu"] + 1e-9
    assert f["gmv_cents"] == paid == sum(m["gmv_cents"] for m in f["per_minute"])
    assert all(m["pcu"] <= f["pcu"] for m in f["per_minute"])
    assert f["paying_buyers"] <= f["paid_orders"]
    replay = Aggregator()
    at = 0.0
    for gap, kind, viewer, amount in steps:
        at += gap
        replay.add(ev(at, kind, f"u{viewer}", listing=viewer, amount=amount, order=viewer))
    assert replay.figures(1) == f  # the same events give the same numbers


def test_looking_at_the_numbers_never_changes_them():
    """The big screen reads figures every second; a fold that was read must still equal one
    that was not (the report recomputes without those reads), also when a late event arrives."""
    events = [Event(0, "join", 1, 1, "u1"), Event(30, "join", 1, 1, "u2"), Event(100, "leave", 1, 1, "u1"),
              Event(95, "join", 1, 1, "u3"),  # written late by another node: earlier `at`, later in the log
              Event(200, "leave", 1, 1, "u2")]
    read, unread = Aggregator(), Aggregator()
    for event in events:
        read.add(event)
        read.figures(1, now=event.at + 50)
        unread.add(event)
    assert read.figures(1, now=300) == unread.figures(1, now=300)
