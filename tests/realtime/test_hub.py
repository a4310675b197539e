"""Room hub rules, with an in-memory event store and ticks driven by the test."""

import asyncio

import orjson
import pytest

from liveshop.realtime import hub as hub_module
from liveshop.realtime.hub import RoomHub


class FakeStore:
    def __init__(self):
        self.events: dict[int, list[dict]] = {}

    def add(self, room_id, event):
        self.events.setdefault(room_id, []).append(event)

    async def load_events(self, room_id, since, limit):
        return [e for e in self.events.get(room_id, []) if e["seq"] > since][:limit]

    async def load_last_seq(self, room_id):
        events = self.events.get(room_id, [])
        return events[-1]["seq"] if events else 0


@pytest.fixture
def store():
    return FakeStore()


@pytest.fixture
def hub(store):
    return RoomHub(load_events=store.load_events, load_last_seq=store.load_last_seq, chat_budget=3, queue_max=4)


def critical(store, seq, type="listing_added", room_id=1):
    event = {"type": type, "seq": seq, "listing": {"id": seq}}
    store.add(room_id, event)
    return event


def drain(conn):
    frames = []
    while not conn.queue.empty():
        frame = conn.queue.get_nowait()
        frames.append(None if frame is None else orjson.loads(frame))
    return frames


async def test_one_encoded_frame_per_tick_for_every_connection(hub, store):
    conns = [(await hub.subscribe(1, None))[0] for _ in range(50)]
    hub.publish(1, critical(store, 1))
    hub.publish(1, {"type": "comment", "id": 1, "text": "hi", "user": {"id": 1, "name": "a"}, "staff": None})
    before = hub.frames_encoded
    await hub.tick()
    assert hub.frames_encoded == before + 1
    frames = [c.queue.get_nowait() for c in conns]
    assert all(f is frames[0] for f in frames)  # the very same encoded object
    frame = orjson.loads(frames[0])
    assert frame["seq"] == 1
    assert [e["type"] for e in frame["events"]] == ["listing_added", "comment"]
    assert frame["counters"] == {"viewers": 50, "likes": 0}


async def test_critical_events_are_delivered_in_sequence_order(hub, store, monkeypatch):
    (conn, _) = await hub.subscribe(1, None)
    e1, e2, e3 = critical(store, 1), critical(store, 2), critical(store, 3)
    hub.publish(1, e3)  # committed out of order
    hub.publish(1, e1)
    await hub.tick()
    assert [e["seq"] for e in drain(conn)[0]["events"]] == [1]
    # seq 2 never arrives by publish (e.g. published on another path): after a short wait
    # the hub fills the gap from the event store, and 3 follows 2.
    monkeypatch.setattr(hub_module, "GAP_WAIT_SECONDS", 0.0)
    await hub.tick()
    events = [e for f in drain(conn) for e in f["events"]]
    assert [e["seq"] for e in events] == [2, 3]
    hub.publish(1, e2)  # a late duplicate is ignored
    await hub.tick()
    assert all(not f["events"] for f in drain(conn))


async def test_stock_ticks_are_coalesced_and_chat_is_sampled_staff_first(hub):
    (conn, _) = await hub.subscribe(1, None)
    for left in (9, 8, 7):
        hub.publish(1, {"type": "stock", "listing_id": 5, "stock_left": left})
    for i in range(10):
        hub.publish(1, {"type": "comment", "id": i, "text": f"m{i}", "user": {"id": i, "name": "u"},
                        "staff": "host" if i in (0, 4) else None})
    await hub.tick()
    events = drain(conn)[0]["events"]
    assert [e["stock_left"] for e in events if e["type"] == "stock"] == [7]
    chat = [e["id"] for e in events if e["type"] == "comment"]
    assert len(chat) == 3 and {0, 4} <= set(chat)


async def test_a_busy_chat_keeps_staff_then_buyers_and_fans_then_the_latest_of_the_rest(hub):
    (conn, _) = await hub.subscribe(1, None)
    for i in range(1, 13):
        hub.publish(1, {"type": "comment", "id": i, "text": f"m{i}", "user": {"id": i, "name": "u"},
                        "staff": "operator" if i == 7 else None, "buyer": i == 2, "fan": i == 3})
    await hub.tick()
    chat = [e["id"] for e in drain(conn)[0]["events"] if e["type"] == "comment"]
    assert chat == [2, 3, 7]  # budget 3: the operator, the buyer, the fan; in posting order
    for i in range(20, 26):
        hub.publish(1, {"type": "comment", "id": i, "text": "x", "user": {"id": i, "name": "u"}, "staff": None})
    await hub.tick()
    assert [e["id"] for e in drain(conn)[0]["events"]] == [23, 24, 25]  # otherwise the most recent


async def test_a_slow_client_loses_chat_first_and_is_closed_before_losing_a_critical_event(hub, store):
    (slow, _) = await hub.subscribe(1, None)
    (fast, _) = await hub.subscribe(1, None)
    for i in range(4):  # fill the slow client's outbox (queue_max=4) with chat frames
        hub.publish(1, {"type": "comment", "id": i, "text": "x", "user": {"id": 1, "name": "a"}, "staff": None})
        await hub.tick()
        drain(fast)
    hub.publish(1, {"type": "comment", "id": 9, "text": "x", "user": {"id": 1, "name": "a"}, "staff": None})
    await hub.tick()
    assert not slow.closed and slow.dropped_frames == 1
    drain(fast)
    hub.publish(1, critical(store, 1))
    await hub.tick()
    assert slow.closed
    assert drain(slow)[-1] is None  # its reader learns the stream ended, and resumes
    assert [e["seq"] for e in drain(fast)[0]["events"]] == [1]  # the others are not held up
    assert hub.viewers(1) == 1


async def test_resume_gets_missed_events_from_the_ring_and_from_the_store(hub, store):
    (watcher, _) = await hub.subscribe(1, None)
    for seq in range(1, 6):
        hub.publish(1, critical(store, seq))
    await hub.tick()
    _, first = await hub.subscribe(1, since=2)
    frame = orjson.loads(first)
    assert frame["seq"] == 5 and [e["seq"] for e in frame["events"]] == [3, 4, 5]
    # A room this node has not kept in memory is resumed from the event store.
    for seq in range(1, 4):
        critical(store, seq, room_id=2)
    _, first = await hub.subscribe(2, since=1)
    assert [e["seq"] for e in orjson.loads(first)["events"]] == [2, 3]
    # A position ahead of the room (a different server, a wiped database) asks for a resync.
    _, first = await hub.subscribe(2, since=99)
    assert orjson.loads(first)["events"] == [{"type": "resync", "reason": "unknown_position"}]


async def test_viewer_and_like_counters(hub):
    conns = [(await hub.subscribe(1, None))[0] for _ in range(3)]
    hub.add_likes(1, 5)
    await hub.tick()
    assert drain(conns[0])[0]["counters"] == {"viewers": 3, "likes": 5}
    drain(conns[1])
    hub.unsubscribe(conns[0])
    await hub.tick()
    assert drain(conns[1])[0]["counters"]["viewers"] == 2
    await hub.tick()  # nothing changed: no frame
    assert drain(conns[1]) == []


async def test_hub_runs_on_its_own_tick(store):
    hub = RoomHub(load_events=store.load_events, load_last_seq=store.load_last_seq, tick_seconds=0.01)
    hub.start()
    try:
        (conn, _) = await hub.subscribe(1, None)
        hub.publish(1, critical(store, 1))
        frame = await asyncio.wait_for(conn.next_frame(), timeout=2)
        assert orjson.loads(frame)["events"][0]["seq"] == 1
    finally:
        await hub.stop()


async def test_a_critical_event_whose_bus_message_was_lost_is_caught_up_from_the_store(hub, store):
    conn, _ = await hub.subscribe(1, None)
    critical(store, 1)  # committed on another node; its pub/sub message never arrived here
    await hub.tick()
    assert [e for f in drain(conn) for e in f["events"]] == []
    await hub.catch_up(1)  # the bus does this every couple of seconds
    await hub.tick()
    assert [e["seq"] for f in drain(conn) for e in f["events"]] == [1]


async def test_counters_add_the_viewers_of_other_nodes(hub):
    conn, _ = await hub.subscribe(1, None)
    hub.set_shared_counters(1, likes=40, other_viewers=7)
    await hub.tick()
    assert drain(conn)[-1]["counters"] == {"viewers": 8, "likes": 40}
    assert hub.viewers(1) == 8 and hub.local_viewers(1) == 1


async def test_a_viewers_own_order_events_go_to_their_connections_only(hub):
    mine_a, _ = await hub.subscribe(1, None, user_id=7)
    mine_b, _ = await hub.subscribe(1, None, user_id=7)  # a second tab
    other, _ = await hub.subscribe(1, None, user_id=8)
    guest, _ = await hub.subscribe(1, None)
    hub.publish(1, {"type": "my_order", "to_user": 7, "order": {"id": 3, "status": "paid"}})
    hub.publish(1, {"type": "my_order", "to_user": 99, "order": {"id": 4, "status": "paid"}})  # not watching
    await hub.tick()
    for conn in (mine_a, mine_b):
        frames = drain(conn)
        private = [f for f in frames if f.get("private")]
        assert [e["order"]["id"] for f in private for e in f["events"]] == [3]
        assert "to_user" not in private[0]["events"][0]
    for conn in (other, guest):
        assert not any(f.get("private") for f in drain(conn))
    hub.unsubscribe(mine_a)
    hub.unsubscribe(mine_b)
    hub.publish(1, {"type": "my_order", "to_user": 7, "order": {"id": 5, "status": "expired"}})
    await hub.tick()  # nobody of user 7 left: dropped, the order itself is the record


async def test_a_private_event_that_does_not_fit_closes_the_connection(hub):
    conn, _ = await hub.subscribe(1, None, user_id=7)
    for i in range(4):  # fill the outbox (queue_max=4)
        conn.offer(f'{{"n":{i}}}', critical=False)
    hub.publish(1, {"type": "my_order", "to_user": 7, "order": {"id": 3, "status": "paid"}})
    await hub.tick()
    assert conn.closed  # resumes; never silently misses its own order
