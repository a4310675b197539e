"""Chat moderation over the API: banned words, flood control, slow and followers-only modes,
mutes and bans, deleting messages, and the audit log of all of it."""

from __future__ import annotations

import pytest

from tests.helpers import (
    account,
    admin,
    assert_problem,
    buy,
    listing,
    next_hub_event,
    shop_with_room,
)


async def say(client, room_id, who, text):
    return await client.post(f"/api/v1/rooms/{room_id}/comments", json={"text": text}, headers=who)


async def audit(client, shop):
    r = await client.get(f"/api/v1/shops/{shop.shop_id}/moderation/audit", headers=shop.merchant)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_shop_word_blocks_comments_however_it_is_disguised(client):
    shop = await shop_with_room(client)
    viewer = await account(client)
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/banned-words", json={"word": "加微信"}, headers=shop.merchant)
    assert r.status_code == 201 and r.json()["word"] == "加微信"
    for text in ["便宜 加 微 信", "加\u200b微信 便宜", "加微信"]:
        blocked = await say(client, shop.room_id, viewer, text)
        problem = assert_problem(blocked, 422, "comment_blocked")
        assert problem["reason"] == "banned_word" and problem["word"] == "加微信"
    ok = await say(client, shop.room_id, viewer, "这茶真香")
    assert ok.status_code == 201
    texts = [c["text"] for c in (await client.get(f"/api/v1/rooms/{shop.room_id}/comments")).json()]
    assert texts == ["这茶真香"]  # blocked text is neither stored nor broadcast
    blocks = [a for a in await audit(client, shop) if a["action"] == "comment_blocked"]
    assert len(blocks) == 3 and blocks[0]["actor_id"] is None and blocks[0]["detail"] == {"word": "加微信"}
    # Another shop's rooms do not use this shop's list.
    other = await shop_with_room(client)
    assert (await say(client, other.room_id, viewer, "加微信")).status_code == 201
    again = await client.post(f"/api/v1/shops/{shop.shop_id}/banned-words", json={"word": "加 微 信"},
                              headers=shop.merchant)
    assert_problem(again, 409, "banned_word_exists")


async def test_platform_words_apply_in_every_shop_and_only_admins_manage_them(client, services):
    root = await admin(client, services)
    shop = await shop_with_room(client)
    viewer = await account(client)
    refused = await client.post("/api/v1/moderation/banned-words", json={"word": "scam"}, headers=shop.merchant)
    assert_problem(refused, 403)
    r = await client.post("/api/v1/moderation/banned-words", json={"word": "scam"}, headers=root)
    assert r.status_code == 201 and r.json()["shop_id"] is None
    assert_problem(await say(client, shop.room_id, viewer, "total ＳＣＡＭ here"), 422, "comment_blocked")
    assert (await client.delete(f"/api/v1/moderation/banned-words/{r.json()['id']}", headers=root)).status_code == 204
    assert (await say(client, shop.room_id, viewer, "total scam here")).status_code == 201
    actions = [a["action"] for a in (await client.get("/api/v1/moderation/audit", headers=root)).json()]
    assert actions == ["word_removed", "word_added"]


async def test_a_viewer_flooding_the_chat_is_slowed_down_with_retry_after(client):
    shop = await shop_with_room(client)
    viewer, other = await account(client), await account(client)
    answers = [await say(client, shop.room_id, viewer, f"msg {i}") for i in range(6)]
    assert [a.status_code for a in answers] == [201] * 5 + [429]
    problem = assert_problem(answers[-1], 429, "chat_rate_limited")
    assert answers[-1].headers["retry-after"] == str(problem["retry_after_seconds"])
    assert (await say(client, shop.room_id, other, "hello")).status_code == 201  # others are not affected
    for i in range(8):  # the host is never rate limited
        assert (await say(client, shop.room_id, shop.merchant, f"host {i}")).status_code == 201


async def test_slow_mode_and_followers_only(client, clock):
    shop = await shop_with_room(client)
    viewer = await account(client)
    r = await client.put(f"/api/v1/rooms/{shop.room_id}/chat-mode", json={"slow_mode_seconds": 30,
                         "followers_only": True}, headers=shop.merchant)
    assert r.json() == {"slow_mode_seconds": 30, "followers_only": True}
    assert_problem(await client.put(f"/api/v1/rooms/{shop.room_id}/chat-mode", json={"slow_mode_seconds": 30,
                   "followers_only": False}, headers=viewer), 404)
    assert_problem(await say(client, shop.room_id, viewer, "hi"), 403, "followers_only")
    follow = await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=viewer)
    assert follow.json() == {"following": True, "followers": 1, "real_followers": 1}
    assert (await say(client, shop.room_id, viewer, "hi")).status_code == 201
    slow = assert_problem(await say(client, shop.room_id, viewer, "again"), 429, "slow_mode")
    assert 1 <= slow["retry_after_seconds"] <= 30
    assert (await say(client, shop.room_id, shop.merchant, "the host talks freely")).status_code == 201
    clock.advance(31)
    assert (await say(client, shop.room_id, viewer, "again")).status_code == 201
    await client.delete(f"/api/v1/shops/{shop.shop_id}/follow", headers=viewer)
    clock.advance(31)
    assert_problem(await say(client, shop.room_id, viewer, "and again"), 403, "followers_only")
    assert (await client.get(f"/api/v1/rooms/{shop.room_id}/chat-mode")).json()["followers_only"] is True


async def test_mute_ban_and_lifting_them(client, clock):
    shop = await shop_with_room(client)
    viewer = await account(client)
    me = (await client.get("/api/v1/me", headers=viewer)).json()
    r = await client.post(f"/api/v1/shops/{shop.shop_id}/sanctions",
                          json={"user_id": me["id"], "kind": "mute", "minutes": 10, "reason": "spam"},
                          headers=shop.merchant)
    assert r.status_code == 201, r.text
    muted = assert_problem(await say(client, shop.room_id, viewer, "hi"), 403, "muted")
    assert muted["until"] is not None
    assert (await client.post(f"/api/v1/rooms/{shop.room_id}/likes", json={"count": 1}, headers=viewer)).status_code == 200
    clock.advance(601)  # a timed mute ends by itself
    assert (await say(client, shop.room_id, viewer, "back")).status_code == 201

    ban = await client.post(f"/api/v1/shops/{shop.shop_id}/sanctions", json={"user_id": me["id"], "kind": "ban"},
                            headers=shop.merchant)
    assert ban.json()["until"] is None  # for good, until lifted
    assert_problem(await say(client, shop.room_id, viewer, "hi"), 403, "banned")
    assert_problem(await client.post(f"/api/v1/rooms/{shop.room_id}/likes", json={"count": 1}, headers=viewer),
                   403, "banned")
    active = (await client.get(f"/api/v1/shops/{shop.shop_id}/sanctions", headers=shop.merchant)).json()
    assert [s["kind"] for s in active] == ["ban"]
    lifted = await client.delete(f"/api/v1/shops/{shop.shop_id}/sanctions/{ban.json()['id']}", headers=shop.merchant)
    assert lifted.status_code == 200
    assert_problem(await client.delete(f"/api/v1/shops/{shop.shop_id}/sanctions/{ban.json()['id']}",
                                       headers=shop.merchant), 404, "sanction_not_found")
    assert (await say(client, shop.room_id, viewer, "thanks")).status_code == 201
    actions = [a["action"] for a in await audit(client, shop)]
    assert actions == ["unban", "ban", "mute"]

    # Staff cannot be sanctioned in their own shop; outsiders cannot sanction anyone.
    merchant_id = (await client.get("/api/v1/me", headers=shop.merchant)).json()["id"]
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/sanctions",
                                     json={"user_id": merchant_id, "kind": "ban"}, headers=shop.merchant),
                   409, "cannot_sanction_staff")
    assert_problem(await client.post(f"/api/v1/shops/{shop.shop_id}/sanctions",
                                     json={"user_id": me["id"], "kind": "ban"}, headers=viewer), 404)


async def test_deleting_a_message_removes_it_from_every_screen_and_the_history(client, services):
    shop = await shop_with_room(client)
    viewer = await account(client)
    comment = (await say(client, shop.room_id, viewer, "rude words")).json()
    conn, _ = await services.hub.subscribe(shop.room_id, None)
    r = await client.delete(f"/api/v1/rooms/{shop.room_id}/comments/{comment['id']}", headers=viewer)
    assert_problem(r, 404)  # viewers cannot delete, not even their own
    r = await client.delete(f"/api/v1/rooms/{shop.room_id}/comments/{comment['id']}", headers=shop.merchant)
    assert r.status_code == 204
    event = await next_hub_event(conn, "comment_deleted")
    assert event["comment_id"] == comment["id"] and event["seq"] >= 1  # a critical, numbered event
    assert (await client.get(f"/api/v1/rooms/{shop.room_id}/comments")).json() == []
    entry = (await audit(client, shop))[0]
    assert entry["action"] == "comment_deleted" and entry["comment_id"] == comment["id"]
    assert entry["detail"] == {"text": "rude words"}
    services.hub.unsubscribe(conn)


async def test_a_mute_made_from_a_room_is_announced_there(client, services):
    shop = await shop_with_room(client)
    viewer = await account(client)
    me = (await client.get("/api/v1/me", headers=viewer)).json()
    conn, _ = await services.hub.subscribe(shop.room_id, None)
    await client.post(f"/api/v1/shops/{shop.shop_id}/sanctions",
                      json={"user_id": me["id"], "kind": "mute", "minutes": 5, "room_id": shop.room_id},
                      headers=shop.merchant)
    event = await next_hub_event(conn, "moderation")
    assert event["action"] == "muted" and event["user"]["id"] == me["id"] and event["until"]
    services.hub.unsubscribe(conn)


@pytest.mark.parametrize("text_of", ["staff", "buyer", "fan"])
async def test_comments_say_who_is_talking_for_the_chat_lane(client, text_of):
    shop = await shop_with_room(client)
    viewer = await account(client)
    if text_of == "buyer":
        lst = await listing(client, shop, stock=1)
        assert (await buy(client, viewer, lst["id"])).status_code == 201
    if text_of == "fan":
        await client.post(f"/api/v1/shops/{shop.shop_id}/follow", headers=viewer)
    who = shop.merchant if text_of == "staff" else viewer
    body = (await say(client, shop.room_id, who, "hello")).json()
    assert (body["staff"] is not None) == (text_of == "staff")
    assert body["buyer"] == (text_of == "buyer") and body["fan"] == (text_of == "fan")
