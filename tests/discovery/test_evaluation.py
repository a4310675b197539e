"""The evaluation harness: feed requests see only live rooms, and the popularity baseline is
measured on the real log with its numbers in a sane range."""

from __future__ import annotations

from liveshop.discovery.evaluation import Learned, Popularity, feed_requests
from liveshop.discovery.movielens import Interaction
from liveshop.discovery.simulation import Schedule, hour_of_week, weekly_schedule


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


def test_popularity_on_movielens(setting):
    assert len(setting.requests) > 400
    result = setting.evaluate(Popularity(setting.train))
    assert 0.02 < result["ndcg@10"] < 0.5
    assert result["exposure_gini@10"] > 0.8  # popularity piles exposure on a few hosts
    assert result["bottom_half_share@10"] < 0.05


def test_the_learned_affinity_beats_popularity_and_reaches_far_more_of_the_catalogue(setting, model):
    baseline = setting.evaluate(Popularity(setting.train))
    learned = setting.evaluate(Learned(model))
    assert learned["ndcg@10"] >= 1.2 * baseline["ndcg@10"]  # the target
    assert learned["coverage@10"] >= 0.40
    assert learned["exposure_gini@10"] < baseline["exposure_gini@10"]


def test_liveshop_eval_feed_prints_every_ranker_and_the_targets_and_draws_the_chart(rows, tmp_path):
    from typer.testing import CliRunner

    from liveshop.cli import app

    chart = tmp_path / "feed.png"
    result = CliRunner().invoke(app, ["eval", "feed", "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    for name in ("popularity", "personalised", "fair"):
        assert name in result.output
    assert result.output.count("met ") == 4 and "missed" not in result.output
    assert chart.read_bytes().startswith(b"\x89PNG")
    missing = CliRunner().invoke(app, ["eval", "feed", "--data", str(tmp_path / "none.inter")])
    assert missing.exit_code == 2 and "missing" in missing.output
