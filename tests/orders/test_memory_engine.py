"""Rules of the memory engine that the shared order tests do not reach."""

import asyncio
import uuid

import pytest

from liveshop.inventory.errors import StockEngineUnavailable
from liveshop.inventory.service import get_listing
from tests.orders.world import live_listing, user


@pytest.fixture
def inventory() -> str:
    return "memory"


async def test_claims_not_yet_committed_at_shutdown_are_refused_and_undone(services):
    world = await live_listing(services, stock=3)
    buyer = await user(services)
    engine = services.engine
    place = dict(buyer_id=buyer.id, listing_id=world.listing_id, quantity=1, fingerprint="f",
                 now=services.clock.now(), payment_timeout=900)
    await engine.place(**place, idempotency_key=uuid.uuid4().hex)  # the listing is hot, one unit sold

    async def stuck_flush(batch, listings):  # a database that stopped answering
        await asyncio.Event().wait()

    engine.commits.flush = stuck_flush
    attempt = asyncio.create_task(engine.place(**place, idempotency_key=uuid.uuid4().hex))
    await asyncio.sleep(0)  # the claim is taken in memory, without awaiting anything
    assert engine._hot[world.listing_id].remaining == 1
    await asyncio.sleep(0.01)
    assert not attempt.done()  # not acknowledged: it is not durable
    await engine.stop(drain_seconds=0.05)
    with pytest.raises(StockEngineUnavailable):
        await attempt
    assert engine._hot[world.listing_id].remaining == 2  # the unit went back
    assert (await get_listing(services.db, listing_id=world.listing_id))["stock_left"] == 2


async def test_a_claim_on_a_stopped_engine_is_refused_at_once(services):
    world = await live_listing(services, stock=3)
    buyer = await user(services)
    engine = services.engine
    await engine.place(buyer_id=buyer.id, listing_id=world.listing_id, quantity=1, idempotency_key=uuid.uuid4().hex,
                       fingerprint="f", now=services.clock.now(), payment_timeout=900)
    await engine.stop()
    with pytest.raises(StockEngineUnavailable):
        await asyncio.wait_for(engine.place(
            buyer_id=buyer.id, listing_id=world.listing_id, quantity=1, idempotency_key=uuid.uuid4().hex,
            fingerprint="f", now=services.clock.now(), payment_timeout=900), timeout=5)
    assert engine._hot[world.listing_id].remaining == 2  # the refused unit went back


async def test_a_failed_group_commit_answers_503_and_gives_the_units_back(services):
    world = await live_listing(services, stock=2)
    buyer = await user(services)
    engine = services.engine

    async def broken_flush(batch, listings):
        raise ConnectionError("database went away")

    real_flush, engine.commits.flush = engine.commits.flush, broken_flush
    key = uuid.uuid4().hex
    place = dict(buyer_id=buyer.id, listing_id=world.listing_id, quantity=1, idempotency_key=key, fingerprint="f",
                 now=services.clock.now(), payment_timeout=900)
    with pytest.raises(StockEngineUnavailable) as failed:
        await engine.place(**place)
    assert failed.value.status == 503
    engine.commits.flush = real_flush
    order, replayed = await engine.place(**place)  # the same key, retried once the database is back
    assert not replayed and order.quantity == 1
    assert (await get_listing(services.db, listing_id=world.listing_id))["stock_left"] == 1
