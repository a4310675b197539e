"""Seeded randomized stress with small numbers (liveshop/bench/stress.py; the benchmark runs
longer ones): heavy oversubscription, concurrent retries reusing keys, payments and
cancellations, late payments racing the expiry sweep. Whatever happens: never oversold,
nothing acknowledged lost, at most one order per key, unsold stock buyable again."""

import random

import pytest

from liveshop.bench.stress import stress_round


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_randomized_flash_sale(services, clock, seed):
    outcome = await stress_round(services, clock, random.Random(seed))
    assert outcome.orders > 0, "the sale made no orders at all"
    assert outcome.oversold == 0 and outcome.sold <= outcome.stock
    assert outcome.keys_with_two_orders == 0  # one order per key, however often sent
    assert outcome.violations == []  # liveshop check: every acknowledged order exists, limits held
    assert outcome.rebuy_ok
