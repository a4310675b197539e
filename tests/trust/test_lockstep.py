"""Lockstep: accounts that enter the same hosts' rooms within minutes of each other, again and
again, are a group; crowds, friends and regulars are not."""

from __future__ import annotations

import numpy as np

from liveshop.trust.lockstep import detect

HOUR = 3600.0


def actions(*parts):
    accounts, targets, times = zip(*parts, strict=True)
    return np.concatenate(accounts), np.concatenate(targets), np.concatenate(times)


def visit(accounts, target, at, spread=60.0, seed=0):
    rng = np.random.default_rng(seed + target)
    accounts = np.asarray(accounts)
    return accounts, np.full(len(accounts), target), at + rng.uniform(0, spread, len(accounts))


def test_a_group_in_step_across_three_hosts_is_flagged():
    bots = np.arange(100, 112)
    found = detect(*actions(visit(bots, 1, 1 * HOUR), visit(bots, 2, 5 * HOUR), visit(bots, 3, 9 * HOUR)))
    assert sorted(found.accounts.tolist()) == bots.tolist() and len(found.groups) == 1


def test_two_hosts_are_not_enough_and_a_small_circle_of_friends_is_not_a_group():
    bots = np.arange(100, 112)
    assert len(detect(*actions(visit(bots, 1, HOUR), visit(bots, 2, 5 * HOUR))).accounts) == 0
    friends = np.arange(5)
    parts = [visit(friends, host, host * HOUR) for host in range(1, 6)]
    assert len(detect(*actions(*parts)).accounts) == 0


def test_an_organic_burst_is_not_flagged_even_where_it_thins_out():
    rng = np.random.default_rng(3)
    parts = []
    for host in range(1, 6):  # five popular shows go live; each draws 2,000 viewers over ten minutes
        crowd = rng.choice(50_000, 2_000, replace=False)
        parts.append(visit(crowd, host, host * HOUR, spread=600.0))
    assert len(detect(*actions(*parts)).accounts) == 0


def test_a_pair_straddling_a_bucket_edge_is_still_in_step():
    bots = np.arange(12)
    parts = []
    for host in range(1, 4):
        at = host * HOUR + 299.0  # half of them just before a 5-minute edge, half just after
        parts.append((bots, np.full(12, host), at + np.where(bots % 2 == 0, 0.0, 2.0)))
    assert len(detect(*actions(*parts)).accounts) == 12


def test_acting_hours_apart_is_not_in_step():
    bots = np.arange(12)
    parts = [(bots, np.full(12, host), host * 10 * HOUR + bots * 1800.0) for host in range(1, 5)]
    assert len(detect(*actions(*parts)).accounts) == 0
    assert len(detect(np.array([], int), np.array([], int), np.array([])).accounts) == 0
