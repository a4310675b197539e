"""The evaluation harness: feed requests see only live rooms, and the popularity baseline is
measured on the real log with its numbers in a sane range."""

from __future__ import annotations

from collections import Counter

import pytest

from liveshop.discovery import movielens
from liveshop.discovery.evaluation import Popularity, evaluate, feed_requests
from liveshop.discovery.movielens import Interaction
from liveshop.discovery.simulation import Schedule, hour_of_week, weekly_schedule
from tests.conftest import IN_CI


def test_a_request_ranks_only_rooms_live_then_that_the_viewer_has_not_seen():
    monday_10 = 4 * 86_400 + 10 * 3600  # 1970-01-05 was a Monday
    assert hour_of_week(monday_10) == 10
    schedule = Schedule({1: frozenset({10}), 2: frozenset({10, 11}), 3: frozenset({11}), 4: frozenset({10})})
    train = [Interaction(7, 1, 0)]
    test = [Interaction(7, 2, monday_10), Interaction(7, 3, monday_10 + 60)]
    (request,) = feed_requests(train, test, schedule)
    assert request.candidates == [2, 4]  # 1 was seen in training, 3 is not live at 10:00
    assert request.relevant == {2}  # room 3 is relevant but not live: it cannot be shown


def test_the_schedule_is_seeded_and_every_room_streams_some_hours():
    a, b = weekly_schedule(list(range(50)), seed=3), weekly_schedule(list(range(50)), seed=3)
    assert a == b
    assert all(4 <= len(hours) <= 48 for hours in a.live_hours.values())


def test_popularity_on_movielens():
    if not movielens.DEFAULT_PATH.exists():
        if IN_CI:
            pytest.fail(f"make {movielens.DEFAULT_PATH}")
        pytest.skip(f"{movielens.DEFAULT_PATH} is missing")
    rows = movielens.load()
    train, test = movielens.split_per_viewer(rows)
    catalogue = sorted({r.room for r in rows})
    requests = feed_requests(train, test, weekly_schedule(catalogue))
    assert len(requests) > 400
    result = evaluate(Popularity(train), requests, catalogue=catalogue, popularity=Counter(r.room for r in train))
    assert 0.02 < result["ndcg@10"] < 0.5
    assert result["exposure_gini@10"] > 0.8  # popularity piles exposure on a few hosts
    assert result["bottom_half_share@10"] < 0.05


def test_the_learned_affinity_beats_popularity_and_reaches_far_more_of_the_catalogue():
    from liveshop.discovery.affinity import train as fit

    if not movielens.DEFAULT_PATH.exists():
        if IN_CI:
            pytest.fail(f"make {movielens.DEFAULT_PATH}")
        pytest.skip(f"{movielens.DEFAULT_PATH} is missing")
    rows = movielens.load()
    train, test = movielens.split_per_viewer(rows)
    catalogue = sorted({r.room for r in rows})
    requests = feed_requests(train, test, weekly_schedule(catalogue))
    popularity = Counter(r.room for r in train)
    model = fit((r.viewer, r.room) for r in train)

    class Learned:
        name = "als"

        def rank(self, viewer, candidates, k):
            scores = model.scores(viewer, candidates)
            order = sorted(range(len(candidates)), key=lambda i: (-scores[i], candidates[i]))
            return [candidates[i] for i in order[:k]]

    baseline = evaluate(Popularity(train), requests, catalogue=catalogue, popularity=popularity)
    learned = evaluate(Learned(), requests, catalogue=catalogue, popularity=popularity)
    assert learned["ndcg@10"] >= 1.2 * baseline["ndcg@10"]  # the target
    assert learned["coverage@10"] >= 0.40
    assert learned["exposure_gini@10"] < baseline["exposure_gini@10"]


def test_liveshop_eval_feed_prints_every_ranker_and_the_targets_and_draws_the_chart(tmp_path):
    from typer.testing import CliRunner

    from liveshop.cli import app

    if not movielens.DEFAULT_PATH.exists():
        if IN_CI:
            pytest.fail(f"make {movielens.DEFAULT_PATH}")
        pytest.skip(f"{movielens.DEFAULT_PATH} is missing")
    chart = tmp_path / "feed.png"
    result = CliRunner().invoke(app, ["eval", "feed", "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    for name in ("popularity", "personalised", "fair"):
        assert name in result.output
    assert result.output.count("met ") == 4 and "missed" not in result.output
    assert chart.read_bytes().startswith(b"\x89PNG")
    missing = CliRunner().invoke(app, ["eval", "feed", "--data", str(tmp_path / "none.inter")])
    assert missing.exit_code == 2 and "missing" in missing.output
