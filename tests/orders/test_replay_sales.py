"""Selling from the replay, on every stock path: an ended show refuses orders until its replay
is ready, then sells its listings again while their stock lasts."""

from __future__ import annotations

import asyncio

from liveshop.media import replay
from liveshop.media import store as media_store
from liveshop.media.service import sale_status
from liveshop.rooms.service import get_public_room
from tests.helpers import account, assert_problem, buy, listing, shop_with_room


async def settled(services) -> None:
    """The redis engine applies a room's status change in a background task: let it run."""
    for _ in range(20):
        await asyncio.sleep(0.02)


async def test_an_ended_show_sells_again_once_its_replay_is_ready(client, services, clock):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=2)
    buyer = await account(client, "buyer")
    assert (await buy(client, buyer, lst["id"])).status_code == 201
    assert (await client.post(f"/api/v1/rooms/{shop.room_id}/end", headers=shop.merchant)).status_code == 200
    async with services.db.transaction(write=False) as tx:
        assert await sale_status(tx.conn, await get_public_room(tx.conn, shop.room_id)) == "ended"
    await settled(services)
    assert_problem(await buy(client, buyer, lst["id"]), 409, "room_ended")

    async with services.db.transaction() as tx:  # what the replay build does when ffmpeg is done
        await media_store.ensure(tx.conn, shop.room_id)
        assert await media_store.set_replay(tx.conn, shop.room_id, expected="none", replay="ready", seconds=600)
        await replay.open_sales(tx, shop.room_id, now=clock.now())

    async with services.db.transaction(write=False) as tx:
        assert await sale_status(tx.conn, await get_public_room(tx.conn, shop.room_id)) == "live"
    await settled(services)
    r = await buy(client, buyer, lst["id"])
    assert r.status_code == 201, r.text
    assert r.json()["room_id"] == shop.room_id  # the sale counts for the show it came from
    assert_problem(await buy(client, buyer, lst["id"]), 409, "sold_out")  # the listing's stock still rules
    room = (await client.get(f"/api/v1/rooms/{shop.room_id}")).json()
    assert room["status"] == "ended"  # viewers still see an ended show
