"""Simulcast targets: the merchant and host add other platforms' ingest URLs; the keys in them
are never shown back; bad URLs and a sixth target are refused."""

from __future__ import annotations

from tests.helpers import account, assert_problem, shop_with_room

DOUYIN = "rtmp://push-rtmp-l1.douyincdn.com/stage/stream-1234567890?expire=1&sign=abcdef"


async def test_push_targets_are_kept_with_their_keys_hidden(client):
    shop = await shop_with_room(client)
    url = f"/api/v1/rooms/{shop.room_id}/push-targets"
    r = await client.post(url, headers=shop.merchant, json={"name": "抖音", "url": DOUYIN})
    assert r.status_code == 201, r.text
    assert r.json()["url"] == "rtmp://push-rtmp-l1.douyincdn.com/stage/••••" and r.json()["relay"] == "idle"
    listed = (await client.get(url, headers=shop.merchant)).json()
    assert [t["name"] for t in listed] == ["抖音"] and "stream-1234567890" not in str(listed)

    for bad in ("http://example.com/live/key", "rtmp://", "rtmp://host/ key with spaces", "rtmp://h/" + "k" * 500):
        assert_problem(await client.post(url, headers=shop.merchant, json={"name": "x", "url": bad}), 422)
    for n in range(4):
        await client.post(url, headers=shop.merchant, json={"name": f"p{n}", "url": f"rtmps://ingest{n}.example.com:443/app/k{n}"})
    assert_problem(await client.post(url, headers=shop.merchant, json={"name": "six", "url": DOUYIN}), 409,
                   "too_many_push_targets")

    stranger = await account(client, "stranger")
    assert_problem(await client.get(url, headers=stranger), 404)
    assert_problem(await client.delete(f"/api/v1/push-targets/{listed[0]['id']}", headers=stranger), 404)
    assert (await client.delete(f"/api/v1/push-targets/{listed[0]['id']}", headers=shop.merchant)).status_code == 204
    assert len((await client.get(url, headers=shop.merchant)).json()) == 4
    assert_problem(await client.delete(f"/api/v1/push-targets/{listed[0]['id']}", headers=shop.merchant), 404)
