"""Signed session tokens and the revocation list behind the database-free order route."""

from datetime import timedelta

from liveshop.bootstrap import build_services
from liveshop.core.auth import service as auth
from liveshop.core.auth import tokens
from tests.conftest import make_settings
from tests.helpers import account, assert_problem, buy, listing, shop_with_room

KEY = tokens.signing_key("k" * 40)


def test_issue_and_verify(clock):
    token = tokens.issue(KEY, user_id=42, expires_at=clock.now() + timedelta(hours=1))
    assert token.startswith("lst_") and len(token) <= 128
    assert tokens.verify(KEY, token, now=clock.now()) == 42
    assert tokens.verify(tokens.signing_key("other" * 8), token, now=clock.now()) is None
    assert tokens.verify(KEY, token, now=clock.now() + timedelta(hours=2)) is None  # expired
    sid, uid, exp, sig = token[4:].split(".")
    assert tokens.verify(KEY, f"lst_{sid}.43.{exp}.{sig}", now=clock.now()) is None  # someone else
    assert tokens.verify(KEY, f"lst_{sid}.{uid}.{int(exp) + 9999}.{sig}", now=clock.now()) is None  # longer life
    flipped = sig[:-1] + ("B" if sig[-1] != "B" else "C")  # always a different signature
    assert tokens.verify(KEY, f"lst_{sid}.{uid}.{exp}.{flipped}", now=clock.now()) is None
    for junk in ("", "lst_", "lst_a.b.c.d", "Bearer x", "lst_" + "a." * 80):
        assert tokens.verify(KEY, junk, now=clock.now()) is None


async def test_the_order_route_refuses_a_forged_or_logged_out_token(client):
    shop = await shop_with_room(client)
    lst = await listing(client, shop, stock=5)
    buyer = await account(client)
    assert (await buy(client, buyer, lst["id"])).status_code == 201
    sid, uid, exp, sig = buyer["Authorization"].removeprefix("Bearer lst_").split(".")
    other = await account(client)
    other_uid = other["Authorization"].removeprefix("Bearer lst_").split(".")[1]
    forged = {"Authorization": f"Bearer lst_{sid}.{other_uid}.{exp}.{sig}"}
    assert_problem(await buy(client, forged, lst["id"]), 401, "not_authenticated")
    await client.delete("/api/v1/sessions", headers=buyer)
    assert_problem(await buy(client, buyer, lst["id"]), 401, "not_authenticated")


async def test_a_logout_on_one_node_reaches_the_others_when_they_poll(client, services, database_url, clock):
    other_node = build_services(make_settings(database_url), clock=clock)
    try:
        await other_node.revocations.refresh(other_node.db, now=clock.now())
        buyer = await account(client)
        token = buyer["Authorization"].removeprefix("Bearer ")

        def verify_on(node):
            return auth.user_id_from_signature(token, signing_key=node.signing_key,
                                               revocations=node.revocations, now=clock.now())

        assert verify_on(services) == verify_on(other_node) is not None
        await client.delete("/api/v1/sessions", headers=buyer)
        assert verify_on(services) is None  # the node that logged it out knows at once
        assert verify_on(other_node) is not None  # the other has not polled yet...
        await other_node.revocations.refresh(other_node.db, now=clock.now())
        assert verify_on(other_node) is None  # ...and refuses it after
        # Revocations of tokens that have expired anyway are purged.
        clock.advance(31 * 86400)
        await services.revocations.purge(services.db, now=clock.now())
        assert await other_node.revocations.refresh(other_node.db, now=clock.now()) == 0
    finally:
        await other_node.db.dispose()
