"""The append-only event log: what is recorded is written in order, and folding it back gives
exactly the numbers the live fold showed."""

from __future__ import annotations

from liveshop.analytics.aggregate import Aggregator
from liveshop.analytics.log import EventLog, replay
from liveshop.bench.analytics import synthetic_show


async def test_a_simulated_show_recomputed_from_the_log_equals_the_live_numbers(services):
    show = synthetic_show(6_000, rooms=4, seed=11)
    log = EventLog(services.db)
    live = Aggregator()
    for start in range(0, len(show), 1_000):  # written in several batches, as the background loop does
        for event in show[start:start + 1_000]:
            log.record(event)
            live.add(event)
        assert await log.flush() == len(show[start:start + 1_000])
    assert await log.flush() == 0
    recomputed = await replay(services.db, page=700)  # read back in pages
    assert sorted(recomputed.rooms) == sorted(live.rooms) == [0, 1, 2, 3]
    now = show[-1].at + 30
    for room in live.rooms:
        assert recomputed.figures(room, now=now) == live.figures(room, now=now)
    assert sum(recomputed.figures(r)["gmv_cents"] for r in recomputed.rooms) == sum(
        e.amount for e in show if e.kind == "paid")
    one_shop = await replay(services.db, shop_id=1)
    assert sorted(one_shop.rooms) == [0, 1]  # rooms 0 and 1 belong to shop 1


async def test_a_failed_write_keeps_the_events_for_the_next_try(services):
    show = synthetic_show(50, rooms=1, seed=2)
    log = EventLog(services.db)
    for event in show:
        log.record(event)
    real = services.db.transaction

    def broken(**kw):
        raise ConnectionError("database went away")

    services.db.transaction = broken  # the database goes away for a moment…
    try:
        await log.flush()
    except ConnectionError:
        pass
    services.db.transaction = real
    assert await log.flush() == len(show)  # …and nothing was lost or reordered
    again = await replay(services.db)
    live = Aggregator()
    live.feed(show)
    assert again.figures(0) == live.figures(0)


async def test_a_flush_called_while_the_writer_is_mid_write_returns_once_it_is_written(services):
    import asyncio

    show = synthetic_show(500, rooms=2, seed=3)
    log = EventLog(services.db)
    for event in show:
        log.record(event)
    background = asyncio.create_task(log.flush())  # the periodic writer, mid-write
    await asyncio.sleep(0)
    await log.flush()  # a test (or shutdown) asking for everything recorded so far
    written = await replay(services.db)
    assert sorted(written.rooms) == [0, 1]
    assert sum(written.figures(room)["views"] for room in written.rooms) == sum(1 for e in show if e.kind == "join")
    assert await background == len(show)
