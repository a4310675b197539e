"""`liveshop eval fraud` on the real graph: the injected blocks are found under every camouflage."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from liveshop.cli import app
from liveshop.discovery import movielens
from liveshop.trust import evaluation
from liveshop.trust.injection import CAMOUFLAGES
from tests.conftest import IN_CI


@pytest.fixture(scope="module")
def movielens_graph():
    if not movielens.DEFAULT_PATH.exists():
        message = f"{movielens.DEFAULT_PATH} is missing: make {movielens.DEFAULT_PATH}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return evaluation.movielens_graph(movielens.DEFAULT_PATH)


def test_blocks_injected_into_movielens_are_found_under_every_camouflage(movielens_graph):
    assert (movielens_graph.n_rows, movielens_graph.n_cols, movielens_graph.edges) == (943, 1682, 100_000)
    cases = evaluation.run({"MovieLens-100K": movielens_graph}, densities=(0.1, 0.2))
    assert {c.camouflage for c in cases} == set(CAMOUFLAGES) and len(cases) == 8
    for case in cases:
        assert case.f1 >= 0.9, case
    verdicts = evaluation.checks(cases)
    assert all(ok for _, _, ok in verdicts.values())


def test_bot_groups_are_found_and_organic_bursts_are_not(movielens_graph):
    case = evaluation.lockstep_case("MovieLens-100K", movielens_graph)
    assert case.groups == 10 and case.precision >= 0.99 and case.recall >= 0.8
    assert case.burst_false_positives <= 0.01
    assert all(ok for _, _, ok in evaluation.lockstep_checks([case]).values())


def test_checks_judge_only_densities_from_0_1():
    def case(density, f1, seconds=1.0):
        return evaluation.Case("g", "none", density, f1, f1, f1, seconds, 1_000_000)

    assert evaluation.checks([case(0.05, 0.2), case(0.1, 0.95)])["worst account F1 at density ≥ 0.1"][2]
    assert not evaluation.checks([case(0.1, 0.85)])["worst account F1 at density ≥ 0.1"][2]
    assert not evaluation.checks([case(0.1, 0.95, seconds=12.0)])["slowest seconds per 1M edges"][2]


def test_liveshop_eval_fraud_prints_every_case_and_the_targets_and_draws_the_chart(movielens_graph, tmp_path):
    chart = tmp_path / "fraud.png"
    result = CliRunner().invoke(app, ["eval", "fraud", "--edges", "100000", "--chart", str(chart)])
    assert result.exit_code == 0, result.output
    for camouflage in CAMOUFLAGES:
        assert camouflage in result.output
    assert result.output.count("met ") == 5 and "missed" not in result.output
    assert "lockstep detection" in result.output
    assert chart.read_bytes().startswith(b"\x89PNG")
    missing = CliRunner().invoke(app, ["eval", "fraud", "--data", str(tmp_path / "none.inter")])
    assert missing.exit_code == 2 and "missing" in missing.output
