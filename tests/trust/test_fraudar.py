"""Greedy peeling finds planted dense blocks, also when their accounts camouflage."""

from __future__ import annotations

import numpy as np
import pytest

from liveshop.trust.fraudar import blocks, peel, peel_in_time
from liveshop.trust.injection import CAMOUFLAGES, Graph, dedupe, f1, inject, power_law


def sparse_graph(n_rows=3_000, n_cols=2_000, edges=15_000, seed=1) -> Graph:
    rng = np.random.default_rng(seed)
    rows, cols, times = dedupe(rng.integers(0, n_rows, edges), rng.integers(0, n_cols, edges),
                               rng.uniform(0, 30 * 86_400, edges), n_cols)
    return Graph(rows, cols, times, n_rows, n_cols)


@pytest.mark.parametrize("camouflage", CAMOUFLAGES)
def test_a_planted_block_is_found_whatever_its_camouflage(camouflage):
    injected = inject(sparse_graph(), density=0.3, camouflage=camouflage, size=(60, 60), seed=3)
    g = injected.graph
    block = peel(g.rows, g.cols, g.n_rows, g.n_cols)
    precision, recall, score = f1(block.rows, injected.fraud_rows)
    assert score >= 0.95, (camouflage, precision, recall, len(block.rows))
    assert len(np.intersect1d(block.cols, injected.fraud_cols)) >= 0.95 * 60


def test_two_blocks_are_found_one_after_the_other():
    first = inject(sparse_graph(), density=0.5, camouflage="none", size=(40, 40), seed=4)
    second = inject(first.graph, density=0.3, camouflage="none", size=(40, 40), seed=5)
    g = second.graph
    found = blocks(g.rows, g.cols, g.n_rows, g.n_cols, count=2)
    assert len(found) == 2 and found[0].score >= found[1].score
    assert f1(found[0].rows, first.fraud_rows)[2] >= 0.95
    assert f1(found[1].rows, second.fraud_rows)[2] >= 0.95


def test_peeling_a_graph_without_structure_finds_nothing_dense():
    g = sparse_graph()
    block = peel(g.rows, g.cols, g.n_rows, g.n_cols)
    planted = inject(g, density=0.3, camouflage="none", size=(60, 60), seed=3).graph
    assert block.score < 0.5 * peel(planted.rows, planted.cols, planted.n_rows, planted.n_cols).score
    assert peel(np.array([], int), np.array([], int), 5, 5).edges == 0
    assert peel(np.array([0]), np.array([1]), 5, 5).rows.tolist() == [0]


def test_injection_and_scoring():
    g = sparse_graph()
    for camouflage in CAMOUFLAGES:
        injected = inject(g, density=0.1, camouflage=camouflage, size=(50, 40), seed=9)
        assert len(injected.fraud_rows) == 50 and len(injected.fraud_cols) == 40
        added = injected.graph.edges - g.edges
        assert added > 0.5 * 0.1 * 50 * 40
        if camouflage == "hijacked":
            assert injected.graph.n_rows == g.n_rows and injected.fraud_rows.max() < g.n_rows
        else:
            assert injected.graph.n_rows == g.n_rows + 50
    assert f1(np.array([1, 2, 3, 4]), np.array([3, 4, 5, 6])) == (0.5, 0.5, 0.5)
    assert f1(np.array([], int), np.array([1])) == (0.0, 0.0, 0.0)
    synthetic = power_law(edges=20_000, n_rows=5_000, n_cols=1_000, seed=2)
    assert synthetic.edges == 20_000
    assert len(set(zip(synthetic.rows.tolist(), synthetic.cols.tolist(), strict=True))) == 20_000
    assert 0 <= synthetic.times.min() and synthetic.times.max() <= 30 * 86_400


def test_dedupe_keeps_each_edge_once_at_its_first_time():
    rows, cols, times = dedupe(np.array([1, 1, 2, 1]), np.array([3, 3, 3, 4]), np.array([50.0, 10.0, 7.0, 5.0]), 10)
    assert list(zip(rows.tolist(), cols.tolist(), times.tolist(), strict=True)) == [
        (1, 3, 10.0), (1, 4, 5.0), (2, 3, 7.0)]


def test_a_bought_block_that_arrives_within_the_hour_stands_out_in_time():
    """Heavy accounts all following the famous hosts make an organic core denser than a sparse
    bought block; split by hour, the organic edges thin out and the block is what remains dense."""
    g = power_law(edges=100_000, n_rows=20_000, n_cols=5_000, seed=3)
    injected = inject(g, density=0.08, camouflage="biased", size=(100, 100), seed=4)
    h = injected.graph
    assert f1(peel(h.rows, h.cols, h.n_rows, h.n_cols).rows, injected.fraud_rows)[2] == 0.0
    block = peel_in_time(h.rows, h.cols, h.times, h.n_rows, h.n_cols, bucket_seconds=3600)
    assert f1(block.rows, injected.fraud_rows)[2] >= 0.9
    assert len(np.intersect1d(block.cols, injected.fraud_cols)) >= 90  # its targets, not (target, hour)s


def test_repeated_visits_within_the_hour_are_one_edge():
    from liveshop.trust.fraudar import bucketed

    rows, cols, n, target = bucketed(np.array([1, 1, 1, 2]), np.array([5, 5, 5, 5]),
                                     np.array([10.0, 20.0, 4000.0, 30.0]), 10, 3600.0)
    assert sorted(zip(rows.tolist(), target[cols].tolist(), strict=True)) == [(1, 5), (1, 5), (2, 5)]
    assert n == 2  # (5, first hour) and (5, second hour)
