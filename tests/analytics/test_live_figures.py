"""Every node's fold of the log: it follows the log in id order and waits for ids that are not
yet visible (a batch of another node still committing) before giving them up."""

from __future__ import annotations

import asyncio

from sqlalchemy import insert

from liveshop.analytics import store
from liveshop.analytics.events import Event
from liveshop.analytics.live import LiveFigures


async def write(services, *rows: tuple[int, Event]) -> None:
    async with services.db.transaction() as tx:
        await tx.conn.execute(insert(store.events), [{"id": i, **store._row(e)} for i, e in rows])


async def test_the_fold_waits_for_a_missing_id_then_gives_it_up(services, clock):
    at = clock.now().timestamp()
    live = LiveFigures(services.db, clock, gap_hold_seconds=0.3)
    await live.catch_up()
    start = live.start_id
    join = Event(at, "join", 7, 1, "u1")
    await write(services, (start, join), (start + 2, Event(at + 1, "join", 7, 1, "u2")))
    assert await live.catch_up() == 1  # id start+1 is missing: wait for it
    assert live.aggregator.figures(7, now=at + 2)["views"] == 1
    await write(services, (start + 1, Event(at + 0.5, "join", 7, 1, "u3")))  # it commits after all
    assert await live.catch_up() == 2
    assert live.aggregator.figures(7, now=at + 2)["views"] == 3
    await write(services, (start + 4, Event(at + 2, "join", 7, 1, "u4")))  # start+3 never commits (rolled back)
    assert await live.catch_up() == 0
    await asyncio.sleep(0.35)
    assert await live.catch_up() == 1
    assert live.aggregator.figures(7, now=at + 3)["views"] == 4


async def test_a_room_older_than_the_window_is_recomputed_from_the_log(services, clock):
    at = clock.now().timestamp()
    old = Event(at - 10 * 86_400, "join", 9, 1, "u1")  # ten days ago: before this node's window
    await write(services, (1, old), (2, Event(at, "join", 9, 1, "u2")), (3, Event(at, "join", 8, 1, "u3")))
    live = LiveFigures(services.db, clock)
    await live.catch_up()
    assert live.start_id == 2
    assert (await live.figures(9, now=at))["views"] == 2  # both joins: recomputed, not the partial fold
    assert (await live.figures(8, now=at))["views"] == 1
