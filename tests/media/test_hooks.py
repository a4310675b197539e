"""The media server's hooks: who may publish to a room, what publishing and dropping do to the
show, and the grace before an abandoned show ends."""

from __future__ import annotations

import logging

import httpx

from liveshop.media import service as media
from liveshop.realtime import store as realtime_store
from tests.helpers import account, assert_problem, shop_with_room


async def key_of(client, shop) -> str:
    return (await client.get(f"/api/v1/rooms/{shop.room_id}/stream-key", headers=shop.merchant)).json()["stream_key"]


async def publish(client, room_id, key, **extra):
    return await client.post("/api/v1/media/hooks/publish", data={
        "call": "publish", "app": "live", "name": str(room_id), "key": key, "addr": "198.51.100.7", **extra})


async def room_status(client, room_id) -> str:
    return (await client.get(f"/api/v1/rooms/{room_id}")).json()["status"]


async def test_the_rooms_key_starts_the_show_and_a_wrong_key_is_refused_without_being_logged(client, caplog):
    shop = await shop_with_room(client, live=False)
    key = await key_of(client, shop)
    wrong = key[:-4] + "abcd"
    with caplog.at_level(logging.INFO):
        assert_problem(await publish(client, shop.room_id, wrong), 403, "stream_refused")
        assert_problem(await publish(client, shop.room_id, ""), 403, "stream_refused")
    assert wrong not in caplog.text and key not in caplog.text and "wrong stream key" in caplog.text
    assert await room_status(client, shop.room_id) == "scheduled"
    assert_problem(await publish(client, 99_999_999, key), 404, "unknown_stream")
    assert_problem(await publish(client, "live", key), 404, "unknown_stream")

    r = await publish(client, shop.room_id, key)
    assert r.status_code == 200 and r.json() == {"code": 0, "room_id": shop.room_id, "room_status": "live",
                                                 "stream": "publishing"}
    assert await room_status(client, shop.room_id) == "live"
    media_view = (await client.get(f"/api/v1/rooms/{shop.room_id}/media")).json()
    assert media_view["stream"] == "publishing" and media_view["hls_url"].endswith(f"/hls/{shop.room_id}.m3u8")
    assert "obs" not in media_view  # viewers never see the key
    crew = (await client.get(f"/api/v1/rooms/{shop.room_id}/media", headers=shop.merchant)).json()
    assert crew["obs"] == {"server": "rtmp://127.0.0.1:1935/live", "stream_key": f"{shop.room_id}?key={key}"}

    # A rotated key: the old one stops working at once.
    new = (await client.post(f"/api/v1/rooms/{shop.room_id}/stream-key", headers=shop.merchant)).json()["stream_key"]
    assert_problem(await publish(client, shop.room_id, key), 403)
    assert (await publish(client, shop.room_id, new)).status_code == 200


async def test_a_merchant_may_keep_the_show_scheduled_while_the_stream_is_tested(client):
    shop = await shop_with_room(client, live=False)
    r = await client.put(f"/api/v1/rooms/{shop.room_id}/media", headers=shop.merchant, json={"start_on_publish": False})
    assert r.status_code == 200 and r.json()["start_on_publish"] is False
    assert (await publish(client, shop.room_id, await key_of(client, shop))).json()["room_status"] == "scheduled"
    stranger = await account(client, "stranger")
    assert_problem(await client.put(f"/api/v1/rooms/{shop.room_id}/media", headers=stranger,
                                    json={"start_on_publish": True}), 404)
    assert_problem(await client.put(f"/api/v1/rooms/{shop.room_id}/media", headers=shop.merchant,
                                    json={"start_on_publish": "yes"}), 422)


async def test_a_dropped_stream_waits_for_the_host_then_ends_the_show(client, services, clock):
    shop = await shop_with_room(client, live=False)
    key = await key_of(client, shop)
    assert (await publish(client, shop.room_id, key)).status_code == 200
    conn, _ = await services.hub.subscribe(shop.room_id, None, visitor="aWatcher0001")
    done = await client.post("/api/v1/media/hooks/publish_done", data={"call": "publish_done", "name": str(shop.room_id)})
    assert done.status_code == 200
    assert (await client.get(f"/api/v1/rooms/{shop.room_id}/media")).json()["stream"] == "interrupted"
    grace = services.settings.media_grace_seconds
    clock.advance(grace - 1)
    assert await media.end_abandoned(services.db, now=clock.now(), grace=grace) == 0
    # The host is back within the grace: the show goes on.
    assert (await publish(client, shop.room_id, key)).json()["stream"] == "publishing"
    clock.advance(grace * 2)
    assert await media.end_abandoned(services.db, now=clock.now(), grace=grace) == 0
    await client.post("/api/v1/media/hooks/publish_done", data={"name": str(shop.room_id)})
    clock.advance(grace + 1)
    assert await media.end_abandoned(services.db, now=clock.now(), grace=grace) == 1
    assert await media.end_abandoned(services.db, now=clock.now(), grace=grace) == 0  # once
    assert await room_status(client, shop.room_id) == "ended"
    assert_problem(await publish(client, shop.room_id, key), 409, "stream_not_allowed")
    async with services.db.transaction(write=False) as tx:
        logged = await realtime_store.events_after(tx.conn, shop.room_id, 0, 1000)
    events = [e["type"] + ":" + str(e.get("state", e.get("status"))) for e in logged]
    assert events[-5:] == ["stream:interrupted", "stream:publishing", "stream:interrupted", "stream:ended",
                           "room_status:ended"]
    assert conn is not None


async def test_only_the_media_server_calls_the_hooks(services):
    from liveshop.app import create_app

    app = create_app(services=services)
    async with app.router.lifespan_context(app):
        outside = httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=("203.0.113.9", 40000)),
                                    base_url="http://testserver")
        async with outside:
            r = await outside.post("/api/v1/media/hooks/publish_done", data={"name": "1"})
            assert_problem(r, 403, "hook_forbidden")


async def test_srs_and_mediamtx_hooks_are_understood_as_they_send_them(client):
    """The adapter: SRS's and MediaMTX's JSON hook bodies, no translating proxy."""
    srs_shop, mtx_shop = await shop_with_room(client, live=False), await shop_with_room(client, live=False)
    srs_key, mtx_key = await key_of(client, srs_shop), await key_of(client, mtx_shop)

    def srs(action, key):
        return {"action": action, "client_id": "x1", "ip": "198.51.100.9", "vhost": "__defaultVhost__",
                "app": "live", "stream": str(srs_shop.room_id), "param": f"?key={key}"}

    assert_problem(await client.post("/api/v1/media/hooks/publish", json=srs("on_publish", "sk_wrong")), 403)
    r = await client.post("/api/v1/media/hooks/publish", json=srs("on_publish", srs_key))
    assert r.status_code == 200 and r.json()["code"] == 0 and r.json()["room_status"] == "live"
    r = await client.post("/api/v1/media/hooks/publish_done", json=srs("on_unpublish", ""))
    assert r.status_code == 200 and r.json()["stream"] == "interrupted"

    def mtx(action, query):
        return {"user": "", "password": "", "ip": "198.51.100.10", "action": action,
                "path": f"live/{mtx_shop.room_id}", "protocol": "rtmp", "id": None, "query": query}

    assert_problem(await client.post("/api/v1/media/hooks/publish", json=mtx("publish", "")), 403)
    r = await client.post("/api/v1/media/hooks/publish", json=mtx("publish", f"key={mtx_key}"))
    assert r.status_code == 200 and r.json()["stream"] == "publishing"
    r = await client.post("/api/v1/media/hooks/publish", json=mtx("read", ""))  # a viewer: public
    assert r.status_code == 200 and r.json() == {"code": 0}
    r = await client.post("/api/v1/media/hooks/publish_done", data={"name": f"live/{mtx_shop.room_id}"})
    assert r.json()["stream"] == "interrupted"  # runOnNotReady posting $MTX_PATH

    for bad in (b"[1]", b"not json", b'{"action": "on_publish"}', b'{"stream": "1"}'):
        r = await client.post("/api/v1/media/hooks/publish", content=bad, headers={"content-type": "application/json"})
        assert_problem(r, 422, "bad_hook")
    assert_problem(await client.post("/api/v1/media/hooks/publish", data={"key": "x"}), 422, "bad_hook")
    assert_problem(await client.post("/api/v1/media/hooks/publish", data={"name": "1" * 65}), 422, "bad_hook")
